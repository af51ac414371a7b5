import { describe, expect, it } from 'vitest';
import { MemoryAttachmentStore, MemoryTemplateStore } from '#shared/adapters/memory/memory-template-store';
import { MemoryTenantStore } from '#shared/adapters/memory/memory-adapters';
import type { EmailRecord } from '#shared/domain/email';
import { ValidationError } from '#shared/domain/errors';
import type { TenantTemplate } from '#shared/domain/template';
import { getRepositoryTemplate } from '#shared/rendering/template-repository';
import { assertAllowedFilename, attachmentKey, createAttachmentIntake, type Fetcher } from '#shared/use-cases/attachments';
import { createTemplateContentBuilder } from '#shared/use-cases/template-content';
import type { EmailContent } from '#shared/ports/index';

/** Attachments given as `content` never fetch: a fetch here is a bug. */
const noNetwork: Fetcher = async (url) => {
  throw new Error(`unexpected fetch of ${url}`);
};
import { buildMime } from '#shared/rendering/mime';
import { emailRecord } from '#test/support/emails';

function email(overrides: Partial<EmailRecord> = {}): EmailRecord {
  return emailRecord({
    id: 'e1',
    status: 'sending',
    from: 'hello@acme.test',
    to: ['ada@example.org'],
    subject: undefined,
    createdAt: '2030-01-01T00:00:00.000Z',
    updatedAt: '2030-01-01T00:00:00.000Z',
    expiresAt: 1_900_000_000,
    ...overrides,
  });
}

const draft: TenantTemplate = {
  tenantId: 'acme',
  id: 'receipt',
  name: 'Receipt',
  subject: 'Receipt {{n}}',
  html: '<style>p { color: red; }</style><p>Receipt {{n}} <a href="{{url "r" n}}">view</a></p>',
  lastVersion: 0,
  createdAt: 'a',
  updatedAt: 'a',
};

async function setup() {
  const templates = new MemoryTemplateStore();
  const tenants = new MemoryTenantStore();
  const attachments = new MemoryAttachmentStore();
  await tenants.put({
    id: 'acme',
    allowedSenders: [],
    retentionDays: 30,
    limits: { requestsPerSecond: 1, burst: 1, emailsPerDay: 1, perSenderHourlyCap: 0 },
    baseUrl: 'https://acme.test',
    createdAt: '',
    updatedAt: '',
  });
  await templates.create(draft);
  const v1 = await templates.publish(draft, 'p1');
  const current = (await templates.get('acme', 'receipt'))!;
  await templates.updateDraft('acme', 'receipt', { ...draft, subject: 'NEW {{n}}' }, 'b');
  await templates.publish((await templates.get('acme', 'receipt'))!, 'p2');
  return { templates, tenants, attachments, v1, current };
}

describe('template content builder', () => {
  it('renders the template version recorded on the email, not the newest one', async () => {
    const { templates, tenants } = await setup();
    const builder = createTemplateContentBuilder({ templates, tenants });
    const v1 = await builder.build(email({ template: { id: 'receipt', version: 1, variables: { n: '7' } } }));
    expect(v1.subject).toBe('Receipt 7');
    const v2 = await builder.build(email({ template: { id: 'receipt', version: 2, variables: { n: '7' } } }));
    expect(v2.subject).toBe('NEW 7');
  });

  it("inlines styles, adds a text part and joins the tenant's base URL", async () => {
    const { templates, tenants } = await setup();
    const content = await createTemplateContentBuilder({ templates, tenants }).build(email({ template: { id: 'receipt', version: 1, variables: { n: '7' } } }));
    expect(content.html).toMatch(/<p style="color: red;?">/);
    expect(content.html).toContain('href="https://acme.test/r/7"');
    expect(content.text).toContain('Receipt 7');
  });

  it('lets explicit subject, html and text on the email override the template', async () => {
    const { templates, tenants } = await setup();
    const content = await createTemplateContentBuilder({ templates, tenants }).build(
      email({ subject: 'Mine', text: 'plain', template: { id: 'receipt', version: 1, variables: { n: '7' } } }),
    );
    expect(content.subject).toBe('Mine');
    expect(content.text).toBe('plain');
    expect(content.html).toContain('Receipt 7');
  });

  it('renders a repository template and passes system variables through extraVariables', async () => {
    const newsletter = getRepositoryTemplate('newsletter')!;
    const builder = createTemplateContentBuilder({
      tenants: new MemoryTenantStore(),
      extraVariables: (e) => ({ unsubscribe_url: `https://u.test/${e.id}` }),
    });
    const vars = { issue_title: 'Issue 1', intro: 'Hello', articles: [{ title: 'A', summary: 'S', link: 'https://x.test/a' }] };
    const content = await builder.build(email({ template: { id: 'newsletter', version: newsletter.version, variables: vars } }));
    expect(content.subject).toBe('Issue 1');
    expect(content.html).toContain('https://u.test/e1');
  });

  it('fails with a clear error when the recorded tenant version is gone', async () => {
    const builder = createTemplateContentBuilder({ templates: new MemoryTemplateStore() });
    await expect(builder.build(email({ template: { id: 'receipt', version: 3, variables: {} } }))).rejects.toThrow(/version 3 is not available/);
  });

  it('returns stored attachments with their content types, inline ones with their cid', async () => {
    const attachments = new MemoryAttachmentStore();
    await attachments.put('acme/e1/0-logo.png', Buffer.from([1, 2, 3]), 'image/png');
    await attachments.put('acme/e1/1-a.pdf', Buffer.from('%PDF-1.4'), 'application/pdf');
    const content = await createTemplateContentBuilder({ attachments }).build(
      email({
        subject: 's',
        html: '<img src="cid:logo">',
        attachments: [
          { filename: 'logo.png', contentType: 'image/png', contentId: 'logo', key: 'acme/e1/0-logo.png', size: 3 },
          { filename: 'a.pdf', contentType: 'application/pdf', key: 'acme/e1/1-a.pdf', size: 8 },
        ],
      }),
    );
    expect(content.attachments).toEqual([
      { filename: 'logo.png', content: Buffer.from([1, 2, 3]), contentType: 'image/png', cid: 'logo' },
      { filename: 'a.pdf', content: Buffer.from('%PDF-1.4'), contentType: 'application/pdf' },
    ]);
  });

  it('generates a plain-text part for an HTML-only email, and none for `text: ""` (as Resend)', async () => {
    const builder = createTemplateContentBuilder({});
    const generated = await builder.build(email({ subject: 'Hi', html: '<h1>Hello</h1><p>Your <a href="https://x.test/r">receipt</a>.</p>' }));
    expect(generated.text).toContain('Hello');
    expect(generated.text).toContain('receipt [https://x.test/r]');
    expect(generated.text).not.toContain('<');
    const optedOut = await builder.build(email({ subject: 'Hi', html: '<p>Hello</p>', text: '' }));
    expect(optedOut).not.toHaveProperty('text');
    expect((await builder.build(email({ subject: 'Hi', text: 'plain' }))).text).toBe('plain');
    // The message itself: multipart/alternative with a text/plain part, or HTML alone.
    const mime = async (content: EmailContent) =>
      (
        await buildMime({ emailId: 'e1', from: 'a@acme.test', to: ['b@example.org'], cc: [], replyTo: [], headers: {}, date: new Date(0), ...content })
      ).raw.toString();
    expect(await mime(generated)).toContain('Content-Type: text/plain');
    expect(await mime(optedOut)).not.toContain('Content-Type: text/plain');
  });
});

describe('attachment intake', () => {
  const expires = new Date('2030-02-01T00:00:00Z');
  const pdf = Buffer.from('%PDF-1.4 hello');

  it('decodes base64 content, stores the bytes and keeps only references', async () => {
    const store = new MemoryAttachmentStore();
    const refs = await createAttachmentIntake({ store, fetch: noNetwork }).store(
      'e1',
      'acme',
      [
        { filename: 'invoice.pdf', content: pdf.toString('base64') },
        { filename: 'logo.png', content: 'AQID', content_id: 'logo' },
      ],
      expires,
    );
    expect(refs).toEqual([
      { filename: 'invoice.pdf', contentType: 'application/pdf', key: 'acme/e1/0-invoice.pdf', size: pdf.length },
      { filename: 'logo.png', contentType: 'image/png', contentId: 'logo', key: 'acme/e1/1-logo.png', size: 3 },
    ]);
    expect(store.objects.get('acme/e1/0-invoice.pdf')?.body.equals(pdf)).toBe(true);
  });

  it.each(['setup.exe', 'SETUP.EXE', 'invoice.pdf.exe', 'run.bat', 'x.js', 'x.vbs', 'x.scr', 'x.msi', 'x.jar.cmd', 'trailing.exe.'])(
    'refuses the blocked file %s with invalid_attachment',
    (name) => {
      expect(() => assertAllowedFilename(name)).toThrow(ValidationError);
      try {
        assertAllowedFilename(name);
      } catch (error) {
        expect((error as ValidationError).code).toBe('invalid_attachment');
        expect((error as Error).message).toContain(name);
      }
    },
  );

  it('allows ordinary documents and images', () => {
    for (const name of ['a.pdf', 'b.png', 'report.xlsx', 'exe', 'notes.txt']) expect(() => assertAllowedFilename(name)).not.toThrow();
  });

  it('stores nothing when one attachment of several is refused', async () => {
    const store = new MemoryAttachmentStore();
    await expect(
      createAttachmentIntake({ store, fetch: noNetwork }).store(
        'e1',
        'acme',
        [
          { filename: 'a.pdf', content: 'AQID' },
          { filename: 'b.exe', content: 'AQID' },
        ],
        expires,
      ),
    ).rejects.toThrow(/b\.exe/);
    expect(store.objects.size).toBe(0);
  });

  it('refuses content that is not base64, and an attachment with both or neither of content and path', async () => {
    const intake = createAttachmentIntake({ store: new MemoryAttachmentStore(), fetch: noNetwork });
    await expect(intake.store('e1', 'acme', [{ filename: 'a.pdf', content: 'not base64!' }], expires)).rejects.toThrow(/not valid base64/);
    await expect(intake.store('e1', 'acme', [{ filename: 'a.pdf' }], expires)).rejects.toThrow(/exactly one/);
    await expect(intake.store('e1', 'acme', [{ filename: 'a.pdf', content: 'AQID', path: 'https://x.test/a.pdf' }], expires)).rejects.toThrow(/exactly one/);
  });

  it('refuses a message over the size limit after base64 encoding', async () => {
    const intake = createAttachmentIntake({ store: new MemoryAttachmentStore(), maxMessageBytes: 1024 * 1024 + 4000, fetch: noNetwork });
    const big = Buffer.alloc(3000).toString('base64');
    await expect(intake.store('e1', 'acme', [{ filename: 'a.bin', content: big }], expires)).rejects.toThrow(/40 MB/);
  });

  it('fetches an https path, takes its name and content type, and refuses plain http', async () => {
    const calls: string[] = [];
    const fetcher: Fetcher = async (url) => {
      calls.push(url);
      return new Response(pdf, { headers: { 'content-type': 'application/pdf; charset=binary' } });
    };
    const store = new MemoryAttachmentStore();
    const intake = createAttachmentIntake({ store, fetch: fetcher });
    const [ref] = await intake.store('e1', 'acme', [{ path: 'https://files.test/docs/Q1%20report.pdf' }], expires);
    expect(ref).toMatchObject({ filename: 'Q1 report.pdf', contentType: 'application/pdf', size: pdf.length, key: 'acme/e1/0-Q1_report.pdf' });
    expect(calls).toEqual(['https://files.test/docs/Q1%20report.pdf']);
    await expect(intake.store('e1', 'acme', [{ path: 'http://files.test/a.pdf' }], expires)).rejects.toThrow(/https/);
  });

  it('refuses a path that answers an error, times out or is too large', async () => {
    const store = new MemoryAttachmentStore();
    const notFound = createAttachmentIntake({ store, fetch: async () => new Response('no', { status: 404 }) });
    await expect(notFound.store('e1', 'acme', [{ path: 'https://f.test/a.pdf' }], expires)).rejects.toThrow(/HTTP 404/);
    const slow = createAttachmentIntake({
      store,
      timeoutMs: 20,
      fetch: (_url, init) => new Promise((_, reject) => init.signal.addEventListener('abort', () => reject(init.signal.reason))),
    });
    await expect(slow.store('e1', 'acme', [{ path: 'https://f.test/a.pdf' }], expires)).rejects.toThrow(/timed out/);
    const huge = createAttachmentIntake({ store, maxMessageBytes: 1024 * 1024 + 1000, fetch: async () => new Response(Buffer.alloc(5000)) });
    await expect(huge.store('e1', 'acme', [{ path: 'https://f.test/a.pdf' }], expires)).rejects.toThrow(/40 MB/);
  });

  it('makes key-safe S3 keys', () => {
    expect(attachmentKey('acme', 'e1', 2, '../../etc/passwd ü.pdf')).toBe('acme/e1/2-.._.._etc_passwd_.pdf');
  });
});

import { describe, expect, it } from 'vitest';
import { api, sesInbox, useLocalStack, waitFor, waitForStatus } from '#test/support/local-stack';

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';
const PDF = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');

/** The SES emulator's capture of the email with this subject. */
async function captured(s: Parameters<typeof sesInbox>[0], subject: string): Promise<any> {
  return waitFor(async () => (await sesInbox(s)).find((m) => m.subject === subject), { what: `"${subject}" in the SES inbox` });
}

describe('templates and attachments on the emulators', () => {
  const stack = useLocalStack();

  it('sends a repository template with inlined styles and a text part', async () => {
    const s = stack();
    const res = await api(s, 'POST', '/emails', {
      from: s.from,
      to: 'ada@example.org',
      template: { id: 'welcome', variables: { name: 'Ada Byron', plan: 'Team' } },
    });
    expect(res.status).toBe(200);
    const email = await waitForStatus(s, res.body.id, ['sent', 'failed']);
    expect(email.status).toBe('sent');
    expect(email.template).toMatchObject({ id: 'welcome' });
    const mail = await captured(s, 'Welcome to Mailroom, Ada Byron!');
    expect(mail.body.html).toContain('style="');
    expect(mail.body.html).toContain('https://app.example.com/login');
    expect(mail.body.html).not.toContain('{{');
    expect(mail.body.text).toContain('Ada Byron');
    expect(mail.body.text).not.toContain('<');
  });

  it('refuses a missing template variable at accept time with a 422 naming it', async () => {
    const s = stack();
    const res = await api(s, 'POST', '/emails', { from: s.from, to: 'ada@example.org', template: { id: 'welcome', variables: { plan: 'Team' } } });
    expect(res.status).toBe(422);
    expect(res.body.message).toContain('"name" is required');
    const unknown = await api(s, 'POST', '/emails', { from: s.from, to: 'ada@example.org', template: { id: 'no-such-template' } });
    expect(unknown.status).toBe(422);
    expect(unknown.body.name).toBe('validation_error');
  });

  it('sends a tenant template at the version it was accepted with, even after an edit and a new publish', async () => {
    const s = stack();
    const created = await api(s, 'POST', '/templates', {
      id: 'invoice-ready',
      subject: 'Invoice {{number}} (v1)',
      html: '<style>.n { font-weight: bold; }</style><p>Invoice <span class="n">{{number}}</span> is ready.</p>',
      schema: { type: 'object', required: ['number'], properties: { number: { type: 'string' } } },
      sample: { number: 'S-1' },
    });
    expect(created.status).toBe(201);
    expect((await api(s, 'POST', '/templates/invoice-ready/publish')).body.version).toBe(1);

    s.poller!.pause();
    let id: string;
    try {
      const res = await api(s, 'POST', '/emails', { from: s.from, to: 'ada@example.org', template: { id: 'invoice-ready', variables: { number: 'INV-7' } } });
      expect(res.status).toBe(200);
      id = res.body.id;
      const patched = await api(s, 'PATCH', '/templates/invoice-ready', { subject: 'Invoice {{number}} (v2)' });
      expect(patched.status).toBe(200);
      expect((await api(s, 'POST', '/templates/invoice-ready/publish')).body.version).toBe(2);
    } finally {
      s.poller!.resume();
    }
    const email = await waitForStatus(s, id, ['sent', 'failed']);
    expect(email.status).toBe('sent');
    expect(email.template).toEqual({ id: 'invoice-ready', version: 1 });
    const mail = await captured(s, 'Invoice INV-7 (v1)');
    expect(mail.body.html).toMatch(/<span class="n" style="font-weight: bold;?">INV-7<\/span>/);
    expect(mail.body.text).toContain('Invoice INV-7 is ready.');

    // A new send uses the new version.
    const next = await api(s, 'POST', '/emails', { from: s.from, to: 'ada@example.org', template: { id: 'invoice-ready', variables: { number: 'INV-8' } } });
    expect((await waitForStatus(s, next.body.id, ['sent', 'failed'])).template).toEqual({ id: 'invoice-ready', version: 2 });
    await captured(s, 'Invoice INV-8 (v2)');
  });

  it("previews a template over the API, and another tenant's template is a 404", async () => {
    const s = stack();
    const preview = await api(s, 'POST', '/templates/invoice-ready/render', { variables: { number: 'P-1' } });
    expect(preview.status).toBe(200);
    expect(preview.body).toMatchObject({ subject: 'Invoice P-1 (v2)' });
    expect(preview.body.html).toContain('style="');
    expect(preview.body.text).toContain('Invoice P-1 is ready.');
    const repo = await api(s, 'POST', '/templates/order-confirmation/render');
    expect(repo.status).toBe(200);
    expect(Object.keys(repo.body)).toEqual(expect.arrayContaining(['subject', 'html', 'text']));

    const other = await s.createTenant('other-tenant');
    const theirs = await api({ apiUrl: s.apiUrl, apiKey: other.apiKey }, 'GET', '/templates/invoice-ready');
    expect(theirs.status).toBe(404);
  });

  it('sends an inline image and a PDF that arrive with the right MIME structure', async () => {
    const s = stack();
    const res = await api(s, 'POST', '/emails', {
      from: s.from,
      to: 'ada@example.org',
      subject: 'With attachments',
      html: '<p>Logo: <img src="cid:logo-1" alt="logo"></p>',
      attachments: [
        { filename: 'logo.png', content: PNG, content_type: 'image/png', content_id: 'logo-1' },
        { filename: 'invoice.pdf', content: PDF.toString('base64') },
      ],
    });
    expect(res.status).toBe(200);
    const email = await waitForStatus(s, res.body.id, ['sent', 'failed']);
    expect(email.status).toBe('sent');
    expect(email.attachments).toEqual([
      { id: expect.any(String), filename: 'logo.png', content_type: 'image/png', size: Buffer.from(PNG, 'base64').length },
      { id: expect.any(String), filename: 'invoice.pdf', content_type: 'application/pdf', size: PDF.length },
    ]);

    const mail = await captured(s, 'With attachments');
    expect(mail.attachments).toHaveLength(2);
    const logo = mail.attachments.find((a: any) => a.filename === 'logo.png');
    const pdf = mail.attachments.find((a: any) => a.filename === 'invoice.pdf');
    expect(logo).toMatchObject({ contentType: 'image/png', cid: 'logo-1', contentDisposition: 'inline', related: true });
    expect(Buffer.from(logo.content, 'base64').equals(Buffer.from(PNG, 'base64'))).toBe(true);
    expect(pdf).toMatchObject({ contentType: 'application/pdf', contentDisposition: 'attachment' });
    expect(pdf.related).toBeFalsy();
    expect(Buffer.from(pdf.content, 'base64').equals(PDF)).toBe(true);
    // mailparser swaps a `cid:` reference for the matching related part's data URI: the HTML found its image.
    expect(mail.body.html).toContain(`<img src="data:image/png;base64,${PNG}"`);
  });

  it('refuses a blocked .exe attachment with 422 invalid_attachment', async () => {
    const s = stack();
    const res = await api(s, 'POST', '/emails', {
      from: s.from,
      to: 'ada@example.org',
      subject: 'Blocked',
      text: 'hi',
      attachments: [{ filename: 'setup.exe', content: 'TVqQAAMAAAAEAAAA' }],
    });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ statusCode: 422, name: 'invalid_attachment' });
    expect(res.body.message).toContain('setup.exe');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoEmailStore } from '#shared/adapters/dynamodb-email-store';
import { localEventLog } from '#shared/adapters/local-event-log';
import type { LocalStack, LocalStackOptions } from '#infra/local/stack';
import { createTrackingHandler } from '#functions/tracking/app';
import { createIntakeHandler } from '#functions/intake/app';
import { buildSesEvent, type SimulatedKind } from '../../cli/ses-simulator';
import { api, useLocalStack, waitForStatus } from '#test/support/local-stack';
import { startRecordingProxy, type RecordingProxy } from '#test/support/recording-ses-proxy';

describe('tracking, suppression and one-click unsubscribe on the emulators', () => {
  let proxy: RecordingProxy;
  const options: { -readonly [K in keyof LocalStackOptions]: LocalStackOptions[K] } = { smtpFallback: false };
  beforeAll(async () => {
    proxy = await startRecordingProxy();
    options.sesEndpoint = proxy.url;
  });
  const stack = useLocalStack(options);
  // biome-ignore lint/suspicious/noDuplicateTestHooks: hooks run in order — the proxy starts before useLocalStack's hook, and learns the SES endpoint after it.
  beforeAll(() => {
    proxy.target = stack().emulators.sesEndpoint;
  });
  afterAll(async () => {
    await proxy?.stop();
  });

  const sesCalls = () => proxy.sendEmailRequests().length;
  const send = async (s: LocalStack, to: string, subject: string, lane?: string) => {
    const res = await api(s, 'POST', '/emails', { from: s.from, to, subject, html: `<p>${subject}</p>` }, lane ? { 'mailroom-lane': lane } : {});
    expect(res.status).toBe(200);
    return res.body.id as string;
  };
  /** What `mailroom events simulate` does: the SES event for the stored email, through the tracking function. */
  const simulate = async (s: LocalStack, id: string, kind: SimulatedKind) => {
    const email = (await new DynamoEmailStore(s.doc, s.names.table).get(id))!;
    return createTrackingHandler(s.env)(buildSesEvent(email, kind), {} as never);
  };

  it('a permanent bounce shows on GET /emails/{id}, suppresses the address, and the next send is suppressed without an SES call', async () => {
    const s = stack();
    const id = await send(s, 'gone@example.org', 'Bounce me');
    await waitForStatus(s, id, ['sent']);
    expect(await simulate(s, id, 'bounce')).toMatchObject({ kind: 'recorded', status: 'bounced', suppressed: ['gone@example.org'] });

    const email = (await api(s, 'GET', `/emails/${id}`)).body;
    expect(email.status).toBe('bounced');
    expect(email.last_event).toBe('bounced');
    expect(email.events).toEqual(
      expect.arrayContaining([expect.objectContaining({ type: 'bounced', detail: expect.objectContaining({ bounce_type: 'permanent' }) })]),
    );
    // Local mode's bus is the event log (in process, and .mailroom/events.log under npm start);
    // the email's history holds what AWS puts there, nothing more.
    expect(localEventLog.forEmail(id).map((e) => e.detailType)).toContain('Email Bounced');
    expect(email.events.map((e: { type: string }) => e.type)).not.toContain('event_published');

    const list = (await api(s, 'GET', '/suppressions')).body;
    expect(list.data).toEqual(
      expect.arrayContaining([expect.objectContaining({ email: 'gone@example.org', reason: 'bounce', scope: 'all', source_email_id: id })]),
    );

    const before = sesCalls();
    const next = await send(s, 'Gone <GONE@example.org>', 'After the bounce');
    const suppressed = await waitForStatus(s, next, ['suppressed', 'sent']);
    expect(suppressed.status).toBe('suppressed');
    expect(suppressed.suppressed_recipients).toEqual([expect.stringContaining('GONE@example.org')]);
    expect(sesCalls()).toBe(before);
  });

  it('a duplicate or late SES event never moves the status back', async () => {
    const s = stack();
    const id = await send(s, 'reader@example.org', 'Read me');
    await waitForStatus(s, id, ['sent']);
    await simulate(s, id, 'click');
    await simulate(s, id, 'delivered');
    await simulate(s, id, 'open');
    const email = (await api(s, 'GET', `/emails/${id}`)).body;
    expect(email.status).toBe('clicked');
    expect(email.events.map((e: { type: string }) => e.type)).toEqual(expect.arrayContaining(['clicked', 'delivered', 'opened']));
  });

  it('marketing mail carries one-click unsubscribe headers; the link suppresses marketing mail only', async () => {
    const s = stack();
    const id = await send(s, 'fan@example.org', 'Monthly news', 'marketing');
    await waitForStatus(s, id, ['sent']);
    const request = proxy.sendEmailRequests().find((r) => Buffer.from(r.Content.Raw.Data, 'base64').toString('utf8').includes(id))!;
    // The header block as SES received it, with folded lines unfolded (RFC 5322).
    const head = Buffer.from(request.Content.Raw.Data, 'base64')
      .toString('utf8')
      .split(/\r?\n\r?\n/)[0]!
      .replace(/\r?\n[ \t]+/g, ' ');
    const headerValue = (name: string) =>
      head
        .split(/\r?\n/)
        .find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`))
        ?.slice(name.length + 1)
        .trim();
    const listUnsubscribe = headerValue('List-Unsubscribe') ?? '';
    expect(headerValue('List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
    expect(listUnsubscribe).toContain('<mailto:unsubscribe@example.com?subject=unsubscribe>');
    const url = /<(https?:\/\/[^>]+\/unsubscribe\/[^>]+)>/.exec(listUnsubscribe)![1]!;
    expect(url.startsWith(`${s.apiUrl}/unsubscribe/`)).toBe(true);

    // A transactional email never carries them.
    const tx = await send(s, 'fan@example.org', 'Receipt before');
    await waitForStatus(s, tx, ['sent']);
    const txRaw = proxy
      .sendEmailRequests()
      .map((r) => Buffer.from(r.Content.Raw.Data, 'base64').toString('utf8'))
      .find((raw) => raw.includes(tx))!;
    expect(txRaw).not.toMatch(/List-Unsubscribe/i);

    // The mail client's one-click POST: no API key.
    const token = url.slice(url.lastIndexOf('/') + 1);
    const tampered = await api(
      s,
      'POST',
      `/unsubscribe/${token.slice(0, -3)}AAA`,
      'List-Unsubscribe=One-Click',
      { 'content-type': 'application/x-www-form-urlencoded' },
      null,
    );
    expect(tampered.status).toBe(403);
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    expect(res.status).toBe(200);

    const marketing = await send(s, 'fan@example.org', 'More news', 'marketing');
    expect((await waitForStatus(s, marketing, ['suppressed', 'sent'])).status).toBe('suppressed');
    const receipt = await send(s, 'fan@example.org', 'Your receipt');
    expect((await waitForStatus(s, receipt, ['suppressed', 'sent'])).status).toBe('sent');
  });

  it('an "Email Requested" event is accepted and sent once even when delivered twice', async () => {
    const s = stack();
    const intake = createIntakeHandler(s.env);
    const event = {
      version: '0',
      id: 'evt-integration-1',
      'detail-type': 'Email Requested',
      source: 'billing',
      detail: { tenant: s.tenantId, from: s.from, to: 'billing@example.org', subject: 'Invoice via EventBridge', text: 'Hi' },
    };
    const first = (await intake(event, {} as never)) as { status: string; id: string };
    const second = (await intake(event, {} as never)) as { status: string; id: string };
    expect(first.status).toBe('accepted');
    expect(second).toEqual(first);
    await waitForStatus(s, first.id, ['sent']);
    const sends = proxy.sendEmailRequests().filter((r) => Buffer.from(r.Content.Raw.Data, 'base64').toString('utf8').includes(first.id));
    expect(sends).toHaveLength(1);
  });
});

import { describe, expect, it } from 'vitest';
import { api, sesInbox, useLocalStack, waitForStatus } from '#test/support/local-stack';

describe('send path on the emulators', () => {
  const stack = useLocalStack();

  it('accepts an email, sends it through SES and shows it as sent', async () => {
    const s = stack();
    const res = await api(s, 'POST', '/emails', { from: s.from, to: 'ada@example.org', subject: 'Hello Ada', html: '<p>Hi</p>' });
    expect(res.status).toBe(200);
    const email = await waitForStatus(s, res.body.id, ['sent']);
    expect(email.provider).toBe('ses');
    const inbox = await sesInbox(s);
    expect(inbox.some((m) => m.subject === 'Hello Ada' && m.destination.to.includes('ada@example.org'))).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { MemoryActivityLog } from '#shared/adapters/memory/memory-activity-log';
import { activityRange } from '#shared/adapters/dynamodb-activity-log';
import { activityPosition } from '#shared/domain/activity';
import type { Principal } from '#shared/domain/api-key';
import type { EmailRecord } from '#shared/domain/email';
import { ForbiddenError, MalformedRequestError, ValidationError } from '#shared/domain/errors';
import { activityId, listActivity, recordEmailActivity, recordWebhookDisabled } from '#shared/use-cases/activity';
import type { Webhook } from '#shared/domain/webhook';
import type { BusEvent } from '#shared/use-cases/webhook-delivery';

const NOW = new Date('2026-05-01T10:00:00Z');
const clock = { now: () => NOW };
const reader: Principal = { tenantId: 'acme', scopes: ['emails:read'], keyPrefix: 'mr_t' };

const email = {
  id: 'em_1',
  tenantId: 'acme',
  to: ['ada@example.org', 'b@example.org', 'c@example.org', 'd@example.org'],
  subject: 'Your receipt',
  // The tenant keeps mail 7 days: the activity item must not outlive the email.
  expiresAt: Math.floor(NOW.getTime() / 1000) + 7 * 86_400,
} as unknown as EmailRecord;

function setup() {
  const activity = new MemoryActivityLog();
  const deps = { activity, clock, emails: { get: async (id: string) => (id === email.id ? email : undefined) } };
  return { activity, deps };
}

const event = (id: string, detailType: string, at: string, extra: Record<string, unknown> = {}): BusEvent => ({
  id,
  'detail-type': detailType,
  detail: { id: 'em_1', tenant: 'acme', lane: 'transactional', at, ...extra },
});

describe('activity log: writing from the outbound event stream', () => {
  it('records a bounce and a later complaint of the same email as two items, newest first, with the email’s summary', async () => {
    const { activity, deps } = setup();
    expect(
      await recordEmailActivity(
        deps,
        event('bus-1', 'Email Bounced', '2026-05-01T09:00:00.000Z', {
          bounce_type: 'permanent',
          diagnostic: 'smtp; 550 no such user',
          provider_message_id: 'x',
        }),
      ),
    ).toBe(true);
    expect(await recordEmailActivity(deps, event('bus-2', 'Email Complained', '2026-05-01T09:30:00.000Z', { feedback_type: 'abuse' }))).toBe(true);
    const page = await listActivity(deps, reader, {});
    expect(page.data.map((a) => [a.type, a.email_id])).toEqual([
      ['email.complained', 'em_1'],
      ['email.bounced', 'em_1'],
    ]);
    expect(page.data[1]).toMatchObject({
      created_at: '2026-05-01T09:00:00.000Z',
      to: ['ada@example.org', 'b@example.org', 'c@example.org'],
      subject: 'Your receipt',
      detail: { bounce_type: 'permanent', diagnostic: 'smtp; 550 no such user' },
    });
    // Only the keys an operator reads are kept.
    expect(page.data[1]!.detail).not.toHaveProperty('provider_message_id');
    const [item] = [...activity.items.values()];
    expect(item!.expiresAt).toBe(email.expiresAt);
  });

  it('writes a redelivered event once, and nothing for sent, delivered, opened or another tenant’s email', async () => {
    const { activity, deps } = setup();
    const bounce = event('bus-1', 'Email Bounced', '2026-05-01T09:00:00.000Z');
    expect(await recordEmailActivity(deps, bounce)).toBe(true);
    expect(await recordEmailActivity(deps, bounce)).toBe(false);
    for (const type of ['Email Sent', 'Email Delivered', 'Email Opened', 'Email Clicked', 'Email Accepted']) {
      expect(await recordEmailActivity(deps, event(`bus-${type}`, type, '2026-05-01T09:10:00.000Z'))).toBe(false);
    }
    expect(await recordEmailActivity(deps, { ...bounce, id: 'bus-9', detail: { ...bounce.detail, tenant: 'evil' } })).toBe(false);
    expect(await recordEmailActivity(deps, { ...bounce, id: 'bus-10', detail: { ...bounce.detail, id: 'em_missing' } })).toBe(false);
    expect(activity.items.size).toBe(1);
  });
});

describe('activity log: webhook trouble', () => {
  it('writes one disable for deliveries that failed together (same webhook read), another after a re-enable', async () => {
    const { activity } = setup();
    const hook = { id: 'wh_1', tenantId: 'acme', endpoint: 'https://hooks.example.com/in', updatedAt: '2026-05-01T09:00:00.000Z' } as Webhook;
    expect(await recordWebhookDisabled({ activity, clock }, hook, 'Disabled after 50 failed attempts in a row.')).toBe(true);
    expect(await recordWebhookDisabled({ activity, clock }, hook, 'Disabled after 51 failed attempts in a row.')).toBe(false);
    expect(await recordWebhookDisabled({ activity, clock }, { ...hook, updatedAt: '2026-05-01T09:30:00.000Z' }, 'Disabled again.')).toBe(true);
    const items = (await listActivity({ activity }, reader, { type: 'webhook.disabled' })).data;
    expect(items).toHaveLength(2);
    expect(items[0]).toMatchObject({ webhook_id: 'wh_1', email_id: null, detail: { endpoint: 'https://hooks.example.com/in' } });
  });
});

describe('GET /activity', () => {
  async function seeded() {
    const { deps } = setup();
    const types = ['Email Bounced', 'Email Failed', 'Email Bounced', 'Email Delivery Delayed', 'Email Suppressed'];
    for (const [i, t] of types.entries()) await recordEmailActivity(deps, event(`bus-${i}`, t, `2026-05-01T0${i}:00:00.000Z`));
    return deps;
  }

  it('pages newest first with after/before ids, as the other lists do', async () => {
    const deps = await seeded();
    const first = await listActivity(deps, reader, { limit: '2' });
    expect(first.has_more).toBe(true);
    expect(first.data.map((a) => a.created_at.slice(11, 13))).toEqual(['04', '03']);
    const second = await listActivity(deps, reader, { limit: '2', after: first.data[1]!.id });
    expect(second.data.map((a) => a.created_at.slice(11, 13))).toEqual(['02', '01']);
    const last = await listActivity(deps, reader, { limit: '2', after: second.data[1]!.id });
    expect(last).toMatchObject({ has_more: false, data: [{ type: 'email.bounced' }] });
    const back = await listActivity(deps, reader, { limit: '2', before: second.data[0]!.id });
    expect(back.data.map((a) => a.created_at.slice(11, 13))).toEqual(['04', '03']);
    expect(back.has_more).toBe(false);
  });

  it('filters by type and by a time window (since inclusive, until exclusive)', async () => {
    const deps = await seeded();
    expect((await listActivity(deps, reader, { type: 'email.bounced' })).data.map((a) => a.created_at.slice(11, 13))).toEqual(['02', '00']);
    const window = await listActivity(deps, reader, { since: '2026-05-01T01:00:00Z', until: '2026-05-01T03:00:00Z' });
    expect(window.data.map((a) => a.type)).toEqual(['email.bounced', 'email.failed']);
    const both = await listActivity(deps, reader, { type: 'email.bounced', since: '2026-05-01T01:00:00Z', limit: '1' });
    expect(both).toMatchObject({ has_more: false, data: [{ created_at: '2026-05-01T02:00:00.000Z' }] });
  });

  it('answers bad input with 4xx and a reason, and refuses a key without emails:read', async () => {
    const deps = await seeded();
    await expect(listActivity(deps, reader, { type: 'bounced' })).rejects.toThrow(/`type` must be one of email.bounced/);
    await expect(listActivity(deps, reader, { limit: '0' })).rejects.toBeInstanceOf(ValidationError);
    await expect(listActivity(deps, reader, { since: 'yesterday' })).rejects.toBeInstanceOf(ValidationError);
    await expect(listActivity(deps, reader, { since: '2026-05-02T00:00:00Z', until: '2026-05-01T00:00:00Z' })).rejects.toBeInstanceOf(ValidationError);
    await expect(listActivity(deps, reader, { after: 'em_1' })).rejects.toBeInstanceOf(MalformedRequestError);
    await expect(listActivity(deps, reader, { after: 'act_1', before: 'act_2' })).rejects.toBeInstanceOf(ValidationError);
    await expect(listActivity(deps, { ...reader, scopes: ['emails:send'] }, {})).rejects.toBeInstanceOf(ForbiddenError);
  });

  it('is per tenant: another tenant’s reader sees nothing, even with a valid id from this one', async () => {
    const deps = await seeded();
    const id = (await listActivity(deps, reader, {})).data[0]!.id;
    expect((await listActivity(deps, { ...reader, tenantId: 'other' }, { after: id })).data).toEqual([]);
    expect((await listActivity(deps, { ...reader, tenantId: 'other' }, {})).data).toEqual([]);
  });
});

describe('activity ids and ranges', () => {
  it('carry their time, so a page position needs no lookup; the same source gives the same id', () => {
    const id = activityId('bus-1', 'email.bounced', '2026-05-01T09:00:00.123Z');
    expect(id).toBe(activityId('bus-1', 'email.bounced', '2026-05-01T09:00:00.123Z'));
    expect(id).not.toBe(activityId('bus-1', 'email.complained', '2026-05-01T09:00:00.123Z'));
    expect(activityPosition(id)).toEqual({ at: '2026-05-01T09:00:00.123Z', id });
    expect(activityPosition('act_99999999999999999_AAAAAAAAAAAAAAAA')).toBeUndefined();
    expect(activityPosition('act_1')).toBeUndefined();
  });

  it('reads nothing when the cursor lies outside the window (DynamoDB refuses BETWEEN with lo > hi)', () => {
    const after = activityPosition(activityId('x', 'email.failed', '2026-05-01T00:00:00.000Z'))!;
    expect(activityRange({ since: '2026-05-02T00:00:00.000Z', after })).toBeUndefined();
    expect(activityRange({ until: '2026-05-02T00:00:00.000Z', after })?.hi).toContain('2026-05-01T00:00:00.000Z#act_');
  });
});

import { describe, expect, it } from 'vitest';
import { ENV } from '#shared/config/env';
import { synthTemplate } from './fixture';

process.env.CDK_VALIDATION = 'false';

type Fn = { Properties: { Environment?: { Variables?: Record<string, unknown> } } };

/** ENV.MUTED_EVENTS of every function that has the Mailroom bus (ingest, intake, senders, tracking, …). */
function mutedByPublisher(context: Record<string, unknown> = {}): Map<string, unknown> {
  const { template } = synthTemplate(context);
  const out = new Map<string, unknown>();
  for (const [id, fn] of Object.entries(template.findResources('AWS::Lambda::Function')) as Array<[string, Fn]>) {
    const vars = fn.Properties.Environment?.Variables ?? {};
    if (ENV.EVENT_BUS_NAME in vars) out.set(id, vars[ENV.MUTED_EVENTS]);
    else expect(vars, id).not.toHaveProperty(ENV.MUTED_EVENTS);
  }
  return out;
}

describe('outbound events switch (-c mutedEvents)', () => {
  it('mutes "Email Accepted" on every publishing function by default', () => {
    const muted = mutedByPublisher();
    // Ingest, intake, the four senders and tracking at least.
    expect(muted.size).toBeGreaterThanOrEqual(7);
    for (const [id, value] of muted) expect(value, id).toBe('Email Accepted');
  });

  it('publishes everything with -c mutedEvents=none, and refuses to mute a webhook event type', () => {
    for (const [id, value] of mutedByPublisher({ mutedEvents: 'none' })) expect(value, id).toBe('');
    for (const [id, value] of mutedByPublisher({ mutedEvents: '["Email Accepted"]' })) expect(value, id).toBe('Email Accepted');
    expect(() => synthTemplate({ mutedEvents: 'Email Sent' })).toThrow(/mutedEvents.*email\.sent.*always published/);
    expect(() => synthTemplate({ mutedEvents: 'Email Teleported' })).toThrow(/not an outbound detail-type/);
  });
});

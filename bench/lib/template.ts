/**
 * The template the cost model prices: the stack as a production deploy synthesizes it (an alarm
 * e-mail, sending identities and the SES quota set, every other setting at its default), bundling
 * skipped. Shared by the bench (bench/sections/template.ts) and test/infra/cost-coverage.test.ts.
 */
import { synthTemplate } from '#test/infra/fixture';
import type { Template } from '../model';

export const PRODUCTION_CONTEXT = {
  profile: 'production',
  alarmEmail: 'ops@example.com',
  sendingIdentities: 'example.com',
  sesDailyQuota: 1_000_000,
} as const;

export function synthProductionTemplate(context: Record<string, unknown> = {}): Template {
  return synthTemplate({ ...PRODUCTION_CONTEXT, ...context }).template.toJSON() as Template;
}

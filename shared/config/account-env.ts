import * as z from 'zod';
import { DEFAULT_DISABLE_AFTER, DEFAULT_RETRY_SCHEDULE } from '#shared/domain/webhook';
import { ENV } from './env';

/** Env schemas of the account resources (webhooks, domains). Names live in ENV, like every other. */

const flag = z
  .enum(['true', 'false'])
  .default('false')
  .transform((v) => v === 'true');

const retrySchedule = z
  .string()
  .regex(/^\d+(,\d+)*$/, 'comma-separated whole seconds')
  .transform((s) => s.split(',').map(Number))
  .refine((list) => list.every((n) => n <= 43_200), 'each delay at most 43200 s (SQS visibility limit)')
  .optional()
  .transform((v) => v ?? [...DEFAULT_RETRY_SCHEDULE]);

/** `/webhooks…` API function. */
export const webhooksEnvSchema = z.object({
  [ENV.TABLE_NAME]: z.string().min(1),
  [ENV.WEBHOOK_QUEUE_URL]: z.string().min(1),
  [ENV.WEBHOOK_DLQ_URL]: z.string().min(1),
  [ENV.WEBHOOK_ALLOW_LOOPBACK]: flag,
});

/** Webhook fan-out (outbound events → one delivery per subscribed webhook). */
export const webhookFanoutEnvSchema = webhooksEnvSchema;

/** Webhook delivery (signs, posts, retries). */
export const webhookDeliveryEnvSchema = webhooksEnvSchema.extend({
  [ENV.WEBHOOK_RETRY_SCHEDULE]: retrySchedule,
  [ENV.WEBHOOK_CONCURRENCY]: z.coerce.number().int().min(1).max(100).default(4),
  [ENV.WEBHOOK_DISABLE_AFTER]: z.coerce.number().int().min(1).default(DEFAULT_DISABLE_AFTER),
  [ENV.WEBHOOK_TIMEOUT_MS]: z.coerce.number().int().min(100).max(30_000).default(10_000),
});

/** `/domains…` API function. */
export const domainsEnvSchema = z.object({
  [ENV.TABLE_NAME]: z.string().min(1),
  [ENV.IDENTITIES]: z.enum(['ses', 'local']).default('ses'),
  /** Set by Lambda (and by local mode): the region identities are created in. */
  AWS_REGION: z.string().min(1).default('us-east-1'),
});

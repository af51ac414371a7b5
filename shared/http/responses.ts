/**
 * The API's response bodies as TypeScript types, derived from the functions that build them, so a
 * client in this repository (the console) reads the shapes the API writes instead of a copy of them.
 * Type-only: importing this module adds nothing to a bundle.
 */
import type { toEmailSummary, toEmailView } from '#shared/use-cases/get-email';
import type { LaneStatus as LaneStatusReport } from '#shared/use-cases/lane-status';
import type { DlqListing } from '#shared/use-cases/redrive-dlq';
import type { RedriveResult as PortRedriveResult } from '#shared/ports/dlq';
import type { toTemplateView } from '#shared/use-cases/templates';
import type { toSuppressionView } from '#shared/use-cases/suppressions';
import type { Lane } from '#shared/config/lanes';
import type { getWebhook, listWebhookEventAttempts, listWebhookEvents, listWebhooks } from '#shared/use-cases/webhooks';
import type { getDomain, listDomains } from '#shared/use-cases/domains';
import type { listApiKeyResources } from '#shared/use-cases/api-keys-resource';
import type { toActivityView } from '#shared/use-cases/activity';

/** `GET /emails/{id}`. */
export type EmailView = ReturnType<typeof toEmailView>;
/** One entry of `GET /emails`. */
export type EmailSummary = ReturnType<typeof toEmailSummary>;
/** One entry of an email's `events`. */
export type EmailEvent = EmailView['events'][number];
/** One entry of `GET /lanes`. */
export type LaneStatus = LaneStatusReport;
/** One message of `GET /lanes/{lane}/dlq`. */
export type DlqMessage = DlqListing['messages'][number];
/** `POST /lanes/{lane}/dlq/redrive`. */
export type RedriveResult = PortRedriveResult & { lane: Lane };
/** `GET /templates/{id}` and the entries of `GET /templates`. */
export type TemplateView = ReturnType<typeof toTemplateView>;
/** An entry of `GET /suppressions`. */
export type SuppressionView = ReturnType<typeof toSuppressionView>;
/** An entry of `GET /webhooks`. */
export type WebhookSummary = Awaited<ReturnType<typeof listWebhooks>>['data'][number];
/** `GET /webhooks/{id}`. */
export type WebhookView = Awaited<ReturnType<typeof getWebhook>>;
/** An entry of `GET /webhooks/{id}/events` (the delivery log). */
export type WebhookEventSummary = Awaited<ReturnType<typeof listWebhookEvents>>['data'][number];
/** An entry of `GET /webhooks/{id}/events/{event_id}/attempts`. */
export type WebhookAttemptView = Awaited<ReturnType<typeof listWebhookEventAttempts>>['data'][number];
/** An entry of `GET /domains`. */
export type DomainSummary = Awaited<ReturnType<typeof listDomains>>['data'][number];
/** `GET /domains/{id}`, with its DNS records. */
export type DomainView = Awaited<ReturnType<typeof getDomain>>;
/** An entry of `GET /api-keys`. */
export type ApiKeySummary = Awaited<ReturnType<typeof listApiKeyResources>>['data'][number];
/** An entry of `GET /activity` (Mailroom's activity log). */
export type ActivityView = ReturnType<typeof toActivityView>;

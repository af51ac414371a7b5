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

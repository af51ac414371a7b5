// First: outside Lambda, the X-Ray SDK must load in manual context mode (see the module).
import '#shared/observability/xray-context-mode';
import { Tracer } from '@aws-lambda-powertools/tracer';

/** The one Tracer (X-Ray). Responses are not captured: they may hold addresses. */
export const tracer = new Tracer({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'mailroom', captureHTTPsRequests: false });

import { Tracer } from '@aws-lambda-powertools/tracer';

/** The one Tracer (X-Ray). Responses are not captured: they may hold addresses. */
export const tracer = new Tracer({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'mailroom', captureHTTPsRequests: false });

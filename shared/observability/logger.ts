import { Logger } from '@aws-lambda-powertools/logger';
import { ENV } from '#shared/config/env';
import { logRedactor, type RecipientLogging } from './redact';

const recipientLogging: RecipientLogging = ((m) => (m === 'hash' || m === 'full' ? m : 'mask'))(process.env[ENV.RECIPIENT_LOGGING]);
const jsonReplacerFn = logRedactor(recipientLogging);

/**
 * The one Logger of a function. Level and debug sampling come from POWERTOOLS_LOG_LEVEL /
 * POWERTOOLS_LOGGER_SAMPLE_RATE; addresses in any logged string are masked per MAILROOM_RECIPIENT_LOGGING.
 */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'mailroom', ...(jsonReplacerFn ? { jsonReplacerFn } : {}) });

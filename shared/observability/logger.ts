import { Logger } from '@aws-lambda-powertools/logger';

/** The one Logger of a function. Level and debug sampling come from POWERTOOLS_LOG_LEVEL / POWERTOOLS_LOGGER_SAMPLE_RATE. */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'mailroom' });

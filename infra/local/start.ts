/**
 * `npm start`: Mailroom locally. Ports come from MAILROOM_API_PORT (3000), MAILROOM_DYNAMODB_PORT,
 * MAILROOM_SQS_PORT, MAILROOM_SES_PORT, MAILROOM_SMTP_PORT, MAILROOM_SMTP_WEB_PORT (0 = any);
 * MAILROOM_AUTHORIZER_CACHE_SECONDS (AUTHORIZER_CACHE_SECONDS, 0 = none) and MAILROOM_LANE_WORKERS (4)
 * tune the API Gateway and event source mapping stand-ins.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AUTHORIZER_CACHE_SECONDS } from '../definitions';
import { startLocalStack, writeLocalInfo } from './stack';
import { localEventLog } from '#shared/adapters/local-event-log';

const port = (name: string, fallback: number) => {
  const value = process.env[name];
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65_535) {
    console.error(`${name}=${value} is not a port number (0-65535).`);
    process.exit(2);
  }
  return n;
};

const whole = (name: string, fallback: number, min: number, max: number) => {
  const value = process.env[name];
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    console.error(`${name}=${value} is not a whole number from ${min} to ${max}.`);
    process.exit(2);
  }
  return n;
};

// Every path is absolute before it reaches a child process: DynamoDB Local runs inside its package folder.
const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
const infoPath = resolve(projectRoot, '.mailroom/local.json');
const dataDir = resolve(projectRoot, process.env.MAILROOM_DATA_DIR || '.mailroom/data');
// Outbound "Email …" events (no EventBridge emulator): one JSON line each, next to the data.
const eventLogPath = resolve(dataDir, '..', 'events.log');
localEventLog.writeTo(eventLogPath);
const stack = await startLocalStack({
  apiPort: port('MAILROOM_API_PORT', 3000),
  ports: {
    dynamodb: port('MAILROOM_DYNAMODB_PORT', 8000),
    sqs: port('MAILROOM_SQS_PORT', 9324),
    ses: port('MAILROOM_SES_PORT', 8005),
    smtp: port('MAILROOM_SMTP_PORT', 1025),
    smtpWeb: port('MAILROOM_SMTP_WEB_PORT', 1080),
  },
  dataDir,
  logLevel: process.env.MAILROOM_LOG_LEVEL ?? 'WARN',
  authorizerCacheSeconds: whole('MAILROOM_AUTHORIZER_CACHE_SECONDS', AUTHORIZER_CACHE_SECONDS, 0, 3_600),
  workers: whole('MAILROOM_LANE_WORKERS', 4, 1, 50),
}).catch((error: unknown) => {
  console.error(`Mailroom could not start: ${(error as Error).message}`);
  process.exit(1);
});
writeLocalInfo(infoPath, stack);

console.log(`
Mailroom is running locally.

  API           ${stack.apiUrl}
  API key       ${stack.apiKey}
  Operator key  ${stack.operatorKey}   (lanes and every tenant's DLQ; keep it to yourself)
  Send from     ${stack.from}
  SES inbox     ${stack.sesInboxUrl}
  SMTP inbox    ${stack.smtpInboxUrl}   (fallback sink)
  Console       ${stack.apiUrl}/console/   (sign in with the API key)

  Data kept in  ${dataDir}${stack.reconciler?.sweep.reenqueued ? `   (${stack.reconciler.sweep.reenqueued} emails left pending by the last run were put back on their way)` : ''}
  Events        ${eventLogPath}   (what the Mailroom bus would carry)
  Written to ${infoPath}. Try:
  curl -X POST ${stack.apiUrl}/emails -H "Authorization: Bearer ${stack.apiKey}" -H "Content-Type: application/json" \\
    -d '{"from":"${stack.from.replace(/"/g, '')}","to":"you@example.org","subject":"Hello","html":"<p>It works</p>"}'

Press Ctrl-C to stop.
`);

let stopping = false;
const shutdown = async () => {
  if (stopping) return;
  stopping = true;
  console.log('\nStopping Mailroom…');
  await stack.stop();
  process.exit(0);
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);

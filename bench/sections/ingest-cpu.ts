/**
 * Ingest CPU per request, in-process and warm: the real ingest handler inside withApi (the same
 * middy chain as in Lambda) over in-memory ports. Batch requests are measured when the ingest
 * answers POST /emails/batch (issue 4).
 */
import { MemoryEmailStore } from '#shared/adapters/memory/memory-email-store';
import { MemoryLaneQueue, MemoryTenantStore } from '#shared/adapters/memory/memory-adapters';
import { MemoryRateLimiter } from '#shared/adapters/memory/memory-rate-limiter';
import { createMemoryIdempotency } from '#shared/adapters/powertools-idempotency';
import { withApi } from '#shared/http/middy';
import { systemClock } from '#shared/ports/index';
import * as ingestApp from '#functions/ingest/app';
import { lambdaContext } from '#infra/local/api-server';
import { apiEvent } from '#test/support/api-event';
import { captureStdout, emitResult, progress, sectionArgs } from '../lib/child';
import { benchPrincipal, benchTenant, plainEmail, memoryTemplateLookup } from '../lib/fixtures';

export interface IngestCpuArgs {
  readonly requests: number;
  readonly batchRequests: number;
  readonly warmup: number;
}

export interface IngestCase {
  readonly name: string;
  readonly requests: number;
  readonly emailsPerRequest: number;
  readonly requestsPerSecond: number;
  readonly cpuMsPerRequest: number;
  readonly cpuMsPerEmail: number;
  /** Bytes the handler wrote to stdout (logs + EMF) per request. */
  readonly stdoutBytesPerRequest: number;
}

export interface IngestCpuResult {
  readonly cases: IngestCase[];
  readonly batchAvailable: boolean;
  readonly batchNote?: string;
}

const args = sectionArgs<IngestCpuArgs>();

async function makeHandler() {
  const tenants = new MemoryTenantStore();
  await tenants.put(benchTenant());
  const deps = {
    emails: new MemoryEmailStore(),
    queue: new MemoryLaneQueue(),
    idempotency: createMemoryIdempotency(),
    clock: systemClock,
    tenants,
    rateLimiter: new MemoryRateLimiter(),
    templates: memoryTemplateLookup(),
    defaultRetentionDays: 30,
    maxBodyBytes: 1_000_000,
  };
  return withApi(ingestApp.makeIngestHandler(deps as ingestApp.IngestDeps));
}

type Handler = Awaited<ReturnType<typeof makeHandler>>;
const context = lambdaContext('ingest');
const out = captureStdout();

async function measure(
  name: string,
  handler: Handler,
  count: number,
  emailsPerRequest: number,
  event: (i: number) => ReturnType<typeof apiEvent>,
  check: (status: number, body: string) => boolean,
): Promise<IngestCase> {
  for (let i = 0; i < args.warmup; i++) {
    const r = await handler(event(-1 - i), context);
    if (!check(r.statusCode, r.body)) throw new Error(`${name}: warm-up answered ${r.statusCode} ${r.body.slice(0, 200)}`);
  }
  const bytes0 = out.bytes();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    const r = await handler(event(i), context);
    if (!check(r.statusCode, r.body)) throw new Error(`${name}: answered ${r.statusCode} ${r.body.slice(0, 200)}`);
  }
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  return {
    name,
    requests: count,
    emailsPerRequest,
    requestsPerSecond: count / (wall / 1000),
    cpuMsPerRequest: cpuMs / count,
    cpuMsPerEmail: cpuMs / count / emailsPerRequest,
    stdoutBytesPerRequest: (out.bytes() - bytes0) / count,
  };
}

const ok = (status: number) => status === 200;
const cases: IngestCase[] = [];
const principal = benchPrincipal();
progress(`ingest-cpu: ${args.requests} single requests, ${args.batchRequests} batch requests`);
cases.push(await measure('POST /emails', await makeHandler(), args.requests, 1, (i) => apiEvent('POST /emails', { body: plainEmail(i), principal }), ok));
cases.push(
  await measure(
    'POST /emails + Idempotency-Key',
    await makeHandler(),
    args.requests,
    1,
    (i) => apiEvent('POST /emails', { body: plainEmail(i), principal, headers: { 'idempotency-key': `key-${i}` } }),
    ok,
  ),
);

// Batch: Resend answers {data: [{id}, …]}; before issue 4 the ingest refuses an array body.
const batch = (i: number) => apiEvent('POST /emails/batch', { body: Array.from({ length: 100 }, (_, j) => plainEmail(i * 100 + j)), principal });
const probe = await (await makeHandler())(batch(0), context);
let batchAvailable = false;
let batchNote: string | undefined;
try {
  batchAvailable = probe.statusCode === 200 && Array.isArray((JSON.parse(probe.body) as { data?: unknown[] }).data);
} catch {
  batchAvailable = false;
}
if (batchAvailable) {
  cases.push(await measure('POST /emails/batch (100 emails)', await makeHandler(), args.batchRequests, 100, batch, ok));
} else {
  batchNote = `POST /emails/batch is not answered by the ingest handler yet (issue 4): status ${probe.statusCode} ${probe.body.slice(0, 120)}`;
}
out.restore();
emitResult({ cases, batchAvailable, ...(batchNote ? { batchNote } : {}) } satisfies IngestCpuResult);

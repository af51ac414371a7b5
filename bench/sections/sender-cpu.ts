/**
 * Sender CPU per email, in-process and warm: the real sendEmail use case over in-memory ports
 * (claim → content → MIME → provider → status write), one email after another on one thread.
 */
import { MemoryEmailStore } from '#shared/adapters/memory/memory-email-store';
import { MemoryRateLimiter } from '#shared/adapters/memory/memory-rate-limiter';
import { MemoryLaneQueue, MemoryMailProvider, MemoryTenantStore } from '#shared/adapters/memory/memory-adapters';
import { createMemoryIdempotency } from '#shared/adapters/powertools-idempotency';
import { LANES } from '#shared/config/lanes';
import { systemClock } from '#shared/ports/index';
import { prepareEmail } from '#shared/use-cases/accept-email';
import { prepareBatch, type SendEmailDeps } from '#shared/use-cases/send-email';
import { captureStdout, emitResult, progress, sectionArgs } from '../lib/child';
import { benchPrincipal, benchTenant, plainEmail, memoryContentBuilder, memoryTemplateLookup, templateEmail } from '../lib/fixtures';

export interface SenderCpuArgs {
  readonly kind: 'plain' | 'template';
  readonly emails: number;
  readonly warmup: number;
}

export interface SenderCpuResult {
  readonly kind: string;
  readonly emails: number;
  readonly emailsPerSecond: number;
  readonly cpuMsPerEmail: number;
  readonly wallMsPerEmail: number;
  readonly stdoutBytesPerEmail: number;
  readonly mimeBytes: number;
  readonly contentBuilder: string;
}

const args = sectionArgs<SenderCpuArgs>();
const tenants = new MemoryTenantStore();
await tenants.put(benchTenant());
const emails = new MemoryEmailStore();
const acceptDeps = {
  emails,
  queue: new MemoryLaneQueue(),
  idempotency: createMemoryIdempotency(),
  clock: systemClock,
  templates: memoryTemplateLookup(),
  defaultRetentionDays: 30,
  // prepareEmail takes the tenant as input; these two are only read by acceptEmail.
  tenants: new MemoryTenantStore(),
  rateLimiter: new MemoryRateLimiter(),
};

async function seed(count: number, offset: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const body = args.kind === 'plain' ? plainEmail(offset + i) : templateEmail(offset + i);
    const { record } = await prepareEmail(acceptDeps, { principal: benchPrincipal(), body, tenant: benchTenant() });
    await emails.create(record);
    ids.push(record.id);
  }
  return ids;
}

const provider = new MemoryMailProvider('ses');
const deps: SendEmailDeps = {
  emails,
  queue: new MemoryLaneQueue(),
  clock: systemClock,
  lane: LANES.transactional,
  provider,
  tenants,
  content: memoryContentBuilder(tenants),
  leaseSeconds: 60,
};

async function sendAll(ids: string[]): Promise<void> {
  for (const emailId of ids) {
    const send = await prepareBatch(deps, new Map([['m', { message: { emailId, tenantId: benchTenant().id, scheduleVersion: 0 }, receiveCount: 1 }]]));
    const outcome = await send('m');
    if (outcome.kind !== 'sent') throw new Error(`email ${emailId} was not sent: ${JSON.stringify(outcome)}`);
  }
}

const warm = await seed(args.warmup, 0);
const timed = await seed(args.emails, args.warmup);
progress(`sender-cpu ${args.kind}: ${args.emails} emails (+${args.warmup} warm-up)`);
const out = captureStdout();
await sendAll(warm);
const bytesBefore = out.bytes();
// Drop the seeding garbage before the clock starts.
(globalThis as { gc?: () => void }).gc?.();
const cpu0 = process.cpuUsage();
const t0 = performance.now();
await sendAll(timed);
const wall = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const stdoutBytes = out.bytes() - bytesBefore;
out.restore();
if (provider.sent.length !== args.warmup + args.emails) throw new Error(`provider got ${provider.sent.length} emails`);

emitResult({
  kind: args.kind,
  emails: args.emails,
  emailsPerSecond: args.emails / (wall / 1000),
  cpuMsPerEmail: (cpu.user + cpu.system) / 1000 / args.emails,
  wallMsPerEmail: wall / args.emails,
  stdoutBytesPerEmail: stdoutBytes / args.emails,
  mimeBytes: provider.sent.at(-1)!.raw.length,
  contentBuilder: 'createTemplateContentBuilder (shared/use-cases/template-content.ts) over in-memory stores',
} satisfies SenderCpuResult);

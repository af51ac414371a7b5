/**
 * `npm run bench [-- --quick] [--runs N] [--out docs/performance.md]`: measures Mailroom on this
 * machine and writes docs/performance.md and docs/images/bench.svg. Every measurement runs in its
 * own Node process (bench/sections/*); this file only orchestrates, prices and reports.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, loadavg, platform, release } from 'node:os';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { FREE, fixedMonthly, monthlyCost, PRICED, totalUsd, type Line, type Measured, type ModelPrices, type Template, type UnitWork } from './model';
import { ENV } from '#shared/config/env';
import { seriesCount } from '#shared/observability/metric-series';
import { progress, runSection } from './lib/child';
import { spread, type Spread } from './lib/stats';
import { benchChart } from './report/svg';
import type { AwsCallsResult, CallCase } from './sections/aws-calls';
import type { BundleLever, BundleResult, TracerImport } from './sections/bundles';
import type { E2eResult } from './sections/end-to-end';
import type { IngestCpuResult } from './sections/ingest-cpu';
import type { SenderCpuResult } from './sections/sender-cpu';

const USAGE = `usage: npm run bench [-- options]
  --quick            smaller samples, one run (a minute or two; not for docs/performance.md)
  --runs N           runs per figure (default 3; 1 with --quick)
  --out FILE         the report (default docs/performance.md); --svg FILE its chart
  --raw FILE         where the raw measurements are kept (default .mailroom/bench-raw.json)
  --from FILE        write the report from kept measurements instead of measuring
  --only A,B         with --from: measure these parts again, keep the rest
                     (aws-calls, sender-cpu, ingest-cpu, bundles, end-to-end, logs, template)`;

function parseOptions() {
  try {
    return parseArgs({ options: OPTIONS }).values;
  } catch (error) {
    process.stderr.write(`bench: ${(error as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
}

const OPTIONS = {
  help: { type: 'boolean', default: false },
  quick: { type: 'boolean', default: false },
  runs: { type: 'string' },
  out: { type: 'string', default: 'docs/performance.md' },
  svg: { type: 'string', default: 'docs/images/bench.svg' },
  /** Where the raw measurements are kept, so the report can be written again without measuring. */
  raw: { type: 'string', default: '.mailroom/bench-raw.json' },
  /** Write the report from a kept raw file instead of measuring (report or price changes only). */
  from: { type: 'string' },
  /** With --from: measure only these parts again (comma-separated: aws-calls, sender-cpu, ingest-cpu, bundles, end-to-end, logs, template) and keep the rest. */
  only: { type: 'string' },
} as const;
const opts = parseOptions();
if (opts.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
function readRaw(file: string): Raw {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Raw;
  } catch (error) {
    process.stderr.write(`bench: --from ${file}: cannot read kept measurements (${(error as Error).message}); run a full \`npm run bench\` first\n`);
    process.exit(2);
  }
}
const reused = opts.from ? readRaw(opts.from) : undefined;
const quick = reused ? reused.quick : opts.quick!;
const runs = reused ? reused.runs : Number(opts.runs ?? (quick ? 1 : 3));
const size = quick
  ? { senderEmails: 2_000, warmup: 300, ingestRequests: 1_000, batchRequests: 20, imports: 3, e2eEmails: 300, callSenderEmails: 30 }
  : { senderEmails: 10_000, warmup: 1_000, ingestRequests: 5_000, batchRequests: 100, imports: 20, e2eEmails: 2_000, callSenderEmails: 100 };
const E2E = { concurrency: 16, workers: 4 };
const LEAN = { POWERTOOLS_METRICS_DISABLED: 'true', POWERTOOLS_LOG_LEVEL: 'WARN' };
const PRODUCTION = { POWERTOOLS_METRICS_DISABLED: 'false', POWERTOOLS_LOG_LEVEL: 'INFO' };
const started = Date.now();
const prices = JSON.parse(readFileSync('bench/prices.json', 'utf8')) as ModelPrices & {
  readOn: string;
  aws: Record<string, { value: number; unit: string; source: string }>;
  providers: Record<string, { usdPerMonthAt1M: number | null; plan: string; source: string } | string>;
};

interface Raw {
  readonly quick: boolean;
  readonly runs: number;
  readonly finishedAt: string;
  readonly minutes: number;
  readonly calls: AwsCallsResult;
  readonly senderPlain: SenderCpuResult[];
  readonly senderTemplate: SenderCpuResult[];
  readonly ingest: IngestCpuResult[];
  readonly bundles: Array<{ bundles: BundleResult[]; senderLevers: BundleLever[]; tracer?: TracerImport }>;
  readonly e2e: E2eResult[];
  readonly senderLogs: SenderCpuResult;
  readonly ingestLogs: IngestCpuResult;
  readonly template: Template;
}

const PARTS = ['aws-calls', 'sender-cpu', 'ingest-cpu', 'bundles', 'end-to-end', 'logs', 'template'] as const;
const only = opts.only ? new Set(opts.only.split(',').map((p) => p.trim())) : undefined;
for (const p of only ?? []) {
  if ((PARTS as readonly string[]).includes(p)) continue;
  process.stderr.write(`bench: --only: unknown part "${p}" (one of ${PARTS.join(', ')})\n`);
  process.exit(2);
}

/** Measures every part (or, with `base`, only the parts in `only`, keeping the others from `base`). */
async function measure(base?: Raw): Promise<Raw> {
  const want = (part: (typeof PARTS)[number]) => !base || !only || only.has(part);
  progress(`${quick ? 'quick' : 'full'} run, ${runs} run(s) per figure${base ? `; measuring again: ${[...(only ?? [])].join(', ')}` : ''}`);
  const calls = want('aws-calls') ? await runSection<AwsCallsResult>('aws-calls', { senderEmails: size.callSenderEmails }, LEAN) : base!.calls;
  const senderPlain: SenderCpuResult[] = [];
  const senderTemplate: SenderCpuResult[] = [];
  const ingest: IngestCpuResult[] = [];
  const bundles: Array<{ bundles: BundleResult[]; senderLevers: BundleLever[]; tracer?: TracerImport }> = [];
  const e2e: E2eResult[] = [];
  for (let r = 0; r < runs; r++) {
    progress(`run ${r + 1}/${runs}`);
    if (want('sender-cpu')) {
      senderPlain.push(await runSection('sender-cpu', { kind: 'plain', emails: size.senderEmails, warmup: size.warmup }, LEAN));
      senderTemplate.push(await runSection('sender-cpu', { kind: 'template', emails: size.senderEmails, warmup: size.warmup }, LEAN));
    }
    if (want('ingest-cpu'))
      ingest.push(await runSection('ingest-cpu', { requests: size.ingestRequests, batchRequests: size.batchRequests, warmup: 100 }, LEAN));
    if (want('bundles')) bundles.push(await runSection('bundles', { imports: size.imports }, {}));
    if (want('end-to-end'))
      e2e.push(await runSection('end-to-end', { emails: size.e2eEmails, ...E2E, order: r % 2 === 0 ? 'bare-first' : 'pipeline-first' }, LEAN, 900_000));
  }
  // Log and EMF bytes as deployed (metrics on, INFO): once, they are deterministic.
  const senderLogs = want('logs') ? await runSection<SenderCpuResult>('sender-cpu', { kind: 'plain', emails: 500, warmup: 50 }, PRODUCTION) : base!.senderLogs;
  const ingestLogs = want('logs')
    ? await runSection<IngestCpuResult>('ingest-cpu', { requests: 500, batchRequests: 5, warmup: 20 }, PRODUCTION)
    : base!.ingestLogs;
  const template = want('template') ? await runSection<Template>('template', {}, { CDK_VALIDATION: 'false' }) : base!.template;
  const raw: Raw = {
    quick,
    runs,
    finishedAt: new Date().toISOString(),
    minutes: (base?.minutes ?? 0) + (Date.now() - started) / 60000,
    calls,
    senderPlain: want('sender-cpu') ? senderPlain : base!.senderPlain,
    senderTemplate: want('sender-cpu') ? senderTemplate : base!.senderTemplate,
    ingest: want('ingest-cpu') ? ingest : base!.ingest,
    bundles: want('bundles') ? bundles : base!.bundles,
    e2e: want('end-to-end') ? e2e : base!.e2e,
    senderLogs,
    ingestLogs,
    template,
  };
  mkdirSync(dirname(opts.raw!), { recursive: true });
  writeFileSync(opts.raw!, JSON.stringify(raw));
  progress(`raw measurements kept in ${opts.raw} (npm run bench -- --from ${opts.raw} writes the report again)`);
  return raw;
}

const raw = reused && !only ? reused : await measure(reused);
const { calls, senderPlain, senderTemplate, ingest, bundles, e2e, senderLogs, ingestLogs, template } = raw;

// ---------- figures ----------
const fmt = (n: number, digits = 1) =>
  Number.isFinite(n) ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : 'n/a';
const sp = (s: Spread, digits = 1) => (s.n > 1 ? `${fmt(s.median, digits)} (${fmt(s.min, digits)}–${fmt(s.max, digits)})` : fmt(s.median, digits));
const met = (ok: boolean) => (ok ? '**MET**' : '**NOT MET**');
const callCase = (prefix: string): CallCase | undefined => calls.cases.find((c) => c.name.startsWith(prefix));
const single = callCase('POST /emails')!;
const idem = callCase('POST /emails with')!;
const batch = callCase('POST /emails/batch');
const senderCalls = callCase('sender')!;
const esm = callCase('event source mapping')!;
const ingestCase = (name: string) => spread(ingest.map((r) => r.cases.find((c) => c.name.startsWith(name))?.cpuMsPerEmail ?? Number.NaN));
const plainCpu = spread(senderPlain.map((r) => r.cpuMsPerEmail));
const plainPerCore = spread(senderPlain.map((r) => 1000 / r.cpuMsPerEmail));
const plainWall = spread(senderPlain.map((r) => r.emailsPerSecond));
const templateCpu = spread(senderTemplate.map((r) => r.cpuMsPerEmail));
const templatePerCore = spread(senderTemplate.map((r) => 1000 / r.cpuMsPerEmail));
const templateWall = spread(senderTemplate.map((r) => r.emailsPerSecond));
const ratio = spread(e2e.map((r) => r.ratio));
const bareEps = spread(e2e.map((r) => r.bare.emailsPerSecond));
const pipeEps = spread(e2e.map((r) => r.pipeline.emailsPerSecond));
const medianRun = [...e2e].sort((a, b) => a.ratio - b.ratio)[Math.floor(e2e.length / 2)]!;
const bundleNames = bundles[0]!.bundles.map((b) => b.name);
const bundleRow = (name: string) => {
  const per = bundles.map((r) => r.bundles.find((b) => b.name === name)!);
  const first = per[0]!;
  const imports = spread(per.map((b) => spread(b.importMs).median));
  const noMaps = spread(per.map((b) => spread(b.importMsNoSourceMaps).median));
  const cpu = spread(per.map((b) => spread(b.importCpuMs ?? []).median));
  const cpuNoMaps = spread(per.map((b) => spread(b.importCpuMsNoSourceMaps ?? []).median));
  // Raw files from before the bundles were split have one file per function (`bytes`).
  const unsplit = (first as { bytes?: number }).bytes;
  return {
    name,
    /** What a cold start reads: index.mjs + the chunks it imports statically. */
    bytes: first.coldBytes ?? unsplit ?? Number.NaN,
    coldFiles: first.coldFiles ?? 1,
    assetBytes: first.assetBytes ?? unsplit ?? Number.NaN,
    assetFiles: first.assetFiles ?? 1,
    mapBytes: first.mapBytes,
    imports,
    noMaps,
    cpu,
    cpuNoMaps,
    error: per.find((b) => b.importError)?.importError,
    top: first.topPackages,
    deferred: first.deferredPackages ?? [],
    firstUse: first.firstUse ? { module: first.firstUse.module, cpu: spread(per.map((b) => spread(b.firstUse?.cpuMs ?? []).median)) } : undefined,
  };
};
const bundleRows = bundleNames.map(bundleRow);
const sender0 = bundleRows.find((b) => b.name === 'sender');

// ---------- cost ----------
const A = (k: string, d = 0) => prices.assumptions[k]?.value ?? d;
const cpuScale = A('lambdaFullVcpuMb', 1769) / A('lambdaMemoryMb', 512);
const perEmail = (c: CallCase | undefined, op: string) => (c ? (c.calls[op] ?? 0) / c.emails : 0);
/** Calls a function waits for, per email: everything but SES (DynamoDB, SQS, EventBridge). */
const waitedCalls = (c: CallCase, only?: (op: string) => boolean) =>
  Object.entries(c.calls)
    .filter(([k]) => !k.startsWith('SESv2') && (!only || only(k)))
    .reduce((n, [, v]) => n + v, 0) / c.emails;
const BATCH_OPS = (op: string) => /BatchExecuteStatement|BatchGetItem|PutEvents/.test(op);
const trackingCalls = callCase('tracking')!;
const senderBatch = 10;
const ingestSingleLog = ingestLogs.cases.find((c) => c.name === 'POST /emails')?.stdoutBytesPerRequest ?? 0;
const ingestBatchLog = (ingestLogs.cases.find((c) => c.name.startsWith('POST /emails/batch'))?.stdoutBytesPerRequest ?? 0) / 100;
const acceptWork = (c: CallCase, cpuMs: number, logBytes: number): UnitWork => ({
  cpuMs,
  awsCalls: waitedCalls(c),
  sesCalls: 0,
  awsCallsPerInvocation: 0,
  writeUnits: c.writeUnitsPerEmail,
  readUnits: c.readUnitsPerEmail,
  events: c.eventEntriesPerEmail,
  sqsSends: perEmail(c, 'SQS.SendMessage') + perEmail(c, 'SQS.SendMessageBatch'),
  logBytes,
});
const measured: Measured = {
  acceptSingle: acceptWork(single, ingestCase('POST /emails').median, ingestSingleLog),
  acceptBatch: batch
    ? acceptWork(batch, ingestCase('POST /emails/batch').median, ingestBatchLog)
    : acceptWork(single, ingestCase('POST /emails').median, ingestSingleLog),
  send: {
    // As deployed: EMF on, INFO logs (the lean figure of §2 is the use case alone).
    cpuMs: senderLogs.cpuMsPerEmail,
    awsCalls: waitedCalls(senderCalls, (op) => !BATCH_OPS(op)),
    sesCalls: perEmail(senderCalls, 'SESv2.SendEmail'),
    awsCallsPerInvocation: waitedCalls(senderCalls, BATCH_OPS) * senderBatch,
    writeUnits: senderCalls.writeUnitsPerEmail,
    readUnits: senderCalls.readUnitsPerEmail,
    events: senderCalls.eventEntriesPerEmail,
    sqsSends: 0,
    logBytes: senderLogs.stdoutBytesPerEmail,
  },
  track: {
    cpuMs: trackingCalls.cpuMsPerEmail,
    awsCalls: waitedCalls(trackingCalls),
    sesCalls: 0,
    awsCallsPerInvocation: 0,
    writeUnits: trackingCalls.writeUnitsPerEmail,
    readUnits: trackingCalls.readUnitsPerEmail,
    events: trackingCalls.eventEntriesPerEmail,
    sqsSends: 0,
    logBytes: A('trackingLogBytesPerEvent', 350),
  },
  laneMessageBytes: calls.laneMessageBytes,
  emailItemBytes: calls.emailItemBytes.delivered,
};
const VOLUMES = [1_000_000, 10_000_000, 100_000_000];
const modelled = VOLUMES.map((v) => ({
  volume: v,
  batched: monthlyCost(template, measured, prices, { emailsPerMonth: v, batchedAccepts: true }),
  single: monthlyCost(template, measured, prices, { emailsPerMonth: v, batchedAccepts: false }),
}));
const fixed = fixedMonthly(template, measured, prices);
const emfSeries = seriesCount();
const inv10 = monthlyCost(template, measured, prices, { emailsPerMonth: 10_000_000, batchedAccepts: true }).inventory;
/** MAILROOM_MUTED_EVENTS of the ingest function as the template sets it (the default deploy's choice). */
const mutedInTemplate = String(
  Object.entries(template.Resources).find(([id, r]) => r.Type === 'AWS::Lambda::Function' && id.includes('ApiIngest'))?.[1].Properties?.Environment
    ?.Variables?.[ENV.MUTED_EVENTS] ?? '',
);
// X-Ray as priced (the stack's sampling rule) and as it would be under Lambda's built-in rule alone.
const withoutRule: Template = { Resources: Object.fromEntries(Object.entries(template.Resources).filter(([, r]) => r.Type !== 'AWS::XRay::SamplingRule')) };
const xrayLine = (t: Template, v: number) =>
  monthlyCost(t, measured, prices, { emailsPerMonth: v, batchedAccepts: true }).lines.find((l) => l.item === 'X-Ray traces')!.usd;
const at10M = modelled[1]!;
const perM = (lines: readonly Line[], v: number) => (totalUsd(lines) / v) * 1_000_000;
const allPaths10M = perM(at10M.batched.lines, 10_000_000);
const variable10M =
  ((totalUsd(at10M.batched.lines) - fixed.total - (at10M.batched.lines.find((l) => l.item.startsWith('CloudWatch custom metrics'))?.usd ?? 0)) / 10_000_000) *
  1_000_000;
const sesEventsPerEmail = A('sesEventsPerEmail', 2);
const wruPerEmail = (batch ?? single).writeUnitsPerEmail + senderCalls.writeUnitsPerEmail + sesEventsPerEmail * trackingCalls.writeUnitsPerEmail;
const sesPerMillion = prices.aws.sesPerThousandEmails!.value * 1000;

// ---------- targets ----------
const batchCallsPerEmail = batch?.callsPerEmail ?? Number.NaN;
const targets = [
  { target: 'Batch ingest ≤ 0.3 AWS calls per email', value: `${fmt(batchCallsPerEmail, 2)}`, ok: batchCallsPerEmail <= 0.3 },
  { target: 'Sender ≤ 3 AWS calls per email (happy path)', value: fmt(senderCalls.callsPerEmail, 2), ok: senderCalls.callsPerEmail <= 3 },
  { target: 'Sender ≥ 2,000 plain emails/s on one core (from CPU time)', value: `${fmt(plainPerCore.median, 0)} emails/s`, ok: plainPerCore.median >= 2000 },
  ...bundleRows.map((b) => ({
    target: `${b.name} bundle ≤ 1 MB (what a cold start reads: index.mjs + the chunks it imports statically)`,
    value: `${fmt(b.bytes / 1_000_000, 2)} MB (${fmt(b.assetBytes / 1_000_000, 2)} MB in the asset)`,
    ok: b.bytes <= 1_000_000,
  })),
  ...bundleRows.map((b) => ({
    target: `${b.name} cold import ≤ 150 ms (median CPU time of the import, source maps on)`,
    value: b.error ? `error: ${b.error}` : `${fmt(b.cpu.median, 0)} ms CPU (${fmt(b.imports.median, 0)} ms wall)`,
    ok: !b.error && b.cpu.median <= 150,
  })),
  { target: 'Pipeline / bare throughput ≥ 0.5', value: fmt(ratio.median, 2), ok: ratio.median >= 0.5 },
  {
    target: 'Infrastructure ≤ $5 per million emails at 10 M/month, all paths (accept, send, tracking, X-Ray, logs, fixed costs spread)',
    value: `$${fmt(allPaths10M, 2)}`,
    ok: allPaths10M <= 5,
  },
  { target: 'Variable infrastructure ≤ $3 per million, batched accepts, all paths (at 10 M/month)', value: `$${fmt(variable10M, 2)}`, ok: variable10M <= 3 },
  { target: 'Fixed monthly cost at zero traffic ≤ $5', value: `$${fmt(fixed.total, 2)}`, ok: fixed.total <= 5 },
  { target: 'DynamoDB WRU per email, accept → delivered ≤ 6', value: fmt(wruPerEmail, 1), ok: wruPerEmail <= 6 },
];

// ---------- report ----------
const cpu = cpus();
const callTable = (c: CallCase) =>
  Object.entries(c.calls)
    .map(([k, v]) => `${k} ${fmt(v / c.emails, 2)}`)
    .join(', ');
const lines: string[] = [];
const L = (s = '') => lines.push(s);
L('# Performance');
L();
L(
  `_Generated by \`npm run bench${quick ? ' -- --quick' : ''}${runs !== (quick ? 1 : 3) ? ` -- --runs ${runs}` : ''}\`, measured on ${raw.finishedAt.slice(0, 16).replace('T', ' ')} UTC in ${fmt(raw.minutes, 1)} min${reused ? ` (report written again from the kept measurements on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC)` : ''}. Do not edit by hand: change bench/ and run it again._`,
);
L();
L(
  `**Machine:** ${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores, ${fmt(totalmem() / 1024 ** 3, 0)} GiB RAM, Node ${process.version}, ${platform()} ${release()}. Load average when the report was written: ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' / ')} — other work shared this machine, so absolute numbers are noisy; ratios taken within one run and CPU-time figures are the robust ones.`,
);
L();
L(
  `**Runs:** ${runs} ${quick ? '(--quick: smaller samples, 1 run)' : '(full)'}; every figure below is the median with (min–max) over the runs when there is more than one. Call counts and capacity units are deterministic and come from one run.`,
);
L();
L('![Throughput and latency](images/bench.svg)');
L();
L('## Targets');
L();
L('| Target | Measured | Verdict |');
L('|---|---|---|');
for (const t of targets) L(`| ${t.target} | ${t.value} | ${met(t.ok)} |`);
L();
L('## 1. AWS calls per email');
L();
L(
  "Counted by a middleware the bench adds to every AWS SDK client the process builds (bench/lib/sdk-calls.ts), so the handlers run exactly as their factories build them (infra/local/functions.ts) against the emulators. DynamoDB capacity units are what DynamoDB Local reports with `ReturnConsumedCapacity: TOTAL` (they include index writes). Counted as deployed on AWS, not as local mode runs: outbound events go through the EventBridge publisher (PutEvents) to a fake EventBridge on 127.0.0.1 (local mode's publisher writes them to its event log, not to the table, so the end-to-end pipeline of §5 makes the same DynamoDB writes) — and local mode's scheduler loop (a table Query every 250 ms, standing in for EventBridge Scheduler) is off.",
);
L();
L('| Path | Calls per email | By operation (per email) | RRU / email | WRU / email |');
L('|---|---|---|---|---|');
for (const c of calls.cases)
  L(`| ${c.name} | ${fmt(c.callsPerEmail, 2)} | ${callTable(c)} | ${fmt(c.readUnitsPerEmail, 2)} | ${fmt(c.writeUnitsPerEmail, 2)} |`);
if (!batch) L('\n`POST /emails/batch` did not answer with `{data:[…]}`: batch figures are missing until issue 4 lands.');
L();
for (const c of calls.cases.filter((c) => c.note)) L(`- ${c.name}: ${c.note}.`);
L(
  `- A stored email item (the plain fixture, ~1 KB of HTML) is ${calls.emailItemBytes.queued} bytes when queued and ${calls.emailItemBytes.sent} bytes once sent; a lane message body is ${calls.laneMessageBytes} bytes (one 64 KB SQS chunk).`,
);
L();
L('## 2. Sender CPU per email (in-process, warm)');
L();
L(
  `The real \`sendEmail\` use case over the in-memory ports (MemoryEmailStore, MemoryLaneQueue, MemoryMailProvider, MemoryTenantStore), content from \`${senderPlain[0]!.contentBuilder}\`: claim → render → MIME → provider → status write, ${size.senderEmails.toLocaleString('en-US')} emails per run after ${size.warmup} warm-up, one after another on one thread, Powertools metrics off. "Per core" is 1000 / CPU ms per email from \`process.cpuUsage()\` (user + system, including GC threads: conservative); "wall" is emails / elapsed time and suffers from other load on the machine.`,
);
L();
L('| Email | CPU ms / email | emails/s per core (CPU) | emails/s (wall) | MIME bytes |');
L('|---|---|---|---|---|');
L(`| plain (HTML + text, no template) | ${sp(plainCpu, 3)} | ${sp(plainPerCore, 0)} | ${sp(plainWall, 0)} | ${senderPlain[0]!.mimeBytes} |`);
L(
  `| template \`welcome\` (Handlebars + juice + html-to-text) | ${sp(templateCpu, 3)} | ${sp(templatePerCore, 0)} | ${sp(templateWall, 0)} | ${senderTemplate[0]!.mimeBytes} |`,
);
L();
L(
  `As deployed (metrics on, log level INFO) the sender writes ${fmt(senderLogs.stdoutBytesPerEmail, 0)} bytes of logs and EMF per email (${fmt(senderLogs.cpuMsPerEmail, 3)} CPU ms per email with EMF on).`,
);
L();
L('## 3. Ingest CPU per request (in-process, warm)');
L();
L('`makeIngestHandler` inside `withApi` (the same middy chain as in Lambda) over in-memory ports, Powertools metrics off.');
L();
L('| Request | CPU ms / request | CPU ms / email | log bytes / request as deployed |');
L('|---|---|---|---|');
for (const name of ingest[0]!.cases.map((c) => c.name)) {
  const req = spread(ingest.map((r) => r.cases.find((c) => c.name === name)?.cpuMsPerRequest ?? Number.NaN));
  const per = spread(ingest.map((r) => r.cases.find((c) => c.name === name)?.cpuMsPerEmail ?? Number.NaN));
  L(`| ${name} | ${sp(req, 3)} | ${sp(per, 3)} | ${fmt(ingestLogs.cases.find((c) => c.name === name)?.stdoutBytesPerRequest ?? Number.NaN, 0)} |`);
}
if (ingest[0]!.batchNote) L(`\n${ingest[0]!.batchNote}`);
L();
L('## 4. Bundle size and cold import');
L();
L(
  `Each \`functions/*/handler.ts\` bundled by \`functionBuildOptions\` (infra/bundling.ts), the options \`MailroomFunction\` builds its asset with: ESM, platform node, **split into chunks**, minified, source maps without sources content, \`.hbs\` as text, the createRequire banner, **nothing external**; target: the Node that imports them here (the asset targets the runtime, \`node24\`). Every \`import()\` becomes a chunk file under \`chunks/\` in the same asset, read and evaluated only when that \`import()\` first runs. **Cold bytes** — what the goal is judged on — are what a cold start reads: \`index.mjs\` and the chunks it imports statically (from esbuild's metafile); **asset bytes** are every \`.mjs\` file shipped. Import time is measured inside a fresh \`node\` process (${size.imports} processes per function per run; \`--enable-source-maps\` as the construct sets \`NODE_OPTIONS\`) with an environment that lets the module-scope config parse. The goal is judged on the **CPU time** of the import (user + system of that process while it imports): on a machine other work shares, the wall clock also counts the waiting — on Lambda the function has its CPU share to itself — while CPU time stays close to the idle wall clock. Both are shown.`,
);
L();
L(
  '| Function | Cold bytes (files) | Asset bytes (files) | Source map bytes | Import CPU ms (source maps) | Import CPU ms (no source maps) | Import wall ms (source maps) | Largest packages on the cold path (KiB) | Deferred to `import()` chunks (KiB) |',
);
L('|---|---|---|---|---|---|---|---|---|');
const kib = (packages: ReadonlyArray<{ name: string; bytes: number }>, n: number) =>
  packages
    .slice(0, n)
    .map((p) => `${p.name} ${Math.round(p.bytes / 1024)}`)
    .join(', ') || '—';
for (const b of bundleRows)
  L(
    `| ${b.name} | ${b.bytes.toLocaleString('en-US')} (${b.coldFiles}) | ${b.assetBytes.toLocaleString('en-US')} (${b.assetFiles}) | ${b.mapBytes.toLocaleString('en-US')} | ${b.error ? `error: ${b.error}` : sp(b.cpu, 0)} | ${sp(b.cpuNoMaps, 0)} | ${sp(b.imports, 0)} | ${kib(b.top, 6)} | ${kib(b.deferred, 4)} |`,
  );
L();
const sdkShare = (b: (typeof bundleRows)[number]) =>
  b.top.filter((p) => p.name.startsWith('@aws-sdk/') || p.name.startsWith('@smithy/')).reduce((n, p) => n + p.bytes, 0);
const sender = bundleRows.find((b) => b.name === 'sender');
const mapCost = bundleRows.map((b) => b.cpu.median - b.cpuNoMaps.median).filter(Number.isFinite);
L(
  `Source maps cost: the maps ship next to the files (${fmt(bundleRows.reduce((n, b) => n + b.mapBytes, 0) / 1e6, 1)} MB over all functions; a chunk's map is read only when the chunk loads, and none without \`--enable-source-maps\`) and, with \`--enable-source-maps\` in \`NODE_OPTIONS\`, add up to ${fmt(Math.max(...mapCost), 0)} ms of CPU to a cold import (median ${fmt(spread(mapCost).median, 0)} ms; the maps of the cold path are parsed at load). They stay on: a stack trace with file:line is worth it on a cold start that happens once per container.`,
);
L();
const levers = bundles[0]!.senderLevers;
if (levers.length && sender) {
  L(
    `What is left on the sender's cold path (${fmt(sender.bytes / 1e6, 2)} MB) and what each remaining lever would take off it, measured by building it with those packages replaced by an empty module or left external, cumulatively:`,
  );
  L();
  L('| Without (cumulative) | Sender cold bytes |');
  L('|---|---|');
  for (const l of levers) L(`| ${l.without} | ${l.bytes.toLocaleString('en-US')} |`);
  L();
}
L('What dominates, and what was done about it:');
L();
L(
  "- **Split bundles** (infra/bundling.ts, `splitting: true`): a dynamic `import()` used to stay in the one-file bundle — evaluated later, but parsed (and its source map read) at every cold start. Now each is a chunk of the asset that a cold start does not read. NodejsFunction cannot split (it hands esbuild an `--outfile`), so `MailroomFunction` is a `lambda.Function` whose asset the local esbuild builds through CDK's local bundling hook, hashed by its output like NodejsFunction's; test/infra/bundling.test.ts checks the sender's cold path and that every chunk ships and loads.",
);
L(
  "- Deferred until first use, where the hot path does not need them: the HTML renderer (Handlebars' HTML parts, juice, cheerio, html-to-text: shared/use-cases/template-content.ts), nodemailer's SMTP transport (shared/adapters/smtp-mail-provider.ts), the S3 client (attachments only: shared/adapters/s3-attachment-store.ts builds it with its first attachment), ajv and Handlebars on the accept path (shared/use-cases/template-lookup.ts loads template-core with the first email that names a template, so the sender, which imports that module for its version cache only, never does), the tenant-template renderer in the templates function (loaded by the first write or preview; list, get and delete never load it), and — for free — the AWS SDK's credential providers other than the environment's (the SDK already `import()`s them).",
);
if (sender?.firstUse)
  L(
    `- Deferred is not free, it moves: the first email in a sender container that needs the HTML renderer (\`${sender.firstUse.module}\`: a template, or HTML without a text part) loads its chunk once, ${sp(sender.firstUse.cpu, 0)} ms CPU with source maps (measured after the cold import, in fresh processes). Before the split it cost its parse at every cold start, and its evaluation on first use anyway; a container that only sends emails with both parts never pays it.`,
  );
const tracerImport = bundles.find((r) => r.tracer)?.tracer;
const tracerCpu = spread(bundles.map((r) => (r.tracer ? spread(r.tracer.cpuMs).median : Number.NaN)));
L(
  `- Kept on the cold path on purpose: nodemailer's MIME builder (MailComposer builds every email; its MIME-type table is most of its bytes), zod (every function parses its environment and input with it), the Powertools Tracer with the X-Ray SDK (tracing stays on${tracerImport ? `; \`${tracerImport.module}\` bundled and imported alone in a fresh process is ${Math.round(tracerImport.bytes / 1024)} KiB and ${sp(tracerCpu, 0)} ms CPU, part of every function's import above` : ''}), and the bundled AWS SDK.`,
);
L(
  "- Handlebars' compiler pulls in `source-map` only to emit source maps of compiled templates, which Mailroom never asks for; the bundles alias it to an empty module (infra/stubs/no-source-map.cjs) and Handlebars uses its own stand-in: −26 KiB wherever Handlebars is bundled.",
);
L(
  `- The AWS SDK (\`@aws-sdk/*\`, \`@smithy/*\`) is bundled on purpose (nothing external): the functions run against the lockfile's SDK, not the runtime's, because they use recent parameters (SES \`TenantName\`). Among the top packages it accounts for ${sender ? `${Math.round(sdkShare(sender) / 1024)} KiB of the sender's cold path` : 'a large share'}; making it external would remove it, at that price.`,
);
L(
  '- juice is bundled against `cheerio/slim` and without its web-resource inliner (infra/bundling.ts), which keeps parse5, undici and iconv-lite out of every asset.',
);
L(
  '- zod is imported as a namespace (`import * as z`), so esbuild drops its unused parts (locales); `zod/mini` would save ~80 KiB more at the price of rewriting the schemas.',
);
L();
L('## 5. End to end on the emulators');
L();
L(
  `${size.e2eEmails.toLocaleString('en-US')} emails per side per run, ${E2E.concurrency} concurrent producers and ${E2E.workers} consumers on both sides, bare and pipeline in the same process one after the other (the order alternates between runs). **Bare** is the least AWS work a queue-based pipeline must do: DynamoDB PutItem + SQS SendMessage per email, SQS ReceiveMessage (batches of ${10}, like the lane) + SES SendEmail + DeleteMessageBatch. **Pipeline** is HTTP → local API Gateway (the authorizer's answer cached per \`Authorization\` header for AUTHORIZER_CACHE_SECONDS) → ingest → DynamoDB Local → fauxqs → lane poller (long polling, up to min(MaximumConcurrency, consumers) sender invocations per lane, like the event source mapping) → sender → SES emulator. Throughput is emails / (first request → last \`sent_at\`); latency is \`created_at\` → \`sent_at\` on the records (bare: the same two instants measured by the script).`,
);
L();
L('| | Throughput (emails/s) | p50 ms | p95 ms | p99 ms |');
L('|---|---|---|---|---|');
L(
  `| bare SDK | ${sp(bareEps)} | ${sp(spread(e2e.map((r) => r.bare.latency.p50)), 0)} | ${sp(spread(e2e.map((r) => r.bare.latency.p95)), 0)} | ${sp(spread(e2e.map((r) => r.bare.latency.p99)), 0)} |`,
);
L(
  `| Mailroom pipeline | ${sp(pipeEps)} | ${sp(spread(e2e.map((r) => r.pipeline.latency.p50)), 0)} | ${sp(spread(e2e.map((r) => r.pipeline.latency.p95)), 0)} | ${sp(spread(e2e.map((r) => r.pipeline.latency.p99)), 0)} |`,
);
L(`| **ratio pipeline / bare** | **${sp(ratio, 2)}** | | | |`);
L();
L('Where the time goes (median run, p50 / p95 ms per email):');
L();
L('| Side | Stage | p50 | p95 |');
L('|---|---|---|---|');
for (const s of medianRun.bare.stages) L(`| bare | ${s.name} | ${fmt(s.p50, 0)} | ${fmt(s.p95, 0)} |`);
for (const s of medianRun.pipeline.stages) L(`| pipeline | ${s.name} | ${fmt(s.p50, 0)} | ${fmt(s.p95, 0)} |`);
if (medianRun.bare.diagnostics && medianRun.pipeline.diagnostics) {
  const d = { bare: medianRun.bare.diagnostics, pipeline: medianRun.pipeline.diagnostics };
  const calls = (x: typeof d.bare) =>
    x.calls
      .map(
        (c) =>
          `${c.name} ${fmt(c.count / Math.max(1, x === d.bare ? medianRun.bare.emails : medianRun.pipeline.emails), 2)} (${fmt(c.p50, 0)}/${fmt(c.p95, 0)} ms)`,
      )
      .join(', ');
  L();
  L(
    "What the one process did meanwhile (median run): CPU per email (this process / DynamoDB Local's JVM) does not depend on other load on the machine, unlike throughput; consumers in flight are sender invocations (pipeline) or receive-and-send loops (bare), time-weighted.",
  );
  L();
  L('| Side | CPU ms / email (node / JVM) | event-loop lag p50 / p99 ms | consumers in flight (mean / max) | AWS calls per email (p50/p95 ms) |');
  L('|---|---|---|---|---|');
  for (const side of ['bare', 'pipeline'] as const)
    L(
      `| ${side} | ${fmt(d[side].cpuMsPerEmail.node, 1)} / ${fmt(d[side].cpuMsPerEmail.children, 1)} | ${fmt(d[side].eventLoopLagMs.p50, 0)} / ${fmt(d[side].eventLoopLagMs.p99, 0)} | ${fmt(d[side].consumersInFlight.mean, 1)} / ${d[side].consumersInFlight.max} | ${calls(d[side])} |`,
    );
}
const lost = e2e.reduce((n, r) => n + r.pipeline.failures + r.bare.failures, 0);
L();
L(`Emails not sent within the run: ${lost} (over all runs and both sides).`);
L();
if (medianRun.bare.diagnostics && medianRun.pipeline.diagnostics) {
  const cpu = (x: NonNullable<typeof medianRun.bare.diagnostics>) => x.cpuMsPerEmail.node + x.cpuMsPerEmail.children;
  const bareCpu = cpu(medianRun.bare.diagnostics);
  const pipelineCpu = cpu(medianRun.pipeline.diagnostics);
  L(
    `**Why the ratio is where it is.** Both sides run in one process on the same 2 cores with DynamoDB Local's JVM beside them, and both use all the CPU they get, so the throughput ratio follows the CPU each email costs: ${fmt(bareCpu, 1)} ms bare against ${fmt(pipelineCpu, 1)} ms for the pipeline (node + JVM, median run) predicts ${fmt(bareCpu / pipelineCpu, 2)}; measured ${fmt(medianRun.ratio, 2)}. About 60 % of the pipeline's node CPU is AWS SDK client work and its HTTP (0.6–1 ms per call; a CPU profile of this section, issue 18), so calls per email are the lever: this change removed the read-back of the rate-limit bucket (GetItem 1.1 → 0.05 per email; the write returns the state the headers need), keeps the X-Ray SDK's per-promise hook out of processes that are not Lambda (shared/observability/xray-context-mode.ts), and flushes a batch's counters and events side by side. What is left is the work the guarantees need — create, the rate-limit charge, the conditional claim and the \`sent\` write, about 9 ms of JVM and 3.5 ms of node CPU per email on DynamoDB Local, already about twice the bare side's whole ${fmt(bareCpu, 1)} ms — so ≥ 0.5 is out of reach on these emulators without dropping a guarantee. The next lever is the rate limiter's write per request (~15 % of the pipeline's CPU): tokens reserved per container in chunks, at the price of tokens idle in one container and an over-counted daily quota; by the same arithmetic it would reach ≈ 0.35–0.37.`,
  );
  L();
}
L('## 6. Cost: every path, every billed item');
L();
L(
  `The model (bench/model.ts) prices the template \`cdk synth\` produces for a production deploy (bench/lib/template.ts: alarm e-mail, sending identities and SES quota set, every other setting at its default), resource by resource, at three monthly volumes, with prices from bench/prices.json (us-east-1 list prices, read ${prices.readOn}; sources below). test/infra/cost-coverage.test.ts fails when the template gains a resource type the model neither prices nor names as free. Measured inputs: calls, capacity units and Mailroom-bus entries per email and per SES event (§1), CPU per email (§2–3, the sender as deployed with EMF on: ${fmt(measured.send.cpuMs, 3)} ms; tracking ${fmt(measured.track.cpuMs, 2)} ms per event, an upper bound that includes the in-process emulators), log bytes per email (§2–3), the stored email item once delivered (${measured.emailItemBytes} B). Assumptions (prices.json \`assumptions\`, each with its reason): lane mix ${['critical', 'transactional', 'marketing', 'bulk'].map((l) => `${l} ${fmt(A(`laneShare.${l}`) * 100, 0)} %`).join(', ')}; ${A('sesEventsPerEmail')} SES events per email (Send, Delivery) plus ${A('engagementEventsPerMarketingEmail')} opens/clicks per marketing/bulk email; ${A('awsCallLatencyMs')} ms per AWS call and ${A('sesCallLatencyMs')} ms per SES call the function waits for, one after another (an upper bound); Lambda's CPU share at the function's memory (1,769 MB = one vCPU); ${A('esmPollers')} pollers per event source mapping long-polling ${A('esmLongPollSeconds')} s; ${emfSeries.total} EMF series (shared/observability/metric-series.ts: ${emfSeries['with-mail']} published whenever mail flows, ${emfSeries['on-incident']} only in incident hours, ${fmt(A('incidentMetricHoursShare') * 100, 0)} % of the month); the webhook fan-out at ${A('fanoutCpuMsPerEvent')} ms CPU and ${A('fanoutReadUnitsPerEvent')} RRU per forwarded event and ${A('notableEventsPerEmail')} activity items per email (not measured), receiving the notable types always and the other events of tenants whose webhooks subscribe to them, ${fmt(A('webhookSubscribedShare') * 100, 0)} % of those (\`webhookSubscribedShare\`); tracking's tenant-cache reads for ${A('tenantsWithMail')} tenants (an upper bound); outbound detail-types muted as the template says (${mutedInTemplate || 'none'}); mail kept ${A('emailRetentionDays')} days; immediate sends (a scheduled email adds one Scheduler invocation, $${fmt(prices.aws.schedulerPerMillionInvocations!.value, 2)} per million); no attachments; free tiers ignored.`,
);
L();
L('### Totals');
L();
L(`| | ${VOLUMES.map((v) => `${fmt(v / 1e6, 0)} M emails/month`).join(' | ')} |`);
L(`|---|${VOLUMES.map(() => '---').join('|')}|`);
L(`| Infrastructure, batched accepts (USD/month) | ${modelled.map((x) => fmt(totalUsd(x.batched.lines), 2)).join(' | ')} |`);
L(`| **per million emails** | ${modelled.map((x) => `**${fmt(perM(x.batched.lines, x.volume), 2)}**`).join(' | ')} |`);
L(`| Infrastructure, one POST /emails per email (USD/month) | ${modelled.map((x) => fmt(totalUsd(x.single.lines), 2)).join(' | ')} |`);
L(`| per million emails | ${modelled.map((x) => fmt(perM(x.single.lines, x.volume), 2)).join(' | ')} |`);
L(`| Amazon SES itself ($0.10 per 1,000) | ${VOLUMES.map((v) => fmt((v / 1e6) * sesPerMillion, 0)).join(' | ')} |`);
L(
  `| **Mailroom on AWS, all in, per million** (batched) | ${modelled.map((x) => `**${fmt(perM(x.batched.lines, x.volume) + sesPerMillion, 2)}**`).join(' | ')} |`,
);
L(
  `| Fixed share of the infrastructure bill (zero-traffic cost ${fmt(fixed.total, 2)} USD/month) | ${modelled.map((x) => `${fmt((fixed.total / totalUsd(x.batched.lines)) * 100, 0)} %`).join(' | ')} |`,
);
L();
L(
  `DynamoDB WRU per email, accept → delivered: ${fmt((batch ?? single).writeUnitsPerEmail, 2)} (accept, batched) + ${fmt(senderCalls.writeUnitsPerEmail, 2)} (send: claim + \`sent\`) + ${sesEventsPerEmail} × ${fmt(trackingCalls.writeUnitsPerEmail, 2)} (tracking, per SES event) = **${fmt(wruPerEmail, 1)}**.`,
);
L();
{
  const lines10 = [...at10M.batched.lines].sort((a, b) => b.usd - a.usd);
  const total10 = totalUsd(at10M.batched.lines);
  const usdOf = (item: string) => at10M.batched.lines.find((l) => l.item === item)?.usd ?? 0;
  const wruPrice = prices.aws.dynamoDbPerMillionWriteRequestUnits!.value;
  const acceptEntries = (batch ?? single).eventEntriesPerEmail;
  const entriesPerEmail = at10M.batched.flows.reduce((a, f) => a + f.units * f.work.events, 0) / 10_000_000;
  L('### Where the money goes at 10 M a month, and the next levers');
  L();
  L(
    `The largest lines: ${lines10
      .slice(0, 5)
      .map((l) => `${l.item} $${fmt(l.usd, 0)} (${fmt((l.usd / total10) * 100, 0)} %)`)
      .join(', ')}.`,
  );
  L();
  L(
    `- **DynamoDB writes** — ${fmt(wruPerEmail, 1)} WRU per email (was 25.0): emails are listed through their own \`emailList\` index of fields that never change, so claims, \`sent\` and tracking skip it; the body is brotli-compressed, so the item stays near 1 KB; an SES event is one conditional write without a read. What is left, and the levers to ≈ 7 (pending index KEYS_ONLY in a later deployment, a compact history so Delivery stays under 1 KB, counters per batch on one-message lanes), are in docs/capacity.md ("DynamoDB writes per email"); ${fmt(Math.max(0, wruPerEmail - 6) * 10 * wruPrice, 0)} USD a month at 10 M separates today from the goal of 6.`,
  );
  // Why $5 per million is out of reach as designed: the on-demand per-request floor of the stages every email passes through.
  const floor = {
    wru: 6 * wruPrice,
    sqs: 3 * prices.aws.sqsPerMillionRequests!.value,
    events: 2 * prices.aws.eventBridgeCustomEventsPerMillion!.value,
  };
  L(
    `- **Why ≤ $5 per million is not met** — on-demand list prices put a floor under any design that stores each email, queues it and tracks two SES events: even at the WRU goal (6 × $${fmt(wruPrice, 3)}) that is $${fmt(floor.wru, 2)}, plus a lane message sent, received and deleted ($${fmt(floor.sqs, 2)}), plus "Email Sent" and "Email Delivered" on the bus ($${fmt(floor.events, 2)}) — $${fmt(floor.wru + floor.sqs + floor.events, 2)} before Lambda, logs, metrics and storage. Under it lie a different table layout (email ids that carry their tenant's list key, so no list index: −1 WRU, a data migration), provisioned DynamoDB capacity with auto scaling for steady volume (≈ 2.4× cheaper per write at 70 % utilisation: $0.00065 per WCU-hour, at the price of throttling on a burst above it), and leaving "Email Sent"/"Email Delivered" off the bus for tenants no rule or webhook listens to (a contract change for consumers of the bus).`,
  );
  // What the bus entries cost in all: EventBridge, and the fan-out rule's SendMessage, batches and function.
  const noEvents: Measured = {
    ...measured,
    acceptSingle: { ...measured.acceptSingle, events: 0 },
    acceptBatch: { ...measured.acceptBatch, events: 0 },
    send: { ...measured.send, events: 0 },
    track: { ...measured.track, events: 0 },
  };
  const eventsCost10 = total10 - totalUsd(monthlyCost(template, noEvents, prices, { emailsPerMonth: 10_000_000, batchedAccepts: true }).lines);
  const fanoutFlow = at10M.batched.flows.find((f) => f.name.startsWith('webhook fan-out'));
  // The same month had every event reached the fan-out (every tenant subscribed to every type: the rule before the gate).
  const everyoneSubscribed = { ...prices, assumptions: { ...prices.assumptions, webhookSubscribedShare: { value: 1, why: '' } } };
  const ungated10 = totalUsd(monthlyCost(template, measured, everyoneSubscribed, { emailsPerMonth: 10_000_000, batchedAccepts: true }).lines);
  const acceptNote = mutedInTemplate.includes('Email Accepted')
    ? acceptEntries > 0.05
      ? `"Email Accepted" is muted by default now (MAILROOM_MUTED_EVENTS; a scheduled email's still goes out, it is \`email.scheduled\`), but the accept figure here (${fmt(acceptEntries, 2)} per email) was measured before: \`--only aws-calls\` measures it again, ≈ ${fmt((acceptEntries * eventsCost10) / Math.max(0.01, entriesPerEmail), 0)} USD a month less at 10 M.`
      : `"Email Accepted" is muted by default (MAILROOM_MUTED_EVENTS; a scheduled email's still goes out, it is \`email.scheduled\`): ${fmt(acceptEntries, 2)} per email at accept.`
    : `"Email Accepted" (${fmt(acceptEntries, 2)} per email at accept) is published (-c mutedEvents=none).`;
  L(
    `- **Outbound events** — ${fmt(entriesPerEmail, 2)} Mailroom-bus entries per email, $1 per million at EventBridge. The webhook fan-out rule forwards only what someone there listens to: the notable types the activity page keeps (bounces, complaints, failures, delays, suppressions) always, the rest only when the publisher marked them because a webhook of the email's tenant subscribes to the type (docs/events.md, "the fan-out gate") — ${fmt((fanoutFlow?.units ?? 0) / 10_000_000, 2)} forwarded per email here (${fmt(A('webhookSubscribedShare') * 100, 0)} % of sent/delivered/opened/clicked assumed subscribed), each its SendMessage, then batches of ${fmt(fanoutFlow?.batch ?? 1, 1)} through the fan-out function with its 5 s window: ${fmt(eventsCost10, 2)} USD a month at 10 M for the events in all, ${fmt(usdOf('EventBridge custom events (Mailroom bus)'), 2)} of it EventBridge and ${fmt(eventsCost10 - usdOf('EventBridge custom events (Mailroom bus)'), 2)} the fan-out (${fmt(eventsCost10 - usdOf('EventBridge custom events (Mailroom bus)') + ungated10 - total10, 2)} were every event forwarded, as before the gate). The publishers read the subscriptions from their tenant cache (tracking: one GetItem per tenant per 30 s per container, priced), so a new webhook gets events within 30 s. ${acceptNote}`,
  );
  L(
    `- **Fixed costs** — ${fmt(fixed.total, 2)} USD a month with no mail (goal ≤ 5), ${fmt(usdOf('CloudWatch alarms'), 2)} of it alarms: ${at10M.batched.inventory.alarmMetrics} billed alarm metrics (was 149) — one alarm per DLQ, the critical lane's backlog age, account-wide Lambda Errors and Throttles (no FunctionName dimension; \`-c functionAlarms=function\` for per-function alarms), the main table's write throttles, SES reputation and quota, and the breaker, fallback, failing and stuck signals on exact EMF series (a Metrics Insights alarm is billed per series it reads); docs/runbook.md#alarms says which signals were folded into which alarm. The dashboard ($3) is built only with \`-c dashboard=true\`. The rest is idle queue polling (${inv10.mappings.length} event source mappings × ${A('esmPollers')} pollers), the secret and the reconciler's runs. Custom metrics (${fmt(usdOf('CloudWatch custom metrics (EMF)'), 2)} USD a month whenever mail flows, ${emfSeries.total} series, was 43): per lane only where /health reads them, totals elsewhere.`,
  );
  const perMillion10 = (prefix: string) => at10M.batched.lines.filter((l) => l.item.startsWith(prefix)).reduce((a, l) => a + l.usd, 0) / 10;
  L(
    `- **SQS and Lambda** — $${fmt(perMillion10('SQS'), 2)} and $${fmt(perMillion10('Lambda'), 2)} per million at 10 M. Most SQS requests are the rules' SendMessage of every SES event (tracking) and of the Mailroom-bus events the webhook fan-out receives, their receives and deletes, and the one-message batches of the lanes without a batching window (critical, transactional: a receive and a delete per email); a 1 s window on the transactional lane would batch under load at the price of up to a second of latency. API Gateway costs $${fmt(perMillion10('API Gateway'), 2)} per million with batched accepts, $1 with single sends.`,
  );
  L();
}
L('### Every line, batched accepts');
L();
L(`| Item | ${VOLUMES.map((v) => `${fmt(v / 1e6, 0)} M`).join(' | ')} | How (the arithmetic at 10 M) |`);
L(`|---|${VOLUMES.map(() => '---').join('|')}|---|`);
for (const [i, line] of at10M.batched.lines.entries())
  L(`| ${line.item} | ${modelled.map((x) => fmt(x.batched.lines[i]!.usd, 2)).join(' | ')} | ${line.how.replaceAll('|', '/')} |`);
L(`| **Total (USD/month)** | ${modelled.map((x) => `**${fmt(totalUsd(x.batched.lines), 2)}**`).join(' | ')} | |`);
L();
L(
  `X-Ray: the stack's sampling rule (infra/constructs/trace-sampling.ts) traces a fixed ${fmt((at10M.batched.inventory.sampling?.fixedRate ?? 0) * 100, 0)} % of invocations with no per-second reservoir: ${VOLUMES.map((v) => `$${fmt(xrayLine(template, v), 2)}`).join(' / ')} a month at 1 / 10 / 100 M. Under Lambda's built-in rule alone (the first invocation each second of every function, then 5 %) it would be ${VOLUMES.map((v) => `$${fmt(xrayLine(withoutRule, v), 2)}`).join(' / ')} — the figure to expect if a region's Lambda tracing does not consult the account's sampling rules.`,
);
L();
L(`### What it costs with no mail: ${fmt(fixed.total, 2)} USD a month`);
L();
L('| Item | USD/month | How |');
L('|---|---|---|');
for (const line of fixed.lines) L(`| ${line.item} | ${fmt(line.usd, 2)} | ${line.how.replaceAll('|', '/')} |`);
L();
L('### Batch sizes the configuration produces');
L();
L(
  'An SQS event source mapping without a batching window invokes its function as soon as one message is there, so below a backlog every batch is one message; with a window its pollers collect for up to that many seconds. The model uses the batch size each mapping produces at the average rate of each volume (a peak hour batches better):',
);
L();
L(`| Flow | Mapping (BatchSize / window s / MaximumConcurrency) | ${VOLUMES.map((v) => `${fmt(v / 1e6, 0)} M`).join(' | ')} |`);
L(`|---|---|${VOLUMES.map(() => '---').join('|')}|`);
for (const [i, f] of at10M.batched.flows.entries())
  L(
    `| ${f.name} | ${f.mapping ? `${f.mapping.batchSize} / ${f.mapping.windowSeconds} / ${f.mapping.maximumConcurrency ?? '–'}` : f.name.startsWith('accept') ? 'API batch' : 'one per request'} | ${modelled.map((x) => fmt(x.batched.flows[i]!.batch, 1)).join(' | ')} |`,
  );
L();
L('### What the template holds, and how each type is priced');
L();
L('| Resource type | Count | Priced as |');
L('|---|---|---|');
for (const [type, count] of Object.entries(at10M.batched.inventory.counts).sort())
  L(`| ${type} | ${count} | ${PRICED[type] ?? `free: ${FREE[type] ?? 'custom resource'}`} |`);
L();
L(
  `Next to the list prices of hosted providers at 1M emails/month (Mailroom all in at 1 M: ${fmt(totalUsd(modelled[0]!.batched.lines) + sesPerMillion, 0)} USD):`,
);
L();
L('| Provider | USD per month at 1M | Plan | Source |');
L('|---|---|---|---|');
for (const [name, v] of Object.entries(prices.providers)) {
  if (typeof v === 'string') continue;
  L(`| ${name} | ${v.usdPerMonthAt1M === null ? 'no public figure found' : fmt(v.usdPerMonthAt1M, 0)} | ${v.plan} | ${v.source} |`);
}
L();
L('AWS price sources:');
L();
for (const [k, v] of Object.entries(prices.aws))
  L(`- \`${k}\` = ${(v as { value: number }).value} (${(v as unknown as { unit: string }).unit}) — ${(v as unknown as { source: string }).source}`);
L();
L('## How to run');
L();
L(
  '`npm run bench` (full: 3 runs, ~6 minutes on an idle 2-core machine) or `npm run bench -- --quick` (1 run, smaller samples, CI smoke). `--runs N` overrides the run count; `--out`/`--svg` the output paths. The raw measurements are kept in `.mailroom/bench-raw.json` (`--raw`); `npm run bench -- --from .mailroom/bench-raw.json` writes the report again from them without measuring (after a change to prices, the cost model or the report). It needs what the integration tests need (Java 17+ for DynamoDB Local); no network beyond 127.0.0.1.',
);
L();

mkdirSync(dirname(opts.out!), { recursive: true });
writeFileSync(opts.out!, `${lines.join('\n')}\n`);
mkdirSync(dirname(opts.svg!), { recursive: true });
writeFileSync(
  opts.svg!,
  benchChart({
    bare: { eps: bareEps.median, ...medianRun.bare.latency },
    pipeline: { eps: pipeEps.median, ...medianRun.pipeline.latency },
    title: `${size.e2eEmails} emails, ${E2E.concurrency} producers, ${E2E.workers} consumers, ${runs} run(s), ${cpu[0]?.model ?? ''} × ${cpu.length}`,
  }),
);
progress(`wrote ${opts.out} and ${opts.svg} in ${fmt((Date.now() - started) / 60000, 1)} min`);

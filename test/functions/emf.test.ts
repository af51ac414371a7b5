import type { SQSEvent } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FailoverMailProvider } from '#shared/adapters/failover-mail-provider';
import { MemoryRateLimiter } from '#shared/adapters/memory/memory-rate-limiter';
import { tenantsWith } from '#test/support/tenants';

// The Metrics singleton reads these when its module loads: set them before any import runs.
vi.hoisted(() => {
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
  process.env.POWERTOOLS_METRICS_NAMESPACE = 'Mailroom';
  process.env.POWERTOOLS_SERVICE_NAME = 'mailroom'; // METRIC_SERVICE, as infra sets it (checked below)
  delete process.env.POWERTOOLS_DEV;
});

const { LANES } = await import('#shared/config/lanes');
const { MemoryLaneQueue, MemoryMailProvider } = await import('#shared/adapters/memory/memory-adapters');
const { MemoryEmailStore } = await import('#shared/adapters/memory/memory-email-store');
const { createMemoryIdempotency } = await import('#shared/adapters/powertools-idempotency');
const { ProviderError } = await import('#shared/domain/errors');
const { withApi, withPowertools } = await import('#shared/http/middy');
const { CUSTOM_DIMENSIONS } = await import('#infra/constructs/observability');
const { METRIC_SERVICE, METRIC_SERIES } = await import('#shared/observability/metric-series');
const { makeIngestHandler } = await import('#functions/ingest/app');
const { makeSenderHandler } = await import('#functions/sender/app');
const { apiEvent, lambdaContext } = await import('#test/support/api-event');

interface Emf {
  _aws: { CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string; Unit: string }> }> };
  [key: string]: unknown;
}

/** Every EMF blob written to stdout while `fn` runs. */
async function captureEmf(fn: () => Promise<void>): Promise<Emf[]> {
  const lines: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(...String(chunk).split('\n'));
    return true;
  });
  try {
    await fn();
  } finally {
    spy.mockRestore();
  }
  return lines.filter((l) => l.startsWith('{') && l.includes('"_aws"')).map((l) => JSON.parse(l) as Emf);
}

/** metric name → the dimension sets it was emitted with (sorted names, joined). */
function dimensionSets(blobs: Emf[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const blob of blobs) {
    for (const directive of blob._aws.CloudWatchMetrics) {
      expect(directive.Namespace).toBe('Mailroom');
      for (const metric of directive.Metrics) {
        const sets = out.get(metric.Name) ?? new Set<string>();
        for (const dims of directive.Dimensions) sets.add([...dims].sort().join('+'));
        out.set(metric.Name, sets);
      }
    }
  }
  return out;
}

describe("EMF metrics of an email's way through ingest and the sender", () => {
  let blobs: Emf[] = [];
  beforeEach(() => {
    blobs = [];
  });
  afterEach(() => vi.restoreAllMocks());

  it('emits the documented metrics with the documented dimensions, and nothing keyed by email, tenant or recipient', async () => {
    let ids = 0;
    const emails = new MemoryEmailStore();
    const queue = new MemoryLaneQueue();
    const ingest = withApi(
      makeIngestHandler({
        emails,
        queue,
        tenants: tenantsWith('acme'),
        rateLimiter: new MemoryRateLimiter(),
        idempotency: createMemoryIdempotency(),
        clock: { now: () => new Date() },
        newId: () => `email-${++ids}`,
        defaultRetentionDays: 30,
        maxBodyBytes: 10_000,
      } as never),
    );
    const send = (to: string) =>
      ingest(apiEvent('POST /emails', { body: { from: 'Acme <hello@acme.test>', to, subject: 'Hi', html: '<p>Hi</p>' } }), lambdaContext());

    let breakerOpen = false;
    const primary = new MemoryMailProvider('ses');
    const fallback = new MemoryMailProvider('smtp');
    const sender = withPowertools(
      makeSenderHandler({
        emails,
        queue,
        clock: { now: () => new Date() },
        lane: LANES.transactional,
        provider: new FailoverMailProvider({
          primary,
          fallback,
          breaker: {
            acquire: async () => ({ allowed: !breakerOpen, state: breakerOpen ? 'open' : 'closed' }),
            recordSuccess: async () => undefined,
            recordFailure: async () => undefined,
            state: async () => ({ state: breakerOpen ? 'open' : 'closed', failures: 0 }),
          },
          throttleFailoverAfter: 3,
        }),
        leaseSeconds: 60,
        random: () => 0,
      }),
    );
    const deliver = (emailId: string, receiveCount = 1): SQSEvent => ({
      Records: [
        {
          messageId: `m-${emailId}-${receiveCount}`,
          receiptHandle: `r-${emailId}`,
          body: JSON.stringify({ emailId, tenantId: 'acme', scheduleVersion: 0 }),
          attributes: { ApproximateReceiveCount: String(receiveCount), SentTimestamp: '0', SenderId: 'x', ApproximateFirstReceiveTimestamp: '0' },
          messageAttributes: {},
          md5OfBody: '',
          eventSource: 'aws:sqs',
          eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:mailroom-transactional',
          awsRegion: 'us-east-1',
        },
      ],
    });

    blobs = await captureEmf(async () => {
      for (const to of ['a@example.org', 'b@example.org', 'c@example.org', 'd@example.org', 'e@example.org']) await send(to);
      await ingest(apiEvent('POST /emails', { body: { to: 'x@example.org' } }), lambdaContext()); // rejected: no from

      await sender(deliver('email-1'), lambdaContext()); // SES sends
      primary.failWith(new ProviderError('ses', 'transient', 'ServiceUnavailable', 'SES 503'));
      await sender(deliver('email-2'), lambdaContext()); // SES down → SMTP
      breakerOpen = true;
      await sender(deliver('email-3'), lambdaContext()); // breaker open → SMTP
      breakerOpen = false;
      primary.failWith(new ProviderError('ses', 'throttled', 'TooManyRequestsException', 'slow down'));
      // Throttled: retried later; a batch whose only record is retried fails as a whole.
      await expect(sender(deliver('email-4'), lambdaContext())).rejects.toThrow(/All records failed/);
      primary.failWith(new ProviderError('ses', 'permanent', 'MessageRejected', 'no'));
      await sender(deliver('email-5'), lambdaContext()); // rejected → failed
    });

    const sets = dimensionSets(blobs);
    const expected: Record<string, string[]> = {
      EmailsAccepted: ['service'],
      EmailsRejected: ['Reason+service'],
      EmailsSent: ['Lane+service'],
      // Per lane (/health) and the total (the alarm's one series).
      EmailsFailed: ['Lane+service', 'service'],
      ProviderFallbacks: ['service'],
      SendLatency: ['Provider+service'],
      TimeToSend: ['Lane+service'],
      Throttled: ['service'],
      BreakerOpen: ['service'],
    };
    for (const [name, dims] of Object.entries(expected)) expect([...(sets.get(name) ?? [])].sort(), name).toEqual(dims);
    // What the functions emit is what the series table (the metric bill, the alarms' series) says.
    for (const [name, dims] of sets) {
      const listed = METRIC_SERIES[name as keyof typeof METRIC_SERIES].map((g) => [...Object.keys(g.dimensions), 'service'].sort().join('+'));
      for (const d of dims) expect(listed, name).toContain(d);
    }

    // Values: dimension values are lanes, providers and reason classes only, each one the table lists.
    const values = (metric: string, dim: string) =>
      blobs.filter((b) => b._aws.CloudWatchMetrics.some((d) => d.Metrics.some((m) => m.Name === metric)) && b[dim] !== undefined).map((b) => b[dim]);
    expect(values('SendLatency', 'Provider').sort()).toEqual(['ses', 'ses', 'ses', 'ses', 'smtp', 'smtp']);
    expect(values('EmailsSent', 'Lane')).toEqual(['transactional', 'transactional', 'transactional']);
    expect(values('EmailsFailed', 'Lane')).toEqual(['transactional']);
    expect(values('EmailsRejected', 'Reason')).toEqual(['validation']);
    for (const b of blobs) {
      for (const d of b._aws.CloudWatchMetrics) {
        for (const m of d.Metrics) {
          const groups = METRIC_SERIES[m.Name as keyof typeof METRIC_SERIES];
          for (const dim of CUSTOM_DIMENSIONS) {
            if (b[dim] === undefined) continue;
            const allowed = groups.flatMap((g) => g.dimensions[dim] ?? []);
            expect(allowed, `${m.Name} ${dim}`).toContain(b[dim]);
          }
        }
      }
    }

    for (const b of blobs) expect(b.service).toBe(METRIC_SERVICE);
    const allDimensions = new Set(blobs.flatMap((b) => b._aws.CloudWatchMetrics.flatMap((d) => d.Dimensions.flat())));
    for (const d of allDimensions) expect([...CUSTOM_DIMENSIONS, 'service']).toContain(d);
    const text = JSON.stringify(blobs);
    for (const secret of ['email-1', 'email-2', 'acme', 'a@example.org', 'b@example.org']) expect(text).not.toContain(secret);
  });
});

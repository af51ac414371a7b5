import { describe, expect, it } from 'vitest';
import { DEFAULT_LANE, LANES, LANES_BY_PRIORITY } from '#shared/config/lanes';
import type { Principal } from '#shared/domain/api-key';
import { ValidationError } from '#shared/domain/errors';
import { DEFAULT_LIMITS, type Tenant } from '#shared/domain/tenant';
import { chooseLane, type TemplateInfo } from '#shared/use-cases/accept-email';

const principal = (defaultLane?: Principal['defaultLane']): Principal => ({
  tenantId: 't1',
  scopes: ['emails:send'],
  keyPrefix: 'mr_abc',
  ...(defaultLane ? { defaultLane } : {}),
});
const template = (lane?: TemplateInfo['lane']): TemplateInfo => ({ id: 'welcome', version: 1, ...(lane ? { lane } : {}), validate: () => undefined });
const tenant = (defaultLane?: Tenant['defaultLane']): Tenant => ({
  id: 't1',
  allowedSenders: [],
  retentionDays: 30,
  limits: DEFAULT_LIMITS,
  createdAt: '',
  updatedAt: '',
  ...(defaultLane ? { defaultLane } : {}),
});

describe('lane choice', () => {
  it('takes the Mailroom-Lane header over everything else', () => {
    expect(chooseLane('critical', template('bulk'), principal('marketing'), tenant('bulk'))).toBe('critical');
  });

  it('accepts the header case-insensitively and trimmed', () => {
    expect(chooseLane('  Critical ', undefined, principal(), undefined)).toBe('critical');
  });

  it('rejects an unknown lane in the header with a 422 validation error', () => {
    expect(() => chooseLane('urgent', undefined, principal(), undefined)).toThrow(ValidationError);
    try {
      chooseLane('urgent', undefined, principal(), undefined);
    } catch (error) {
      expect((error as ValidationError).statusCode).toBe(422);
    }
  });

  it("uses the template's default lane when there is no header", () => {
    expect(chooseLane(undefined, template('marketing'), principal('bulk'), tenant('bulk'))).toBe('marketing');
  });

  it("uses the API key's default lane when the template has none", () => {
    expect(chooseLane(undefined, template(), principal('bulk'), tenant('marketing'))).toBe('bulk');
  });

  it("uses the tenant's default lane after the key's", () => {
    expect(chooseLane('', undefined, principal(), tenant('marketing'))).toBe('marketing');
  });

  it('falls back to transactional', () => {
    expect(chooseLane(undefined, undefined, principal(), undefined)).toBe('transactional');
    expect(DEFAULT_LANE).toBe('transactional');
  });
});

describe('lane table', () => {
  it('drains critical first and bulk last', () => {
    expect(LANES_BY_PRIORITY.map((l) => l.name)).toEqual(['critical', 'transactional', 'marketing', 'bulk']);
  });

  it('gives each lane a claim lease that fits inside its visibility timeout after one sender timeout', () => {
    for (const lane of Object.values(LANES)) {
      expect(lane.visibilityTimeoutSeconds).toBeGreaterThan(2 * lane.senderTimeoutSeconds);
      expect(lane.maxConcurrency).toBeGreaterThanOrEqual(2);
      expect(lane.maxAttempts).toBeGreaterThanOrEqual(1);
    }
    expect(LANES.critical.maxConcurrency).toBeGreaterThan(LANES.bulk.maxConcurrency);
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoEmailStore } from '#shared/adapters/dynamodb-email-store';
import type { EmailRecord } from '#shared/domain/email';
import type { EmailListPosition } from '#shared/ports/index';
import { useDynamoDbLocal } from '#test/support/dynamodb-local';
import { emailRecord } from '#test/support/emails';

function email(n: number, overrides: Partial<EmailRecord> = {}): EmailRecord {
  const createdAt = new Date(Date.UTC(2030, 0, 1, 0, 0, 0, n)).toISOString();
  return emailRecord({
    id: `f${String(n).padStart(4, '0')}`,
    status: 'sent',
    lastEvent: 'sent',
    from: 'hello@acme.test',
    to: [`user${n}@example.org`],
    subject: undefined,
    attempts: 1,
    createdAt,
    updatedAt: createdAt,
    expiresAt: 1_900_000_000,
    ...overrides,
  });
}

describe('DynamoEmailStore.listByTenant with filters (DynamoDB Local)', () => {
  let store: DynamoEmailStore;
  const table = 'mailroom-filters-main';
  const dynamo = useDynamoDbLocal({ table, idempotencyTable: 'mailroom-filters-idempotency' });

  beforeAll(async () => {
    store = new DynamoEmailStore(dynamo().doc, table);
    // 260 emails; every 50th is failed and in the bulk lane: matches are sparse, more than one Query page apart.
    const all = Array.from({ length: 260 }, (_, i) =>
      email(i + 1, (i + 1) % 50 === 0 ? { status: 'failed', lane: 'bulk', to: ['Ops Team <OPS@acme.test>'] } : {}),
    );
    await store.createMany(all);
  });

  const pageAll = async (
    filter: { status?: string; lane?: string; recipient?: string },
    limit: number,
    direction: 'after' | 'before' = 'after',
    from?: EmailListPosition,
  ) => {
    const ids: string[] = [];
    let at: EmailListPosition | undefined = from;
    for (let i = 0; i < 50; i++) {
      const page = await store.listByTenant({ tenantId: 'acme', limit, ...filter, ...(at ? { [direction]: at } : {}) });
      ids.push(...(direction === 'after' ? page.emails : [...page.emails].reverse()).map((e) => e.id));
      at = page.resume;
      if (!page.hasMore) break;
    }
    return ids;
  };

  it('finds sparse matches across index pages, newest first', async () => {
    const page = await store.listByTenant({ tenantId: 'acme', limit: 10, status: 'failed' });
    expect(page.emails.map((e) => e.id)).toEqual(['f0250', 'f0200', 'f0150', 'f0100', 'f0050']);
    expect(page.hasMore).toBe(false);
  });

  it('pages a filter with a small limit without skipping or repeating a match', async () => {
    expect(await pageAll({ lane: 'bulk' }, 2)).toEqual(['f0250', 'f0200', 'f0150', 'f0100', 'f0050']);
    // A dense filter, cut mid-page: every transactional email exactly once, in order.
    const dense = await pageAll({ lane: 'transactional', status: 'sent' }, 37);
    expect(dense.length).toBe(255);
    expect(new Set(dense).size).toBe(255);
    expect(dense[0]).toBe('f0260');
  });

  it('matches a recipient substring ignoring case', async () => {
    const page = await store.listByTenant({ tenantId: 'acme', limit: 3, recipient: 'ops@acme' });
    expect(page.emails.map((e) => e.id)).toEqual(['f0250', 'f0200', 'f0150']);
    expect(page.hasMore).toBe(true);
  });

  it('says has_more: false for a filtered page that is exactly full', async () => {
    const page = await store.listByTenant({ tenantId: 'acme', limit: 5, status: 'failed' });
    expect(page.emails).toHaveLength(5);
    expect(page.hasMore).toBe(false);
  });

  it('pages backwards (before) from the oldest match to the newest, each page newest first', async () => {
    const oldest = { createdAt: new Date(Date.UTC(2026, 0, 1)).toISOString(), id: 'f0000' };
    const page = await store.listByTenant({ tenantId: 'acme', limit: 2, lane: 'bulk', before: oldest });
    expect(page.emails.map((e) => e.id)).toEqual(['f0100', 'f0050']);
    expect(page.hasMore).toBe(true);
    expect(await pageAll({ lane: 'bulk' }, 2, 'before', oldest)).toEqual(['f0050', 'f0100', 'f0150', 'f0200', 'f0250']);
  });
});

import { describe, expect, it } from 'vitest';
import { MemoryApiKeyStore } from '#shared/adapters/memory/memory-adapters';
import { hasScope, isOperator, OPERATOR_TENANT, TENANT_SCOPES } from '#shared/domain/api-key';
import { ValidationError } from '#shared/domain/errors';
import { systemClock } from '#shared/ports/index';
import { authenticate, createApiKey, createOperatorKey } from '#shared/use-cases/api-keys';
import { TENANT_ID } from '#shared/use-cases/tenants';

describe('the operator scope', () => {
  const deps = () => ({ keys: new MemoryApiKeyStore(), clock: systemClock });

  it('is never one of the scopes a tenant key may hold, and admin does not imply it', () => {
    expect(TENANT_SCOPES).not.toContain('operator');
    expect(hasScope({ tenantId: 'acme', scopes: ['admin'], keyPrefix: 'mr_x' }, 'operator')).toBe(false);
    expect(hasScope({ tenantId: 'acme', scopes: ['admin'], keyPrefix: 'mr_x' }, 'emails:send')).toBe(true);
  });

  it('belongs to a reserved owner that no tenant id can name', () => {
    expect(TENANT_ID.test(OPERATOR_TENANT)).toBe(false);
    expect(isOperator({ tenantId: 'acme', scopes: ['operator'] })).toBe(false);
    expect(isOperator({ tenantId: OPERATOR_TENANT, scopes: ['operator'] })).toBe(true);
  });

  it('cannot be given to a tenant key', async () => {
    await expect(createApiKey(deps(), { tenantId: 'acme', scopes: ['admin', 'operator'] })).rejects.toBeInstanceOf(ValidationError);
    await expect(createApiKey(deps(), { tenantId: OPERATOR_TENANT, scopes: ['admin'] })).rejects.toBeInstanceOf(ValidationError);
  });

  it('is minted as an operator key that authenticates as the operator and holds no tenant scope', async () => {
    const d = deps();
    const { key, record } = await createOperatorKey(d);
    expect(record).toMatchObject({ tenantId: OPERATOR_TENANT, scopes: ['operator'] });
    const principal = await authenticate(d, `Bearer ${key}`);
    expect(principal && isOperator(principal)).toBe(true);
    expect(principal && hasScope(principal, 'emails:send')).toBe(false);
    expect(principal && hasScope(principal, 'admin')).toBe(false);
  });
});

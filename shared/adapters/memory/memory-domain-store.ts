import { ConflictError } from '#shared/domain/errors';
import type { SendingDomain } from '#shared/domain/sending-domain';
import type { DomainStore } from '#shared/ports/domains';

/** DomainStore in memory (tests): one owner per name, like the table's `DOMAINNAME#` item. */
export class MemoryDomainStore implements DomainStore {
  readonly domains = new Map<string, SendingDomain>();

  async create(domain: SendingDomain): Promise<void> {
    if ([...this.domains.values()].some((d) => d.name === domain.name)) throw new ConflictError(`The domain ${domain.name} is already registered.`);
    this.domains.set(domain.id, structuredClone(domain));
  }

  async get(tenantId: string, id: string): Promise<SendingDomain | undefined> {
    const d = this.domains.get(id);
    return d && d.tenantId === tenantId ? structuredClone(d) : undefined;
  }

  async list(tenantId: string): Promise<SendingDomain[]> {
    return [...this.domains.values()].filter((d) => d.tenantId === tenantId).map((d) => structuredClone(d));
  }

  async update(domain: SendingDomain): Promise<void> {
    if (this.domains.get(domain.id)?.tenantId !== domain.tenantId) throw new Error(`No domain ${domain.id}`);
    this.domains.set(domain.id, structuredClone(domain));
  }

  async delete(tenantId: string, id: string): Promise<boolean> {
    if (this.domains.get(id)?.tenantId !== tenantId) return false;
    return this.domains.delete(id);
  }

  async findByName(name: string): Promise<SendingDomain | undefined> {
    const d = [...this.domains.values()].find((x) => x.name === name.toLowerCase());
    return d ? structuredClone(d) : undefined;
  }
}

import { toIso } from '../codec.js';
import { DbError, isUniqueViolation } from '../errors.js';
import { atomic, type Scope } from '../scope.js';
import { GENESIS_HASH } from './audit-log.js';

/** A host application or business using billkit. */
export interface Tenant {
  id: string;
  name: string;
  defaultCurrency: string;
  createdAt: string;
}

export interface TenantRepository {
  /** Creates a tenant and its document counters (invoice numbers `INV-000001`, credit notes `CN-000001`). */
  create(tenant: {
    id: string;
    name: string;
    defaultCurrency: string;
    invoicePrefix?: string;
    creditNotePrefix?: string;
  }): Promise<Tenant>;
  get(id: string): Promise<Tenant | null>;
  list(): Promise<Tenant[]>;
}

type TenantRow = { id: string; name: string; defaultCurrency: string; createdAt: Date };
const fromRow = (row: TenantRow): Tenant => ({
  id: row.id,
  name: row.name,
  defaultCurrency: row.defaultCurrency,
  createdAt: toIso(row.createdAt),
});

export function tenantRepository(scope: Scope): TenantRepository {
  return {
    async create(tenant) {
      try {
        // The tenant, its document counters and its audit chain head: together or not at all.
        return fromRow(await atomic(scope, (tx) => createTenant(tx, tenant)));
      } catch (error) {
        if (isUniqueViolation(error))
          throw new DbError('DB_DUPLICATE', `Tenant ${tenant.id} exists`, { tenantId: tenant.id });
        throw error;
      }
    },
    async get(id) {
      const row = await scope.client.tenant.findUnique({ where: { id } });
      return row ? fromRow(row) : null;
    },
    async list() {
      return (await scope.client.tenant.findMany({ orderBy: { id: 'asc' } })).map(fromRow);
    },
  };
}

async function createTenant(
  scope: Scope,
  tenant: {
    id: string;
    name: string;
    defaultCurrency: string;
    invoicePrefix?: string;
    creditNotePrefix?: string;
  },
) {
  return scope.client.tenant.create({
    data: {
      id: tenant.id,
      name: tenant.name,
      defaultCurrency: tenant.defaultCurrency,
      documentCounters: {
        create: [
          { kind: 'invoice', prefix: tenant.invoicePrefix ?? 'INV-' },
          { kind: 'credit_note', prefix: tenant.creditNotePrefix ?? 'CN-' },
        ],
      },
      // Created with the tenant so the first audit appends only ever lock an existing row.
      auditChainHead: { create: { seq: 0, hash: GENESIS_HASH } },
    },
  });
}

// The one place apps/api reaches into @billkit/billing-core: it assembles the tenant's billing
// environment (catalog, tax table) from storage and maps stored records to billing-core's types.
import { type BillingEnvironment, BillingService, type Catalog, type Customer } from '@billkit/billing-core';
import type { DiscountDefinition } from '@billkit/discount';
import type { RateTable } from '@billkit/tax';
import { ApiError } from './http/problem.js';
import type { TenantReader } from './store/port.js';
import type { CustomerRecord, DiscountRecord, EntityKind, EntityMap } from './store/records.js';

/** Every entity of a kind (the catalog is small: products and prices of one tenant). */
export async function listAll<K extends EntityKind>(
  reader: TenantReader,
  kind: K,
  where: Readonly<Record<string, string | boolean | null>> = {},
): Promise<EntityMap[K][]> {
  const all: EntityMap[K][] = [];
  let startingAfter: string | undefined;
  for (;;) {
    const page = await reader.list(kind, { limit: 100, where, ...(startingAfter ? { startingAfter } : {}) });
    all.push(...page.data);
    if (!page.hasMore) return all;
    startingAfter = (page.data.at(-1) as { id: string }).id;
  }
}

export function toCoreCustomer(c: CustomerRecord): Customer {
  const address = Object.fromEntries(
    Object.entries(c.address).filter(([, v]) => v !== undefined),
  ) as Customer['address'];
  return {
    id: c.id,
    ...(c.name !== null ? { name: c.name } : {}),
    ...(c.email !== null ? { email: c.email } : {}),
    currency: c.currency,
    timezone: c.timezone,
    address,
    taxExempt: c.taxExempt,
    taxExemptions: c.taxExemptions,
    taxIds: c.taxIds,
    balance: c.balance,
  };
}

export async function loadCatalog(reader: TenantReader): Promise<Catalog> {
  const [products, prices] = await Promise.all([listAll(reader, 'product'), listAll(reader, 'price')]);
  return {
    products: products.map((p) => ({ id: p.id, name: p.name, taxCategory: p.taxCategory, active: p.active })),
    prices: prices.map((p) => {
      const base = {
        id: p.id,
        productId: p.productId,
        currency: p.currency,
        active: p.active,
        recurring: p.recurring,
        taxBehavior: p.taxBehavior,
        ...(p.nickname !== null ? { nickname: p.nickname } : {}),
      };
      if (p.billingScheme === 'flat')
        return { ...base, billingScheme: 'flat' as const, flatAmount: p.flatAmount ?? 0 };
      if (p.billingScheme === 'per_unit')
        return { ...base, billingScheme: 'per_unit' as const, unitAmount: p.unitAmount ?? 0 };
      return {
        ...base,
        billingScheme: 'tiered' as const,
        tiersMode: p.tiersMode ?? 'graduated',
        tiers: p.tiers ?? [],
      };
    }),
  };
}

export async function loadRateTable(reader: TenantReader): Promise<RateTable> {
  const stored = await reader.get('tax_table', 'tax_table');
  if (!stored) {
    throw new ApiError(
      'API_INVALID_STATE',
      'This tenant has no tax rate table yet: PUT /v1/tax/rate-table first',
    );
  }
  return stored.table as unknown as RateTable;
}

/** Catalog and tax table: what billing-core's pure functions take as their environment. */
export async function environmentFor(reader: TenantReader): Promise<BillingEnvironment> {
  const [catalog, tax] = await Promise.all([loadCatalog(reader), loadRateTable(reader)]);
  return { catalog, tax };
}

/** The billing facade bound to the tenant's current catalog and tax table. */
export async function billingFor(
  reader: TenantReader,
): Promise<{ billing: BillingService; catalog: Catalog }> {
  const [catalog, tax] = await Promise.all([loadCatalog(reader), loadRateTable(reader)]);
  return { billing: new BillingService({ catalog, tax }), catalog };
}

export function discountDefinition(record: DiscountRecord): DiscountDefinition {
  return { ...record.definition, id: record.id } as unknown as DiscountDefinition;
}

// Assembles the tenant's billing
// environment (catalog, tax table) from storage and maps stored records to billing-core's types.
import { type BillingEnvironment, BillingService, type Catalog, type Customer } from '@billkit/billing-core';
import type {
  CustomerRecord,
  DiscountRecord,
  EntityKind,
  EntityMap,
  PriceRecord,
  ProductRecord,
  TenantReader,
} from '@billkit/db';
import type { DiscountDefinition } from '@billkit/discount';
import type { RateTable } from '@billkit/tax';
import { notFound, WorkflowError } from './errors.js';

/**
 * Awaits independent reads issued together (a pipelining connection sends them in one round trip) and returns
 * their values; when some fail, throws the failure of the first in argument order, as reading them one after
 * another would have.
 */
export async function allInOrder<T extends readonly unknown[]>(
  ...reads: { [K in keyof T]: Promise<T[K]> }
): Promise<T> {
  const settled = await Promise.allSettled(reads);
  for (const result of settled) if (result.status === 'rejected') throw result.reason;
  return settled.map((result) => (result as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

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

function toCatalog(products: readonly ProductRecord[], prices: readonly PriceRecord[]): Catalog {
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

/** The tenant's whole catalog (every product and price). */
export async function loadCatalog(reader: TenantReader): Promise<Catalog> {
  const [products, prices] = await Promise.all([listAll(reader, 'product'), listAll(reader, 'price')]);
  return toCatalog(products, prices);
}

/** Every `priceId` mentioned anywhere in a value (subscription items, pending prorations, billed lines). */
export function referencedPriceIds(value: unknown, into: Set<string> = new Set()): Set<string> {
  if (Array.isArray(value)) {
    for (const item of value) referencedPriceIds(item, into);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      if (key === 'priceId' && typeof child === 'string') into.add(child);
      else if (child !== null && typeof child === 'object') referencedPriceIds(child, into);
    }
  }
  return into;
}

/**
 * Only the prices with these ids and their products: what a computation over one subscription needs,
 * in two round trips instead of listing the tenant's whole catalog.
 */
export async function loadCatalogFor(
  reader: TenantReader,
  priceIds: Iterable<string>,
): Promise<{ catalog: Catalog; prices: PriceRecord[]; products: ProductRecord[] }> {
  const prices = await reader.getMany('price', [...priceIds]);
  const products = await reader.getMany('product', [...new Set(prices.map((p) => p.productId))]);
  return { catalog: toCatalog(products, prices), prices, products };
}

const RATE_TABLE_CACHE_KEY = 'tax_table';

/**
 * The tenant's rate table. The same object is returned for as long as the stored version is unchanged,
 * so @billkit/tax's validation and index (cached by object identity) are built once per version, not per
 * request. The version check is one indexed read, so a PUT from another process is seen at once.
 */
export async function loadRateTable(reader: TenantReader): Promise<RateTable> {
  return (await loadVersionedRateTable(reader)).table;
}

/** The rate table and its stored version (see `loadRateTable`). */
export async function loadVersionedRateTable(
  reader: TenantReader,
): Promise<{ readonly version: number; readonly table: RateTable }> {
  const version = await reader.versionOf('tax_table', 'tax_table');
  const cached = reader.cache.get(RATE_TABLE_CACHE_KEY) as { version: number; table: RateTable } | undefined;
  if (version !== null && cached?.version === version) return cached;
  const stored = version === null ? null : await reader.get('tax_table', 'tax_table');
  if (!stored) {
    throw new WorkflowError(
      'WORKFLOW_INVALID_STATE',
      'This tenant has no tax rate table yet: PUT /v1/tax/rate-table first',
    );
  }
  const entry = { version: stored.version, table: stored.table as unknown as RateTable };
  reader.cache.set(RATE_TABLE_CACHE_KEY, entry);
  return entry;
}

/** Forget the memoised rate table (after a PUT). */
export function forgetRateTable(reader: TenantReader): void {
  reader.cache.delete(RATE_TABLE_CACHE_KEY);
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

/**
 * The billing facade bound to only the prices with these ids (and their products) and the tax table: for
 * an operation on one subscription, what it references plus the prices it asks for. Fails with
 * `WORKFLOW_NOT_FOUND` naming `items.<i>.price` for a requested price the tenant does not have.
 */
export async function billingForPrices(
  reader: TenantReader,
  referenced: Iterable<string>,
  requested: readonly { readonly price: string }[],
): Promise<{ billing: BillingService; catalog: Catalog }> {
  const ids = new Set(referenced);
  for (const item of requested) ids.add(item.price);
  // The catalog and the tax table are read together; a missing price is reported before a missing table.
  const [loaded, table] = await Promise.allSettled([loadCatalogFor(reader, ids), loadRateTable(reader)]);
  if (loaded.status === 'rejected') throw loaded.reason;
  const { catalog, prices } = loaded.value;
  const found = new Set(prices.map((p) => p.id));
  for (const [index, item] of requested.entries()) {
    if (!found.has(item.price)) throw notFound('price', item.price, `items.${index}.price`);
  }
  if (table.status === 'rejected') throw table.reason;
  return { billing: new BillingService({ catalog, tax: table.value }), catalog };
}

export function discountDefinition(record: DiscountRecord): DiscountDefinition {
  return { ...record.definition, id: record.id } as unknown as DiscountDefinition;
}

import type {
  Price as BillingCorePrice,
  Product as BillingCoreProduct,
  PriceTier,
} from '@billkit/billing-core';
import {
  fromJson,
  type Metadata,
  metadataIfAny,
  toBigInt,
  toJson,
  toMetadataJson,
  toMinorUnits,
  withoutNulls,
} from '../codec.js';
import { DbError, isUniqueViolation } from '../errors.js';
import type { Scope } from '../scope.js';
import { type ListOptions, listArgs } from './list-options.js';

export type { PriceTier } from '@billkit/billing-core';

/**
 * billing-core's `Product` plus an optional description and Stripe-style `metadata` (absent when empty; a save
 * without it keeps what is stored).
 */
export type Product = BillingCoreProduct & { description?: string; metadata?: Metadata };

/** billing-core's `Price` plus `lookupKey`, a stable name the host application finds prices by. */
export type Price = BillingCorePrice & { lookupKey?: string };

type PriceBase = Omit<Extract<Price, { billingScheme: 'flat' }>, 'billingScheme' | 'flatAmount'>;

export interface ProductRepository {
  save(tenantId: string, product: Product): Promise<Product>;
  get(tenantId: string, id: string): Promise<Product | null>;
  list(tenantId: string, options?: ListOptions & { active?: boolean }): Promise<Product[]>;
}

export interface PriceRepository {
  save(tenantId: string, price: Price): Promise<Price>;
  get(tenantId: string, id: string): Promise<Price | null>;
  getByLookupKey(tenantId: string, lookupKey: string): Promise<Price | null>;
  /** Prices by id, in the order asked; ids of other tenants are silently absent. */
  getMany(tenantId: string, ids: readonly string[]): Promise<Price[]>;
  list(tenantId: string, options?: ListOptions & { productId?: string; active?: boolean }): Promise<Price[]>;
}

type ProductRow = Awaited<ReturnType<Scope['client']['product']['findFirstOrThrow']>>;
type PriceRow = Awaited<ReturnType<Scope['client']['price']['findFirstOrThrow']>>;

const productFromRow = (row: ProductRow): Product => ({
  id: row.id,
  name: row.name,
  ...withoutNulls({ description: row.description }),
  taxCategory: row.taxCategory,
  active: row.active,
  ...metadataIfAny(row.metadata, 'Product.metadata'),
});

export function priceFromRow(row: PriceRow): Price {
  const base: PriceBase = {
    id: row.id,
    productId: row.productId,
    currency: row.currency,
    ...withoutNulls({ nickname: row.nickname, lookupKey: row.lookupKey }),
    active: row.active,
    recurring:
      row.recurringInterval === null
        ? null
        : {
            interval: row.recurringInterval as NonNullable<PriceBase['recurring']>['interval'],
            intervalCount: row.recurringIntervalCount ?? 1,
          },
    taxBehavior: row.taxBehavior as PriceBase['taxBehavior'],
  };
  switch (row.billingScheme) {
    case 'flat':
      return {
        ...base,
        billingScheme: 'flat',
        flatAmount: toMinorUnits(row.flatAmount ?? 0n, 'Price.flatAmount'),
      };
    case 'per_unit':
      return {
        ...base,
        billingScheme: 'per_unit',
        unitAmount: toMinorUnits(row.unitAmount ?? 0n, 'Price.unitAmount'),
      };
    case 'tiered':
      return {
        ...base,
        billingScheme: 'tiered',
        tiersMode: row.tiersMode as 'graduated' | 'volume',
        tiers: fromJson<PriceTier[]>(row.tiers ?? '[]', 'Price.tiers'),
      };
    default:
      throw new DbError('DB_INVALID_DATA', `Price ${row.id} has unknown billingScheme ${row.billingScheme}`);
  }
}

function priceColumns(price: Price) {
  for (const tier of price.billingScheme === 'tiered' ? price.tiers : []) {
    toBigInt(tier.unitAmount, 'PriceTier.unitAmount');
    toBigInt(tier.flatAmount, 'PriceTier.flatAmount');
  }
  return {
    productId: price.productId,
    currency: price.currency,
    nickname: price.nickname ?? null,
    lookupKey: price.lookupKey ?? null,
    active: price.active,
    billingScheme: price.billingScheme,
    flatAmount: price.billingScheme === 'flat' ? toBigInt(price.flatAmount, 'Price.flatAmount') : null,
    unitAmount: price.billingScheme === 'per_unit' ? toBigInt(price.unitAmount, 'Price.unitAmount') : null,
    tiersMode: price.billingScheme === 'tiered' ? price.tiersMode : null,
    tiers: price.billingScheme === 'tiered' ? toJson(price.tiers) : null,
    recurringInterval: price.recurring?.interval ?? null,
    recurringIntervalCount: price.recurring?.intervalCount ?? null,
    taxBehavior: price.taxBehavior,
  };
}

async function assertInTenant(scope: Scope, model: 'product', tenantId: string, id: string): Promise<void> {
  const found = await scope.client[model].findFirst({ where: { id, tenantId }, select: { id: true } });
  if (!found) throw new DbError('DB_NOT_FOUND', `No ${model} ${id} for this tenant`, { id });
}

function duplicate(error: unknown, what: string): never {
  if (isUniqueViolation(error)) throw new DbError('DB_DUPLICATE', `${what} already exists`, { what });
  throw error;
}

export function productRepository(scope: Scope): ProductRepository {
  return {
    async save(tenantId, product) {
      const data = {
        name: product.name,
        description: product.description ?? null,
        taxCategory: product.taxCategory,
        active: product.active,
        ...(product.metadata !== undefined
          ? { metadata: toMetadataJson(product.metadata, 'Product.metadata') }
          : {}),
      };
      try {
        const updated = await scope.client.product.updateMany({ where: { id: product.id, tenantId }, data });
        if (updated.count === 0)
          await scope.client.product.create({ data: { ...data, id: product.id, tenantId } });
      } catch (error) {
        duplicate(error, `Product ${product.id}`);
      }
      return product;
    },
    async get(tenantId, id) {
      const row = await scope.client.product.findFirst({ where: { id, tenantId } });
      return row ? productFromRow(row) : null;
    },
    async list(tenantId, options = {}) {
      const { where, ...rest } = listArgs(options);
      const rows = await scope.client.product.findMany({
        ...rest,
        where: { ...where, tenantId, ...(options.active !== undefined ? { active: options.active } : {}) },
      });
      return rows.map(productFromRow);
    },
  };
}

export function priceRepository(scope: Scope): PriceRepository {
  return {
    async save(tenantId, price) {
      await assertInTenant(scope, 'product', tenantId, price.productId);
      const data = priceColumns(price);
      try {
        const updated = await scope.client.price.updateMany({ where: { id: price.id, tenantId }, data });
        if (updated.count === 0)
          await scope.client.price.create({ data: { ...data, id: price.id, tenantId } });
      } catch (error) {
        duplicate(error, `Price ${price.id} or lookup key ${price.lookupKey ?? ''}`);
      }
      return price;
    },
    async get(tenantId, id) {
      const row = await scope.client.price.findFirst({ where: { id, tenantId } });
      return row ? priceFromRow(row) : null;
    },
    async getByLookupKey(tenantId, lookupKey) {
      const row = await scope.client.price.findFirst({ where: { tenantId, lookupKey } });
      return row ? priceFromRow(row) : null;
    },
    async getMany(tenantId, ids) {
      const rows = await scope.client.price.findMany({ where: { tenantId, id: { in: [...ids] } } });
      const byId = new Map(rows.map((row) => [row.id, priceFromRow(row)]));
      return ids.flatMap((id) => byId.get(id) ?? []);
    },
    async list(tenantId, options = {}) {
      const { where, ...rest } = listArgs(options);
      const rows = await scope.client.price.findMany({
        ...rest,
        where: {
          ...where,
          tenantId,
          ...(options.productId !== undefined ? { productId: options.productId } : {}),
          ...(options.active !== undefined ? { active: options.active } : {}),
        },
      });
      return rows.map(priceFromRow);
    },
  };
}

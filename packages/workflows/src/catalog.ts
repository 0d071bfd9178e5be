import type { Page, PriceRecord, ProductRecord } from '@billkit/db';
import { type Deps, mutate, type OperationContext, tenantOf } from './context.js';
import { notFound, WorkflowError } from './errors.js';
import { newId } from './ids.js';
import { checkInput } from './input-checks.js';

/** A new product: a name, its tax category (default `general`), active unless said otherwise. */
export interface CreateProductInput {
  readonly name: string;
  readonly description?: string | null | undefined;
  readonly taxCategory?: string | undefined;
  readonly active?: boolean | undefined;
  readonly metadata?: Record<string, string> | undefined;
}

/** The fields of a product to change; absent fields stay as they are. */
export type UpdateProductInput = { readonly [K in ProductField]?: ProductRecord[K] | undefined };

/** A page of products, optionally only active (or inactive) ones. */
export interface ListProductsInput {
  readonly limit: number;
  readonly startingAfter?: string | undefined;
  readonly active?: boolean | undefined;
}

interface PriceCommonInput {
  /** The product's id. */
  readonly product: string;
  readonly currency: string;
  readonly nickname?: string | null | undefined;
  /** A tenant-unique key to find the price by (`pro_monthly`). */
  readonly lookupKey?: string | null | undefined;
  readonly active?: boolean | undefined;
  /** Billing interval; null = a one-off price. */
  readonly recurring?: PriceRecord['recurring'] | undefined;
  readonly taxBehavior?: PriceRecord['taxBehavior'] | undefined;
}

/** A new price (plan) of a product: a flat amount, a per-unit amount or tiers, in integer minor units. */
export type CreatePriceInput = PriceCommonInput &
  (
    | { readonly billingScheme: 'flat'; readonly flatAmount: number }
    | { readonly billingScheme: 'per_unit'; readonly unitAmount: number }
    | {
        readonly billingScheme: 'tiered';
        readonly tiersMode: 'graduated' | 'volume';
        readonly tiers: readonly { upTo: number | null; unitAmount?: number; flatAmount?: number }[];
      }
  );

/** What can change on a price: amounts and the scheme are immutable (as in Stripe): create a new price instead. */
export type UpdatePriceInput = { readonly [K in PriceField]?: PriceRecord[K] | undefined };

/** A page of prices, optionally of one product and/or only active (or inactive) ones. */
export interface ListPricesInput {
  readonly limit: number;
  readonly startingAfter?: string | undefined;
  readonly product?: string | undefined;
  readonly active?: boolean | undefined;
}

const PRODUCT_FIELDS = ['name', 'description', 'taxCategory', 'active', 'metadata'] as const;
type ProductField = (typeof PRODUCT_FIELDS)[number];
const PRICE_FIELDS = ['nickname', 'lookupKey', 'active'] as const;
type PriceField = (typeof PRICE_FIELDS)[number];

/** The fields of `input` among `keys` that are present (an update changes only those). */
function presentFields<T extends object, K extends keyof T>(
  input: T,
  keys: readonly K[],
): { [P in K]?: Exclude<T[P], undefined> } {
  const out: { [P in K]?: Exclude<T[P], undefined> } = {};
  for (const key of keys) if (input[key] !== undefined) out[key] = input[key] as Exclude<T[K], undefined>;
  return out;
}

function cursor(q: { readonly limit: number; readonly startingAfter?: string | undefined }) {
  return { limit: q.limit, ...(q.startingAfter !== undefined ? { startingAfter: q.startingAfter } : {}) };
}

/**
 * Products and prices.
 *
 * @example
 * const product = await billing.catalog.createProduct({ tenantId }, { name: 'Pro' });
 * const price = await billing.catalog.createPrice({ tenantId }, {
 *   product: product.id, currency: 'USD', billingScheme: 'flat', flatAmount: 2000,
 *   recurring: { interval: 'month', intervalCount: 1 },
 * });
 */
export function catalogOperations(deps: Deps) {
  return {
    async createProduct(ctx: OperationContext, input: CreateProductInput): Promise<ProductRecord> {
      const now = deps.clock().toISOString();
      const product: ProductRecord = {
        id: newId('prod'),
        name: input.name,
        description: input.description ?? null,
        taxCategory: input.taxCategory ?? 'general',
        active: input.active ?? true,
        metadata: input.metadata ?? {},
        createdAt: now,
        updatedAt: now,
      };
      return mutate(deps, ctx, 'catalog.createProduct', input, async (tx, record) => {
        await tx.insert('product', product);
        await record({
          type: 'product.created',
          entityType: 'product',
          entityId: product.id,
          before: null,
          after: product,
        });
        return product;
      });
    },

    async retrieveProduct(ctx: OperationContext, id: string): Promise<ProductRecord> {
      const product = await tenantOf(deps, ctx).get('product', id);
      if (!product) throw notFound('product', id);
      return product;
    },

    async updateProduct(
      ctx: OperationContext,
      id: string,
      input: UpdateProductInput,
    ): Promise<ProductRecord> {
      return mutate(deps, ctx, 'catalog.updateProduct', { id, input }, async (tx, record) => {
        const before = await tx.get('product', id);
        if (!before) throw notFound('product', id);
        const after: ProductRecord = {
          ...before,
          ...presentFields(input, PRODUCT_FIELDS),
          updatedAt: deps.clock().toISOString(),
        };
        await tx.update('product', after);
        await record({ type: 'product.updated', entityType: 'product', entityId: after.id, before, after });
        return after;
      });
    },

    async listProducts(ctx: OperationContext, query: ListProductsInput): Promise<Page<ProductRecord>> {
      return tenantOf(deps, ctx).list('product', {
        ...cursor(query),
        where: query.active !== undefined ? { active: query.active } : {},
      });
    },

    /**
     * Creates a price of an existing product; a `lookupKey` already used is `WORKFLOW_CONFLICT`, an
     * unknown ISO-4217 currency `WORKFLOW_VALIDATION_FAILED`.
     */
    async createPrice(ctx: OperationContext, input: CreatePriceInput): Promise<PriceRecord> {
      checkInput([['currency', input.currency, 'currency']]);
      const now = deps.clock().toISOString();
      const price: PriceRecord = {
        id: newId('price'),
        productId: input.product,
        currency: input.currency,
        nickname: input.nickname ?? null,
        lookupKey: input.lookupKey ?? null,
        active: input.active ?? true,
        billingScheme: input.billingScheme,
        flatAmount: input.billingScheme === 'flat' ? input.flatAmount : null,
        unitAmount: input.billingScheme === 'per_unit' ? input.unitAmount : null,
        tiersMode: input.billingScheme === 'tiered' ? input.tiersMode : null,
        tiers:
          input.billingScheme === 'tiered'
            ? input.tiers.map((t) => ({
                upTo: t.upTo,
                unitAmount: t.unitAmount ?? 0,
                flatAmount: t.flatAmount ?? 0,
              }))
            : null,
        recurring: input.recurring
          ? { interval: input.recurring.interval, intervalCount: input.recurring.intervalCount }
          : null,
        taxBehavior: input.taxBehavior ?? 'exclusive',
        createdAt: now,
        updatedAt: now,
      };
      return mutate(deps, ctx, 'catalog.createPrice', input, async (tx, record) => {
        if (!(await tx.get('product', price.productId)))
          throw notFound('product', price.productId, 'product');
        if (price.lookupKey !== null) {
          const clash = await tx.list('price', { limit: 1, where: { lookupKey: price.lookupKey } });
          if (clash.data.length > 0)
            throw new WorkflowError('WORKFLOW_CONFLICT', `lookup_key '${price.lookupKey}' is already used`);
        }
        await tx.insert('price', price);
        await record({
          type: 'price.created',
          entityType: 'price',
          entityId: price.id,
          before: null,
          after: price,
        });
        return price;
      });
    },

    async retrievePrice(ctx: OperationContext, id: string): Promise<PriceRecord> {
      const price = await tenantOf(deps, ctx).get('price', id);
      if (!price) throw notFound('price', id);
      return price;
    },

    /** Changes the nickname, lookup key or active flag. */
    async updatePrice(ctx: OperationContext, id: string, input: UpdatePriceInput): Promise<PriceRecord> {
      return mutate(deps, ctx, 'catalog.updatePrice', { id, input }, async (tx, record) => {
        const before = await tx.get('price', id);
        if (!before) throw notFound('price', id);
        const after: PriceRecord = {
          ...before,
          ...presentFields(input, PRICE_FIELDS),
          updatedAt: deps.clock().toISOString(),
        };
        await tx.update('price', after);
        await record({ type: 'price.updated', entityType: 'price', entityId: after.id, before, after });
        return after;
      });
    },

    async listPrices(ctx: OperationContext, query: ListPricesInput): Promise<Page<PriceRecord>> {
      const where: Record<string, string | boolean> = {};
      if (query.product !== undefined) where.productId = query.product;
      if (query.active !== undefined) where.active = query.active;
      return tenantOf(deps, ctx).list('price', { ...cursor(query), where });
    },
  };
}

import { z } from 'zod';
import { ApiError, notFound } from '../http/problem.js';
import { currencySchema, idParams, listOf, listQuery, metadataSchema, page } from '../http/schemas.js';
import { newId } from '@billkit/workflows';
import type { PriceRecord, ProductRecord } from '@billkit/db';
import { change, type RouteContext, type TypedApp, tenantOf } from './context.js';

const nonNegative = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

export const productJson = z
  .object({
    id: z.string(),
    object: z.literal('product'),
    name: z.string(),
    description: z.string().nullable(),
    tax_category: z.string(),
    active: z.boolean(),
    metadata: z.record(z.string(), z.string()),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'Product' });

const productBody = z.strictObject({
  name: z.string().min(1).max(200),
  description: z.string().max(2000).nullable().optional(),
  tax_category: z.string().min(1).max(100).default('general'),
  active: z.boolean().default(true),
  metadata: metadataSchema.default({}),
});
const productUpdate = z
  .strictObject({
    name: z.string().min(1).max(200),
    description: z.string().max(2000).nullable(),
    tax_category: z.string().min(1).max(100),
    active: z.boolean(),
    metadata: metadataSchema,
  })
  .partial();

export function presentProduct(p: ProductRecord): z.infer<typeof productJson> {
  return {
    id: p.id,
    object: 'product',
    name: p.name,
    description: p.description,
    tax_category: p.taxCategory,
    active: p.active,
    metadata: p.metadata,
    created_at: p.createdAt,
    updated_at: p.updatedAt,
  };
}

const tierJson = z.object({
  up_to: z.number().int().min(1).nullable(),
  unit_amount: nonNegative,
  flat_amount: nonNegative,
});
const tierBody = z.strictObject({
  up_to: z.number().int().min(1).nullable(),
  unit_amount: nonNegative.default(0),
  flat_amount: nonNegative.default(0),
});
const recurringJson = z.object({
  interval: z.enum(['day', 'week', 'month', 'year']),
  interval_count: z.number().int(),
});

export const priceJson = z
  .object({
    id: z.string(),
    object: z.literal('price'),
    product: z.string(),
    currency: z.string(),
    nickname: z.string().nullable(),
    lookup_key: z.string().nullable(),
    active: z.boolean(),
    billing_scheme: z.enum(['flat', 'per_unit', 'tiered']),
    flat_amount: z.number().int().nullable(),
    unit_amount: z.number().int().nullable(),
    tiers_mode: z.enum(['graduated', 'volume']).nullable(),
    tiers: z.array(tierJson).nullable(),
    recurring: recurringJson.nullable(),
    tax_behavior: z.enum(['inclusive', 'exclusive']),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'Price' });

const priceCommon = {
  product: z.string().min(1),
  currency: currencySchema,
  nickname: z.string().max(200).nullable().optional(),
  lookup_key: z.string().min(1).max(200).nullable().optional(),
  active: z.boolean().default(true),
  recurring: z
    .strictObject({
      interval: z.enum(['day', 'week', 'month', 'year']),
      interval_count: z.number().int().min(1).max(365).default(1),
    })
    .nullable()
    .default(null),
  tax_behavior: z.enum(['inclusive', 'exclusive']).default('exclusive'),
};

const priceBody = z
  .discriminatedUnion('billing_scheme', [
    z.strictObject({ ...priceCommon, billing_scheme: z.literal('flat'), flat_amount: nonNegative }),
    z.strictObject({ ...priceCommon, billing_scheme: z.literal('per_unit'), unit_amount: nonNegative }),
    z.strictObject({
      ...priceCommon,
      billing_scheme: z.literal('tiered'),
      tiers_mode: z.enum(['graduated', 'volume']),
      tiers: z.array(tierBody).min(1).max(50),
    }),
  ])
  .superRefine((price, issues) => {
    if (price.billing_scheme !== 'tiered') return;
    price.tiers.forEach((tier, index) => {
      const last = index === price.tiers.length - 1;
      if (last !== (tier.up_to === null)) {
        issues.addIssue({
          code: 'custom',
          path: ['tiers', index, 'up_to'],
          message: 'Only the last tier is open (up_to: null)',
        });
      }
      const previous = index > 0 ? price.tiers[index - 1]?.up_to : 0;
      if (tier.up_to !== null && typeof previous === 'number' && tier.up_to <= previous) {
        issues.addIssue({
          code: 'custom',
          path: ['tiers', index, 'up_to'],
          message: 'Tier bounds must strictly increase',
        });
      }
    });
  });

// Amounts and the scheme are immutable (as in Stripe): create a new price instead.
const priceUpdate = z
  .strictObject({
    nickname: z.string().max(200).nullable(),
    lookup_key: z.string().min(1).max(200).nullable(),
    active: z.boolean(),
  })
  .partial();

export function presentPrice(p: PriceRecord): z.infer<typeof priceJson> {
  return {
    id: p.id,
    object: 'price',
    product: p.productId,
    currency: p.currency,
    nickname: p.nickname,
    lookup_key: p.lookupKey,
    active: p.active,
    billing_scheme: p.billingScheme,
    flat_amount: p.flatAmount,
    unit_amount: p.unitAmount,
    tiers_mode: p.tiersMode,
    tiers:
      p.tiers?.map((t) => ({ up_to: t.upTo, unit_amount: t.unitAmount, flat_amount: t.flatAmount })) ?? null,
    recurring: p.recurring
      ? { interval: p.recurring.interval, interval_count: p.recurring.intervalCount }
      : null,
    tax_behavior: p.taxBehavior,
    created_at: p.createdAt,
    updated_at: p.updatedAt,
  };
}

function cursor(q: { limit: number; starting_after?: string | undefined }) {
  return { limit: q.limit, ...(q.starting_after !== undefined ? { startingAfter: q.starting_after } : {}) };
}

export async function catalogRoutes(app: TypedApp, ctx: RouteContext): Promise<void> {
  const productTags = ['products'];
  app.post(
    '/v1/products',
    {
      schema: {
        tags: productTags,
        summary: 'Create a product',
        body: productBody,
        response: { 201: productJson },
      },
    },
    async (request, reply) => {
      const now = ctx.clock().toISOString();
      const b = request.body;
      const product: ProductRecord = {
        id: newId('prod'),
        name: b.name,
        description: b.description ?? null,
        taxCategory: b.tax_category,
        active: b.active,
        metadata: b.metadata,
        createdAt: now,
        updatedAt: now,
      };
      await change(ctx, request, async (tx, record) => {
        await tx.insert('product', product);
        await record({
          type: 'product.created',
          entityType: 'product',
          entityId: product.id,
          before: null,
          after: product,
        });
      });
      return reply.code(201).send(presentProduct(product));
    },
  );
  app.get(
    '/v1/products/:id',
    {
      schema: {
        tags: productTags,
        summary: 'Retrieve a product',
        params: idParams,
        response: { 200: productJson },
      },
    },
    async (request) => {
      const product = await tenantOf(ctx, request).get('product', request.params.id);
      if (!product) throw notFound('product', request.params.id);
      return presentProduct(product);
    },
  );
  app.post(
    '/v1/products/:id',
    {
      schema: {
        tags: productTags,
        summary: 'Update a product',
        params: idParams,
        body: productUpdate,
        response: { 200: productJson },
      },
    },
    async (request) => {
      const b = request.body;
      return presentProduct(
        await change(ctx, request, async (tx, record) => {
          const before = await tx.get('product', request.params.id);
          if (!before) throw notFound('product', request.params.id);
          const after: ProductRecord = {
            ...before,
            ...(b.name !== undefined ? { name: b.name } : {}),
            ...(b.description !== undefined ? { description: b.description } : {}),
            ...(b.tax_category !== undefined ? { taxCategory: b.tax_category } : {}),
            ...(b.active !== undefined ? { active: b.active } : {}),
            ...(b.metadata !== undefined ? { metadata: b.metadata } : {}),
            updatedAt: ctx.clock().toISOString(),
          };
          await tx.update('product', after);
          await record({ type: 'product.updated', entityType: 'product', entityId: after.id, before, after });
          return after;
        }),
      );
    },
  );
  app.get(
    '/v1/products',
    {
      schema: {
        tags: productTags,
        summary: 'List products',
        querystring: listQuery.extend({ active: z.enum(['true', 'false']).optional() }),
        response: { 200: listOf(productJson) },
      },
    },
    async (request) => {
      const q = request.query;
      const result = await tenantOf(ctx, request).list('product', {
        ...cursor(q),
        where: q.active !== undefined ? { active: q.active === 'true' } : {},
      });
      return page(result, presentProduct);
    },
  );

  const priceTags = ['prices'];
  app.post(
    '/v1/prices',
    {
      schema: {
        tags: priceTags,
        summary: 'Create a price (plan)',
        body: priceBody,
        response: { 201: priceJson },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const now = ctx.clock().toISOString();
      const price: PriceRecord = {
        id: newId('price'),
        productId: b.product,
        currency: b.currency,
        nickname: b.nickname ?? null,
        lookupKey: b.lookup_key ?? null,
        active: b.active,
        billingScheme: b.billing_scheme,
        flatAmount: b.billing_scheme === 'flat' ? b.flat_amount : null,
        unitAmount: b.billing_scheme === 'per_unit' ? b.unit_amount : null,
        tiersMode: b.billing_scheme === 'tiered' ? b.tiers_mode : null,
        tiers:
          b.billing_scheme === 'tiered'
            ? b.tiers.map((t) => ({ upTo: t.up_to, unitAmount: t.unit_amount, flatAmount: t.flat_amount }))
            : null,
        recurring: b.recurring
          ? { interval: b.recurring.interval, intervalCount: b.recurring.interval_count }
          : null,
        taxBehavior: b.tax_behavior,
        createdAt: now,
        updatedAt: now,
      };
      await change(ctx, request, async (tx, record) => {
        if (!(await tx.get('product', price.productId))) {
          throw new ApiError('API_NOT_FOUND', `No such product: '${price.productId}'`, {
            fields: [{ location: 'body', path: 'product', message: 'no such product' }],
          });
        }
        if (price.lookupKey !== null) {
          const clash = await tx.list('price', { limit: 1, where: { lookupKey: price.lookupKey } });
          if (clash.data.length > 0)
            throw new ApiError('API_CONFLICT', `lookup_key '${price.lookupKey}' is already used`);
        }
        await tx.insert('price', price);
        await record({
          type: 'price.created',
          entityType: 'price',
          entityId: price.id,
          before: null,
          after: price,
        });
      });
      return reply.code(201).send(presentPrice(price));
    },
  );
  app.get(
    '/v1/prices/:id',
    {
      schema: {
        tags: priceTags,
        summary: 'Retrieve a price',
        params: idParams,
        response: { 200: priceJson },
      },
    },
    async (request) => {
      const price = await tenantOf(ctx, request).get('price', request.params.id);
      if (!price) throw notFound('price', request.params.id);
      return presentPrice(price);
    },
  );
  app.post(
    '/v1/prices/:id',
    {
      schema: {
        tags: priceTags,
        summary: 'Update a price (nickname, lookup key, active; amounts are immutable)',
        params: idParams,
        body: priceUpdate,
        response: { 200: priceJson },
      },
    },
    async (request) => {
      const b = request.body;
      return presentPrice(
        await change(ctx, request, async (tx, record) => {
          const before = await tx.get('price', request.params.id);
          if (!before) throw notFound('price', request.params.id);
          const after: PriceRecord = {
            ...before,
            ...(b.nickname !== undefined ? { nickname: b.nickname } : {}),
            ...(b.lookup_key !== undefined ? { lookupKey: b.lookup_key } : {}),
            ...(b.active !== undefined ? { active: b.active } : {}),
            updatedAt: ctx.clock().toISOString(),
          };
          await tx.update('price', after);
          await record({ type: 'price.updated', entityType: 'price', entityId: after.id, before, after });
          return after;
        }),
      );
    },
  );
  app.get(
    '/v1/prices',
    {
      schema: {
        tags: priceTags,
        summary: 'List prices',
        querystring: listQuery.extend({
          product: z.string().optional(),
          active: z.enum(['true', 'false']).optional(),
        }),
        response: { 200: listOf(priceJson) },
      },
    },
    async (request) => {
      const q = request.query;
      const where: Record<string, string | boolean> = {};
      if (q.product !== undefined) where.productId = q.product;
      if (q.active !== undefined) where.active = q.active === 'true';
      return page(await tenantOf(ctx, request).list('price', { ...cursor(q), where }), presentPrice);
    },
  );
}

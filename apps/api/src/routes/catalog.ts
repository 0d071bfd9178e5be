import type { PriceRecord, ProductRecord } from '@billkit/db';
import { z } from 'zod';
import { camelize, snakeize } from '../http/casing.js';
import { activeFilter, currencySchema, idParams, metadataSchema } from '../http/schemas.js';
import { listRoute, operationOf, type RouteContext, retrieveRoute, type TypedApp } from './context.js';

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
  return { ...snakeize<z.infer<typeof productJson>>(p), object: 'product' };
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
  return { ...snakeize<z.infer<typeof priceJson>>(p), object: 'price', product: p.productId };
}

export async function catalogRoutes(app: TypedApp, ctx: RouteContext): Promise<void> {
  const { catalog } = ctx.billing;
  const tags = ['products'];
  app.post(
    '/v1/products',
    {
      schema: {
        tags,
        operationId: 'createProduct',
        summary: 'Create a product',
        body: productBody,
        response: { 201: productJson },
      },
    },
    async (request, reply) => {
      const product = await catalog.createProduct(operationOf(ctx, request), camelize(request.body));
      return reply.code(201).send(presentProduct(product));
    },
  );
  const getProduct = { tags, operationId: 'getProduct', summary: 'Retrieve a product' };
  retrieveRoute(app, ctx, '/v1/products', getProduct, productJson, catalog.retrieveProduct, presentProduct);
  app.post(
    '/v1/products/:id',
    {
      schema: {
        tags,
        operationId: 'updateProduct',
        summary: 'Update a product',
        params: idParams,
        body: productUpdate,
        response: { 200: productJson },
      },
    },
    async (request) => {
      const op = operationOf(ctx, request);
      return presentProduct(await catalog.updateProduct(op, request.params.id, camelize(request.body)));
    },
  );
  const listProducts = { tags, operationId: 'listProducts', summary: 'List products' };
  const byActive = { active: activeFilter };
  listRoute(
    app,
    ctx,
    '/v1/products',
    listProducts,
    productJson,
    byActive,
    catalog.listProducts,
    presentProduct,
  );

  const priceTags = ['prices'];
  app.post(
    '/v1/prices',
    {
      schema: {
        tags: priceTags,
        operationId: 'createPrice',
        summary: 'Create a price (plan)',
        body: priceBody,
        response: { 201: priceJson },
      },
    },
    async (request, reply) => {
      const price = await catalog.createPrice(operationOf(ctx, request), camelize(request.body));
      return reply.code(201).send(presentPrice(price));
    },
  );
  const getPrice = { tags: priceTags, operationId: 'getPrice', summary: 'Retrieve a price' };
  retrieveRoute(app, ctx, '/v1/prices', getPrice, priceJson, catalog.retrievePrice, presentPrice);
  app.post(
    '/v1/prices/:id',
    {
      schema: {
        tags: priceTags,
        operationId: 'updatePrice',
        summary: 'Update a price (nickname, lookup key, active; amounts are immutable)',
        params: idParams,
        body: priceUpdate,
        response: { 200: priceJson },
      },
    },
    async (request) => {
      const op = operationOf(ctx, request);
      return presentPrice(await catalog.updatePrice(op, request.params.id, camelize(request.body)));
    },
  );
  const listPrices = { tags: priceTags, operationId: 'listPrices', summary: 'List prices' };
  const byProduct = { product: z.string().optional(), active: activeFilter };
  listRoute(app, ctx, '/v1/prices', listPrices, priceJson, byProduct, catalog.listPrices, presentPrice);
}

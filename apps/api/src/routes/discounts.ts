import type { DiscountRecord } from '@billkit/db';
import type { CreateDiscountInput, PreviewDiscountsInput } from '@billkit/workflows';
import { z } from 'zod';
import { camelize, snakeize } from '../http/casing.js';
import { activeFilter, currencySchema, idParams, instantSchema } from '../http/schemas.js';
import { listRoute, operationOf, type RouteContext, retrieveRoute, type TypedApp } from './context.js';

const DISCOUNT_TYPES = ['percentage', 'fixed_amount', 'volume', 'bundle', 'free_periods', 'credit'] as const;

const discountBody = z
  .looseObject({
    type: z.enum(DISCOUNT_TYPES),
    name: z.string().max(200).optional(),
  })
  .describe(
    'A @billkit/discount definition in snake_case, without id: e.g. {"type":"percentage","name":"Senior","percent_off":"15","duration":{"type":"forever"}} or {"type":"fixed_amount","amount_off":{"amount":500,"currency":"USD"}}. Unknown fields are rejected by the definition schema.',
  );

export const discountJson = z
  .object({
    id: z.string(),
    object: z.literal('discount'),
    type: z.string(),
    name: z.string().nullable(),
    active: z.boolean(),
    times_redeemed: z.number().int(),
    max_redemptions: z.number().int().nullable(),
    definition: z.record(z.string(), z.unknown()),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'Discount' });

export function presentDiscount(d: DiscountRecord): z.infer<typeof discountJson> {
  return {
    id: d.id,
    object: 'discount',
    type: String(d.definition.type),
    name: d.name,
    active: d.active,
    times_redeemed: d.timesRedeemed,
    max_redemptions: d.maxRedemptions,
    definition: snakeize<Record<string, unknown>>(d.definition),
    created_at: d.createdAt,
    updated_at: d.updatedAt,
  };
}

const previewBody = z.strictObject({
  currency: currencySchema,
  discounts: z.array(z.string().min(1)).min(1).max(20).describe('Discount ids to try, in any order'),
  lines: z
    .array(
      z.strictObject({
        id: z.string().min(1).max(200),
        amount: z.number().int().describe('Minor units'),
        quantity: z.number().int().min(0).default(1),
        product: z.string().optional(),
        price: z.string().optional(),
        category: z.string().optional(),
        kind: z.enum(['charge', 'proration_charge', 'proration_credit']).default('charge'),
      }),
    )
    .min(1)
    .max(500),
  customer: z.string().optional(),
  at: instantSchema.optional().describe('Validity windows are checked at this instant (default: now)'),
  is_first_invoice: z.boolean().default(false),
});

const previewJson = z
  .looseObject({
    object: z.literal('discount_preview'),
    currency: z.string(),
    subtotal: z.object({ amount: z.number().int(), currency: z.string() }),
    total_discount: z.object({ amount: z.number().int(), currency: z.string() }),
    total: z.object({ amount: z.number().int(), currency: z.string() }),
    lines: z.array(z.record(z.string(), z.unknown())),
    applied: z.array(z.record(z.string(), z.unknown())),
    rejected: z.array(z.record(z.string(), z.unknown())),
  })
  .meta({ id: 'DiscountPreview' });

export async function discountRoutes(app: TypedApp, ctx: RouteContext): Promise<void> {
  const tags = ['discounts'];

  app.post(
    '/v1/discounts',
    {
      schema: {
        tags,
        operationId: 'createDiscount',
        summary: 'Define a discount',
        body: discountBody,
        response: { 201: discountJson },
      },
    },
    async (request, reply) => {
      const discount = await ctx.billing.discounts.create(
        operationOf(ctx, request),
        camelize<CreateDiscountInput>(request.body),
      );
      return reply.code(201).send(presentDiscount(discount));
    },
  );

  const { discounts } = ctx.billing;
  const getDiscount = { tags, operationId: 'getDiscount', summary: 'Retrieve a discount' };
  retrieveRoute(app, ctx, '/v1/discounts', getDiscount, discountJson, discounts.retrieve, presentDiscount);
  const listDiscounts = { tags, operationId: 'listDiscounts', summary: 'List discounts' };
  const byActive = { active: activeFilter };
  listRoute(
    app,
    ctx,
    '/v1/discounts',
    listDiscounts,
    discountJson,
    byActive,
    discounts.list,
    presentDiscount,
  );

  app.post(
    '/v1/discounts/:id/deactivate',
    {
      schema: {
        tags,
        operationId: 'deactivateDiscount',
        summary: 'Deactivate a discount (no new redemptions; subscriptions keep what they have)',
        params: idParams,
        body: z.strictObject({}).optional(),
        response: { 200: discountJson },
      },
    },
    async (request) =>
      presentDiscount(await ctx.billing.discounts.deactivate(operationOf(ctx, request), request.params.id)),
  );

  app.post(
    '/v1/discounts/preview',
    {
      config: { scope: 'read' },
      schema: {
        tags,
        operationId: 'previewDiscounts',
        summary: 'Preview the effect of discounts on amounts (no side effects)',
        body: previewBody,
        response: { 200: previewJson },
      },
    },
    async (request) => {
      const result = await ctx.billing.discounts.preview(
        operationOf(ctx, request),
        camelize<PreviewDiscountsInput>(request.body),
      );
      return { ...snakeize<z.infer<typeof previewJson>>(result), object: 'discount_preview' as const };
    },
  );
}

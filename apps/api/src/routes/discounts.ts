import { applyDiscounts, type DiscountDefinition, discountDefinitionSchema } from '@billkit/discount';
import { money } from '@billkit/money';
import { z } from 'zod';
import { discountDefinition } from '@billkit/workflows';
import { camelize, snakeize, snakePath } from '../http/casing.js';
import { ApiError, notFound } from '../http/problem.js';
import { currencySchema, idParams, instantSchema, listOf, listQuery, page } from '../http/schemas.js';
import { newId } from '@billkit/workflows';
import type { DiscountRecord } from '@billkit/db';
import { change, type RouteContext, type TypedApp, tenantOf } from './context.js';

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

/** Validates a snake_case definition with the discount engine's own (strict) schema. */
function parseDefinition(body: unknown, id: string): DiscountDefinition {
  const candidate = { ...camelize<Record<string, unknown>>(body), id };
  const strict = z
    .strictObject(
      Object.fromEntries(
        [
          ...new Set(
            discountDefinitionSchema.options.flatMap((option) => Object.keys((option as z.ZodObject).shape)),
          ),
        ].map((key) => [key, z.unknown().optional()]),
      ),
    )
    .safeParse(candidate);
  const parsed = discountDefinitionSchema.safeParse(candidate);
  const issues = [
    ...(strict.success ? [] : strict.error.issues),
    ...(parsed.success ? [] : parsed.error.issues),
  ];
  if (issues.length > 0 || !parsed.success) {
    throw new ApiError('API_VALIDATION_FAILED', 'The discount definition is invalid', {
      fields: issues.map((issue) => ({
        location: 'body' as const,
        path:
          issue.code === 'unrecognized_keys'
            ? (issue as { keys: string[] }).keys.map((k) => snakePath([k])).join(',')
            : snakePath(issue.path),
        message: issue.message,
      })),
    });
  }
  return parsed.data;
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
    { schema: { tags, summary: 'Define a discount', body: discountBody, response: { 201: discountJson } } },
    async (request, reply) => {
      const id = newId('disc');
      const definition = parseDefinition(request.body, id);
      const now = ctx.clock().toISOString();
      const discount: DiscountRecord = {
        id,
        name: definition.name ?? null,
        definition: JSON.parse(JSON.stringify(definition)) as Record<string, unknown>,
        active: true,
        maxRedemptions: (definition as { maxRedemptions?: number }).maxRedemptions ?? null,
        timesRedeemed: 0,
        createdAt: now,
        updatedAt: now,
      };
      await change(ctx, request, async (tx, record) => {
        await tx.insert('discount', discount);
        await record({
          type: 'discount.created',
          entityType: 'discount',
          entityId: id,
          before: null,
          after: discount,
        });
      });
      return reply.code(201).send(presentDiscount(discount));
    },
  );

  app.get(
    '/v1/discounts/:id',
    { schema: { tags, summary: 'Retrieve a discount', params: idParams, response: { 200: discountJson } } },
    async (request) => {
      const found = await tenantOf(ctx, request).get('discount', request.params.id);
      if (!found) throw notFound('discount', request.params.id);
      return presentDiscount(found);
    },
  );

  app.get(
    '/v1/discounts',
    {
      schema: {
        tags,
        summary: 'List discounts',
        querystring: listQuery.extend({ active: z.enum(['true', 'false']).optional() }),
        response: { 200: listOf(discountJson) },
      },
    },
    async (request) => {
      const q = request.query;
      const result = await tenantOf(ctx, request).list('discount', {
        limit: q.limit,
        ...(q.starting_after !== undefined ? { startingAfter: q.starting_after } : {}),
        where: q.active !== undefined ? { active: q.active === 'true' } : {},
      });
      return page(result, presentDiscount);
    },
  );

  app.post(
    '/v1/discounts/:id/deactivate',
    {
      schema: {
        tags,
        summary: 'Deactivate a discount (no new redemptions; subscriptions keep what they have)',
        params: idParams,
        body: z.strictObject({}).optional(),
        response: { 200: discountJson },
      },
    },
    async (request) => {
      const updated = await change(ctx, request, async (tx, record) => {
        const before = await tx.get('discount', request.params.id);
        if (!before) throw notFound('discount', request.params.id);
        const after: DiscountRecord = { ...before, active: false, updatedAt: ctx.clock().toISOString() };
        await tx.update('discount', after);
        await record({
          type: 'discount.deactivated',
          entityType: 'discount',
          entityId: after.id,
          before,
          after,
        });
        return after;
      });
      return presentDiscount(updated);
    },
  );

  app.post(
    '/v1/discounts/preview',
    {
      config: { scope: 'read' },
      schema: {
        tags,
        summary: 'Preview the effect of discounts on amounts (no side effects)',
        body: previewBody,
        response: { 200: previewJson },
      },
    },
    async (request) => {
      const b = request.body;
      const reader = tenantOf(ctx, request);
      const definitions: DiscountDefinition[] = [];
      for (const [index, id] of b.discounts.entries()) {
        const found = await reader.get('discount', id);
        if (!found) {
          throw new ApiError('API_NOT_FOUND', `No such discount: '${id}'`, {
            fields: [{ location: 'body', path: `discounts.${index}`, message: 'no such discount' }],
          });
        }
        definitions.push(discountDefinition(found));
      }
      const result = applyDiscounts({
        currency: b.currency,
        discounts: definitions,
        lines: b.lines.map((l) => ({
          id: l.id,
          amount: money(l.amount, b.currency),
          quantity: l.quantity,
          kind: l.kind,
          ...(l.product !== undefined ? { productId: l.product } : {}),
          ...(l.price !== undefined ? { priceId: l.price } : {}),
          ...(l.category !== undefined ? { category: l.category } : {}),
        })),
        context: {
          now: b.at ?? ctx.clock().toISOString(),
          isFirstInvoice: b.is_first_invoice,
          ...(b.customer !== undefined ? { customerId: b.customer } : {}),
        },
      });
      return { ...snakeize<z.infer<typeof previewJson>>(result), object: 'discount_preview' as const };
    },
  );
}

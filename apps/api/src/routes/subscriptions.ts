import { applyDiscountToSubscription, pauseSubscription, resumeSubscription } from '@billkit/billing-core';
import type { DiscountDefinition } from '@billkit/discount';
import { z } from 'zod';
import { billingFor, discountDefinition, environmentFor, toCoreCustomer } from '@billkit/workflows';
import { ApiError, notFound } from '../http/problem.js';
import { idParams, instantSchema, listOf, listQuery, metadataSchema, page } from '../http/schemas.js';
import { newId } from '@billkit/workflows';
import { discountStateFor, persistTransition } from '@billkit/workflows';
import type { TenantReader } from '@billkit/db';
import type { SubscriptionRecord } from '@billkit/db';
import { change, type RouteContext, type TypedApp, tenantOf } from './context.js';
import { invoiceJson, presentInvoice, presentSubscription, subscriptionJson } from './presenters.js';

const itemsBody = z
  .array(
    z.strictObject({
      id: z.string().min(1).optional().describe('Existing item id to change; omit to add an item'),
      price: z.string().min(1),
      quantity: z.number().int().min(0).max(1_000_000).default(1),
    }),
  )
  .min(1)
  .max(20);

const createBody = z.strictObject({
  customer: z.string().min(1),
  items: itemsBody,
  discounts: z.array(z.string().min(1)).max(10).default([]).describe('Discount ids attached from the start'),
  trial_end: instantSchema.optional(),
  start_at: instantSchema.optional().describe('Default: now'),
  metadata: metadataSchema.default({}),
});

const changeBody = z.strictObject({
  items: itemsBody.describe(
    'The full list of items after the change: listed ids are kept or changed, missing ones removed',
  ),
  proration_behavior: z.enum(['create_prorations', 'always_invoice', 'none']).default('create_prorations'),
  proration_date: instantSchema
    .optional()
    .describe('Share it between preview and change to get the same numbers'),
  expected_version: z
    .number()
    .int()
    .min(0)
    .optional()
    .describe('Refuse with 409 if the subscription changed since'),
});
const previewBody = changeBody.omit({ proration_behavior: true, expected_version: true });

const cancelBody = z.strictObject({
  at_period_end: z.boolean().default(false),
  prorate: z.boolean().default(false).describe('Cancel now with a credit for the unused time'),
});

async function loadSubscription(reader: TenantReader, id: string): Promise<SubscriptionRecord> {
  const found = await reader.get('subscription', id);
  if (!found) throw notFound('subscription', id);
  return found;
}

async function loadCustomer(reader: TenantReader, id: string, field = 'customer') {
  const found = await reader.get('customer', id);
  if (!found) {
    throw new ApiError('API_NOT_FOUND', `No such customer: '${id}'`, {
      fields: [{ location: 'body', path: field, message: 'no such customer' }],
    });
  }
  return found;
}

async function loadDiscounts(reader: TenantReader, ids: readonly string[]): Promise<DiscountDefinition[]> {
  const out: DiscountDefinition[] = [];
  for (const [index, id] of ids.entries()) {
    const record = await reader.get('discount', id);
    if (!record?.active) {
      throw new ApiError('API_NOT_FOUND', `No such active discount: '${id}'`, {
        fields: [{ location: 'body', path: `discounts.${index}`, message: 'no such active discount' }],
      });
    }
    out.push(discountDefinition(record));
  }
  return out;
}

async function checkPrices(reader: TenantReader, items: readonly { price: string }[]) {
  const found = new Set(
    (
      await reader.getMany(
        'price',
        items.map((i) => i.price),
      )
    ).map((p) => p.id),
  );
  for (const [index, item] of items.entries()) {
    if (!found.has(item.price)) {
      throw new ApiError('API_NOT_FOUND', `No such price: '${item.price}'`, {
        fields: [{ location: 'body', path: `items.${index}.price`, message: 'no such price' }],
      });
    }
  }
}

function changeItems(subscription: SubscriptionRecord, items: z.infer<typeof itemsBody>) {
  return items.map((item, index) => {
    if (item.id !== undefined && !subscription.items.some((i) => i.id === item.id)) {
      throw new ApiError('API_VALIDATION_FAILED', `Subscription has no item '${item.id}'`, {
        fields: [
          { location: 'body', path: `items.${index}.id`, message: 'no such item on this subscription' },
        ],
      });
    }
    return { id: item.id ?? newId('si'), priceId: item.price, quantity: item.quantity };
  });
}

export async function subscriptionRoutes(app: TypedApp, ctx: RouteContext): Promise<void> {
  const tags = ['subscriptions'];
  const response = { 200: subscriptionJson };

  app.post(
    '/v1/subscriptions',
    {
      schema: {
        tags,
        summary: 'Create a subscription (its first invoice is created as a draft)',
        body: createBody,
        response: { 201: z.object({ subscription: subscriptionJson, invoice: invoiceJson.nullable() }) },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const result = await change(ctx, request, async (tx, record) => {
        const customer = await loadCustomer(tx, b.customer);
        await checkPrices(tx, b.items);
        const discounts = await loadDiscounts(tx, b.discounts);
        const { billing } = await billingFor(tx);
        const t = billing.createSubscription({
          id: newId('sub'),
          customer: toCoreCustomer(customer),
          items: b.items.map((i) => ({ id: newId('si'), priceId: i.price, quantity: i.quantity })),
          startAt: b.start_at ?? ctx.clock().toISOString(),
          ...(b.trial_end !== undefined ? { trialEnd: b.trial_end } : {}),
          discounts,
          invoiceId: newId('in'),
          discountState: await discountStateFor(tx, b.discounts),
        });
        return persistTransition(ctx, tx, record, t, { before: null, metadata: b.metadata });
      });
      return reply.code(201).send({
        subscription: presentSubscription(result.subscription as SubscriptionRecord),
        invoice: result.invoice ? presentInvoice(result.invoice) : null,
      });
    },
  );

  app.get(
    '/v1/subscriptions/:id',
    { schema: { tags, summary: 'Retrieve a subscription', params: idParams, response } },
    async (request) => presentSubscription(await loadSubscription(tenantOf(ctx, request), request.params.id)),
  );

  app.get(
    '/v1/subscriptions',
    {
      schema: {
        tags,
        summary: 'List subscriptions',
        querystring: listQuery.extend({
          customer: z.string().optional(),
          status: z.enum(['trialing', 'active', 'past_due', 'paused', 'canceled']).optional(),
        }),
        response: { 200: listOf(subscriptionJson) },
      },
    },
    async (request) => {
      const q = request.query;
      const where: Record<string, string> = {};
      if (q.customer !== undefined) where.customerId = q.customer;
      if (q.status !== undefined) where.status = q.status;
      const result = await tenantOf(ctx, request).list('subscription', {
        limit: q.limit,
        ...(q.starting_after !== undefined ? { startingAfter: q.starting_after } : {}),
        where,
      });
      return page(result, presentSubscription);
    },
  );

  app.post(
    '/v1/subscriptions/:id/preview-change',
    {
      config: { scope: 'read' },
      schema: {
        tags,
        summary: 'Preview the invoice a change would produce now (no side effects)',
        params: idParams,
        body: previewBody,
        response: {
          200: z.object({
            object: z.literal('subscription_change_preview'),
            proration_date: z.string(),
            invoice: invoiceJson.nullable(),
          }),
        },
      },
    },
    async (request) => {
      const reader = tenantOf(ctx, request);
      const subscription = await loadSubscription(reader, request.params.id);
      await checkPrices(reader, request.body.items);
      const customer = await loadCustomer(reader, subscription.customerId);
      const { billing } = await billingFor(reader);
      const prorationDate = request.body.proration_date ?? ctx.clock().toISOString();
      const invoice = billing.previewSubscriptionChange(subscription, {
        customer: toCoreCustomer(customer),
        items: changeItems(subscription, request.body.items),
        prorationDate,
        discountState: await discountStateFor(
          reader,
          subscription.discounts.map((d) => String(d.discount.id)),
        ),
      });
      return {
        object: 'subscription_change_preview' as const,
        proration_date: prorationDate,
        invoice: invoice ? presentInvoice(invoice) : null,
      };
    },
  );

  app.post(
    '/v1/subscriptions/:id/change',
    {
      schema: {
        tags,
        summary: 'Change items mid-period with a proration behavior (409 on a concurrent change)',
        params: idParams,
        body: changeBody,
        response: { 200: z.object({ subscription: subscriptionJson, invoice: invoiceJson.nullable() }) },
      },
    },
    async (request) => {
      const b = request.body;
      const result = await change(ctx, request, async (tx, record) => {
        const before = await loadSubscription(tx, request.params.id);
        if (b.expected_version !== undefined && b.expected_version !== before.version) {
          throw new ApiError('API_CONFLICT', 'The subscription changed since you read it; reload and retry', {
            expectedVersion: b.expected_version,
            currentVersion: before.version,
          });
        }
        await checkPrices(tx, b.items);
        const customer = await loadCustomer(tx, before.customerId);
        const { billing } = await billingFor(tx);
        const t = billing.changeSubscription(before, {
          customer: toCoreCustomer(customer),
          items: changeItems(before, b.items),
          prorationDate: b.proration_date ?? ctx.clock().toISOString(),
          prorationBehavior: b.proration_behavior,
          invoiceId: newId('in'),
          discountState: await discountStateFor(
            tx,
            before.discounts.map((d) => String(d.discount.id)),
          ),
        });
        return persistTransition(ctx, tx, record, t, { before });
      });
      return {
        subscription: presentSubscription(result.subscription as SubscriptionRecord),
        invoice: result.invoice ? presentInvoice(result.invoice) : null,
      };
    },
  );

  app.post(
    '/v1/subscriptions/:id/cancel',
    {
      schema: {
        tags,
        summary: 'Cancel now or at the end of the period',
        params: idParams,
        body: cancelBody,
        response: { 200: z.object({ subscription: subscriptionJson, invoice: invoiceJson.nullable() }) },
      },
    },
    async (request) => {
      const b = request.body;
      const result = await change(ctx, request, async (tx, record) => {
        const before = await loadSubscription(tx, request.params.id);
        const customer = await loadCustomer(tx, before.customerId);
        const { billing } = await billingFor(tx);
        const t = billing.cancelSubscription(before, {
          at: ctx.clock().toISOString(),
          atPeriodEnd: b.at_period_end,
          prorate: b.prorate,
          customer: toCoreCustomer(customer),
          invoiceId: newId('in'),
        });
        return persistTransition(ctx, tx, record, t, { before });
      });
      return {
        subscription: presentSubscription(result.subscription as SubscriptionRecord),
        invoice: result.invoice ? presentInvoice(result.invoice) : null,
      };
    },
  );

  app.post(
    '/v1/subscriptions/:id/pause',
    {
      schema: {
        tags,
        summary: 'Pause billing',
        params: idParams,
        body: z.strictObject({}).optional(),
        response,
      },
    },
    async (request) => {
      const result = await change(ctx, request, async (tx, record) => {
        const before = await loadSubscription(tx, request.params.id);
        return persistTransition(
          ctx,
          tx,
          record,
          pauseSubscription(before, { at: ctx.clock().toISOString() }),
          { before },
        );
      });
      return presentSubscription(result.subscription as SubscriptionRecord);
    },
  );

  app.post(
    '/v1/subscriptions/:id/resume',
    {
      schema: {
        tags,
        summary: 'Resume a paused subscription (a new cycle is invoiced if its period has ended)',
        params: idParams,
        body: z.strictObject({}).optional(),
        response: { 200: z.object({ subscription: subscriptionJson, invoice: invoiceJson.nullable() }) },
      },
    },
    async (request) => {
      const result = await change(ctx, request, async (tx, record) => {
        const before = await loadSubscription(tx, request.params.id);
        const customer = await loadCustomer(tx, before.customerId);
        const t = resumeSubscription(
          before,
          { at: ctx.clock().toISOString(), customer: toCoreCustomer(customer), invoiceId: newId('in') },
          await environmentFor(tx),
        );
        return persistTransition(ctx, tx, record, t, { before });
      });
      return {
        subscription: presentSubscription(result.subscription as SubscriptionRecord),
        invoice: result.invoice ? presentInvoice(result.invoice) : null,
      };
    },
  );

  app.post(
    '/v1/subscriptions/:id/discounts',
    {
      schema: {
        tags,
        summary: 'Attach a discount from the next invoice on',
        params: idParams,
        body: z.strictObject({ discount: z.string().min(1) }),
        response,
      },
    },
    async (request) => {
      const result = await change(ctx, request, async (tx, record) => {
        const before = await loadSubscription(tx, request.params.id);
        const [definition] = await loadDiscounts(tx, [request.body.discount]);
        const t = applyDiscountToSubscription(before, {
          discount: definition as DiscountDefinition,
          at: ctx.clock().toISOString(),
        });
        return persistTransition(ctx, tx, record, t, { before });
      });
      return presentSubscription(result.subscription as SubscriptionRecord);
    },
  );
}

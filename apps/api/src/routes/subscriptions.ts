import type {
  CancelSubscriptionInput,
  ChangeSubscriptionInput,
  CreateSubscriptionInput,
  PreviewSubscriptionChangeInput,
  SubscriptionTransitionResult,
} from '@billkit/workflows';
import { z } from 'zod';
import { camelize } from '../http/casing.js';
import { idParams, instantSchema, metadataSchema } from '../http/schemas.js';
import { listRoute, operationOf, type RouteContext, retrieveRoute, type TypedApp } from './context.js';
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

const transitionJson = z.object({ subscription: subscriptionJson, invoice: invoiceJson.nullable() });
const presentTransition = (result: SubscriptionTransitionResult) => ({
  subscription: presentSubscription(result.subscription),
  invoice: result.invoice ? presentInvoice(result.invoice) : null,
});

export async function subscriptionRoutes(app: TypedApp, ctx: RouteContext): Promise<void> {
  const tags = ['subscriptions'];
  const response = { 200: subscriptionJson };
  const subscriptions = ctx.billing.subscriptions;
  const path = '/v1/subscriptions';

  app.post(
    '/v1/subscriptions',
    {
      schema: {
        tags,
        operationId: 'createSubscription',
        summary: 'Create a subscription (its first invoice is created as a draft)',
        body: createBody,
        response: { 201: transitionJson },
      },
    },
    async (request, reply) => {
      const result = await subscriptions.create(
        operationOf(ctx, request),
        camelize<CreateSubscriptionInput>(request.body),
      );
      return reply.code(201).send(presentTransition(result));
    },
  );

  const getSubscription = { tags, operationId: 'getSubscription', summary: 'Retrieve a subscription' };
  retrieveRoute(
    app,
    ctx,
    path,
    getSubscription,
    subscriptionJson,
    subscriptions.retrieve,
    presentSubscription,
  );
  const listSubscriptions = { tags, operationId: 'listSubscriptions', summary: 'List subscriptions' };
  const filters = {
    customer: z.string().optional(),
    status: z.enum(['trialing', 'active', 'past_due', 'paused', 'canceled']).optional(),
  };
  listRoute(
    app,
    ctx,
    path,
    listSubscriptions,
    subscriptionJson,
    filters,
    subscriptions.list,
    presentSubscription,
  );

  app.post(
    '/v1/subscriptions/:id/preview-change',
    {
      config: { scope: 'read' },
      schema: {
        tags,
        operationId: 'previewSubscriptionChange',
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
      const preview = await subscriptions.previewChange(
        operationOf(ctx, request),
        request.params.id,
        camelize<PreviewSubscriptionChangeInput>(request.body),
      );
      return {
        object: 'subscription_change_preview' as const,
        proration_date: preview.prorationDate,
        invoice: preview.invoice ? presentInvoice(preview.invoice) : null,
      };
    },
  );

  app.post(
    '/v1/subscriptions/:id/change',
    {
      schema: {
        tags,
        operationId: 'changeSubscription',
        summary: 'Change items mid-period with a proration behavior (409 on a concurrent change)',
        params: idParams,
        body: changeBody,
        response: { 200: transitionJson },
      },
    },
    async (request) =>
      presentTransition(
        await subscriptions.change(
          operationOf(ctx, request),
          request.params.id,
          camelize<ChangeSubscriptionInput>(request.body),
        ),
      ),
  );

  app.post(
    '/v1/subscriptions/:id/cancel',
    {
      schema: {
        tags,
        operationId: 'cancelSubscription',
        summary: 'Cancel now or at the end of the period',
        params: idParams,
        body: cancelBody,
        response: { 200: transitionJson },
      },
    },
    async (request) =>
      presentTransition(
        await subscriptions.cancel(
          operationOf(ctx, request),
          request.params.id,
          camelize<CancelSubscriptionInput>(request.body),
        ),
      ),
  );

  app.post(
    '/v1/subscriptions/:id/pause',
    {
      schema: {
        tags,
        operationId: 'pauseSubscription',
        summary: 'Pause billing',
        params: idParams,
        body: z.strictObject({}).optional(),
        response,
      },
    },
    async (request) =>
      presentSubscription(await subscriptions.pause(operationOf(ctx, request), request.params.id)),
  );

  app.post(
    '/v1/subscriptions/:id/resume',
    {
      schema: {
        tags,
        operationId: 'resumeSubscription',
        summary: 'Resume a paused subscription (a new cycle is invoiced if its period has ended)',
        params: idParams,
        body: z.strictObject({}).optional(),
        response: { 200: transitionJson },
      },
    },
    async (request) =>
      presentTransition(await subscriptions.resume(operationOf(ctx, request), request.params.id)),
  );

  app.post(
    '/v1/subscriptions/:id/discounts',
    {
      schema: {
        tags,
        operationId: 'attachSubscriptionDiscount',
        summary: 'Attach a discount from the next invoice on',
        params: idParams,
        body: z.strictObject({ discount: z.string().min(1) }),
        response,
      },
    },
    async (request) =>
      presentSubscription(
        await subscriptions.attachDiscount(operationOf(ctx, request), request.params.id, request.body),
      ),
  );
}

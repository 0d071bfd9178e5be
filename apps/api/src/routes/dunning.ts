import { z } from 'zod';
import { instantSchema } from '../http/schemas.js';
import { operationOf, type RouteContext, type TypedApp } from './context.js';

const outcomeJson = z.object({
  invoice: z.string(),
  action: z.enum(['waiting', 'retried', 'uncollectible', 'skipped']),
  retry_at: z.string().optional(),
  retry_number: z.number().int().optional(),
  result: z.enum(['succeeded', 'failed', 'pending']).optional(),
  failed_attempts: z.number().int().optional(),
  subscription: z.enum(['canceled', 'left_past_due']).nullable().optional(),
  reason: z.string().optional(),
});

const summaryJson = z
  .object({
    object: z.literal('dunning_run'),
    now: z.string(),
    considered: z.number().int(),
    outcomes: z.array(outcomeJson),
  })
  .meta({ id: 'DunningRun' });

export async function dunningRoutes(app: TypedApp, ctx: RouteContext): Promise<void> {
  app.post(
    '/v1/dunning-runs',
    {
      // Gateway calls and one transaction per invoice: claimed before, completed after.
      config: { scope: 'admin', idempotency: 'claim' },
      schema: {
        tags: ['billing runs'],
        operationId: 'createDunningRun',
        summary:
          'Retry failed invoice payments that are due (DUNNING_SCHEDULE_DAYS), then give up per policy',
        body: z.strictObject({ now: instantSchema.optional().describe('Default: now') }),
        response: { 200: summaryJson },
      },
    },
    async (request) => {
      const summary = await ctx.billing.dunning.run(operationOf(ctx, request), request.body);
      return {
        object: 'dunning_run' as const,
        now: summary.now,
        considered: summary.considered,
        outcomes: summary.outcomes.map((o) => ({
          invoice: o.invoiceId,
          action: o.action,
          ...(o.action === 'waiting' ? { retry_at: o.retryAt } : {}),
          ...(o.action === 'retried' ? { retry_number: o.retryNumber, result: o.result } : {}),
          ...(o.action === 'uncollectible'
            ? { failed_attempts: o.failedAttempts, subscription: o.subscription }
            : {}),
          ...(o.action === 'skipped' ? { reason: o.reason } : {}),
        })),
      };
    },
  );
}

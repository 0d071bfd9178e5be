import type { BillingRunRecord } from '@billkit/db';
import { BILLING_RUN_INTERNAL_ERROR, type WorkflowErrorCode } from '@billkit/workflows';
import { z } from 'zod';
import { camelize } from '../http/casing.js';
import { API_CODE_OF_WORKFLOW } from '../http/problem.js';
import { instantSchema } from '../http/schemas.js';
import { listRoute, operationOf, type RouteContext, retrieveRoute, type TypedApp } from './context.js';

const runJson = z
  .object({
    id: z.string(),
    object: z.literal('billing_run'),
    up_to: z.string(),
    status: z.enum(['running', 'completed', 'failed']),
    considered: z.number().int(),
    renewed: z.number().int().describe('Periods renewed (a subscription far behind renews several times)'),
    skipped: z.number().int(),
    failed: z.number().int(),
    invoices: z.array(z.string()),
    errors: z.array(z.object({ subscription: z.string(), code: z.string(), message: z.string() })),
    created_at: z.string(),
    completed_at: z.string().nullable(),
  })
  .meta({ id: 'BillingRun' });

function presentRun(r: BillingRunRecord): z.infer<typeof runJson> {
  return {
    id: r.id,
    object: 'billing_run',
    up_to: r.upTo,
    status: r.status,
    considered: r.considered,
    renewed: r.renewed,
    skipped: r.skipped,
    failed: r.failed,
    invoices: r.invoiceIds,
    errors: r.errors.map((e) => ({
      subscription: e.subscriptionId,
      code: apiCode(e.code),
      message: e.message,
    })),
    created_at: r.createdAt,
    completed_at: r.completedAt,
  };
}

/** A renewal's error code as the API names it (workflow codes under the API's prefix). */
function apiCode(code: string): string {
  if (code === BILLING_RUN_INTERNAL_ERROR) return 'API_INTERNAL';
  return API_CODE_OF_WORKFLOW[code as WorkflowErrorCode] ?? code;
}

export async function billingRunRoutes(app: TypedApp, ctx: RouteContext): Promise<void> {
  const tags = ['billing runs'];
  app.post(
    '/v1/billing-runs',
    {
      // One transaction per renewal: the key is claimed before the run and completed after it.
      config: { scope: 'admin', idempotency: 'claim' },
      schema: {
        tags,
        operationId: 'createBillingRun',
        summary: 'Renew every subscription whose period ends at or before up_to (safe to call twice)',
        body: z.strictObject({ up_to: instantSchema.optional().describe('Default: now') }),
        response: { 201: runJson },
      },
    },
    async (request, reply) => {
      const run = await ctx.billing.billingRuns.create(operationOf(ctx, request), camelize(request.body));
      request.log.info(
        { run: run.id, upTo: run.upTo, considered: run.considered, renewed: run.renewed, failed: run.failed },
        'billing run completed',
      );
      for (const e of run.errors)
        request.log.warn({ run: run.id, subscription: e.subscriptionId, code: e.code }, 'renewal failed');
      return reply.code(201).send(presentRun(run));
    },
  );

  const { billingRuns } = ctx.billing;
  const getRun = {
    tags,
    operationId: 'getBillingRun',
    summary: 'Retrieve a billing run',
    scope: 'admin' as const,
  };
  retrieveRoute(app, ctx, '/v1/billing-runs', getRun, runJson, billingRuns.retrieve, presentRun);
  const listRuns = {
    tags,
    operationId: 'listBillingRuns',
    summary: 'List billing runs',
    scope: 'admin' as const,
  };
  listRoute(app, ctx, '/v1/billing-runs', listRuns, runJson, {}, billingRuns.list, presentRun);
}

import { z } from 'zod';
import { billingFor, listAll, toCoreCustomer } from '@billkit/workflows';
import { notFound } from '../http/problem.js';
import { idParams, instantSchema, listOf, listQuery, page } from '../http/schemas.js';
import { newId } from '@billkit/workflows';
import { discountStateFor, persistTransition } from '@billkit/workflows';
import type { BillingRunRecord } from '@billkit/db';
import { change, type RouteContext, type TypedApp, tenantOf } from './context.js';

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
    errors: r.errors.map((e) => ({ subscription: e.subscriptionId, code: e.code, message: e.message })),
    created_at: r.createdAt,
    completed_at: r.completedAt,
  };
}

const RENEWABLE = new Set(['active', 'trialing', 'past_due']);
const MAX_PERIODS_PER_RUN = 120;

export async function billingRunRoutes(app: TypedApp, ctx: RouteContext): Promise<void> {
  const tags = ['billing runs'];
  app.post(
    '/v1/billing-runs',
    {
      // One transaction per renewal: the key is claimed before the run and completed after it.
      config: { scope: 'admin', idempotency: 'claim' },
      schema: {
        tags,
        summary: 'Renew every subscription whose period ends at or before up_to (safe to call twice)',
        body: z.strictObject({ up_to: instantSchema.optional().describe('Default: now') }),
        response: { 201: runJson },
      },
    },
    async (request, reply) => {
      const upTo = new Date(request.body.up_to ?? ctx.clock().toISOString()).toISOString();
      const reader = tenantOf(ctx, request);
      const now = ctx.clock().toISOString();
      const run: BillingRunRecord = {
        id: newId('brun'),
        upTo,
        status: 'running',
        considered: 0,
        renewed: 0,
        skipped: 0,
        failed: 0,
        invoiceIds: [],
        errors: [],
        createdAt: now,
        completedAt: null,
        updatedAt: now,
      };
      const due = (await listAll(reader, 'subscription')).filter(
        (s) => RENEWABLE.has(s.status) && Date.parse(s.currentPeriodEnd) <= Date.parse(upTo),
      );
      run.considered = due.length;
      request.log.info({ run: run.id, due: due.length, upTo }, 'billing run started');
      for (const [index, candidate] of due.entries()) {
        let renewedHere = 0;
        try {
          // One transaction per period: each renewal is version-checked, so a concurrent run (or a retry)
          // that already advanced the subscription makes this one skip instead of billing twice.
          for (let periods = 0; periods < MAX_PERIODS_PER_RUN; periods++) {
            const renewedInvoice = await change(ctx, request, async (tx, record) => {
              const before = await tx.get('subscription', candidate.id);
              if (
                !before ||
                !RENEWABLE.has(before.status) ||
                Date.parse(before.currentPeriodEnd) > Date.parse(upTo)
              ) {
                return undefined;
              }
              const customer = await tx.get('customer', before.customerId);
              if (!customer) return undefined;
              const { billing } = await billingFor(tx);
              const t = billing.renewSubscription(before, {
                customer: toCoreCustomer(customer),
                invoiceId: newId('in'),
                discountState: await discountStateFor(
                  tx,
                  before.discounts.map((d) => String(d.discount.id)),
                ),
              });
              const saved = await persistTransition(ctx, tx, record, t, { before });
              return saved.invoice?.id ?? null;
            });
            if (renewedInvoice === undefined) break;
            run.renewed += 1;
            renewedHere += 1;
            if (renewedInvoice) run.invoiceIds.push(renewedInvoice);
          }
          if (renewedHere === 0) run.skipped += 1;
        } catch (error) {
          run.failed += 1;
          const code = (error as { code?: string }).code ?? 'API_INTERNAL';
          run.errors.push({ subscriptionId: candidate.id, code, message: (error as Error).message });
          request.log.warn({ run: run.id, subscription: candidate.id, code }, 'renewal failed');
        }
        request.log.info({ run: run.id, progress: `${index + 1}/${due.length}` }, 'billing run progress');
      }
      run.status = run.failed > 0 ? 'failed' : 'completed';
      run.completedAt = ctx.clock().toISOString();
      run.updatedAt = run.completedAt;
      await change(ctx, request, async (tx, record) => {
        await tx.insert('billing_run', run);
        await record({
          type: 'billing_run.completed',
          entityType: 'billing_run',
          entityId: run.id,
          before: null,
          after: run,
        });
      });
      return reply.code(201).send(presentRun(run));
    },
  );

  app.get(
    '/v1/billing-runs/:id',
    {
      config: { scope: 'admin' },
      schema: { tags, summary: 'Retrieve a billing run', params: idParams, response: { 200: runJson } },
    },
    async (request) => {
      const found = await tenantOf(ctx, request).get('billing_run', request.params.id);
      if (!found) throw notFound('billing_run', request.params.id);
      return presentRun(found);
    },
  );

  app.get(
    '/v1/billing-runs',
    {
      // One transaction per renewal: the key is claimed before the run and completed after it.
      config: { scope: 'admin', idempotency: 'claim' },
      schema: {
        tags,
        summary: 'List billing runs',
        querystring: listQuery,
        response: { 200: listOf(runJson) },
      },
    },
    async (request) => {
      const q = request.query;
      const result = await tenantOf(ctx, request).list('billing_run', {
        limit: q.limit,
        ...(q.starting_after !== undefined ? { startingAfter: q.starting_after } : {}),
      });
      return page(result, presentRun);
    },
  );
}

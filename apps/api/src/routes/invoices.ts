import {
  createCreditNote,
  finalizeInvoice,
  markSubscriptionPastDue,
  markSubscriptionRecovered,
  payInvoice,
  recordInvoicePaymentFailure,
  voidInvoice,
} from '@billkit/billing-core';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { billingFor, discountDefinition, toCoreCustomer } from '@billkit/workflows';
import { authOf } from '../http/auth.js';
import { ApiError, notFound } from '../http/problem.js';
import { idParams, listOf, listQuery, page } from '../http/schemas.js';
import { newId } from '@billkit/workflows';
import { discountStateFor, invoiceRecord, persistTransition } from '@billkit/workflows';
import type { TenantReader, TenantTransaction } from '@billkit/db';
import type { CreditNoteRecord, InvoiceRecord } from '@billkit/db';
import { upcomingInvoiceJson } from '../upcoming-invoice.js';
import {
  type AuditChange,
  change,
  type RouteContext,
  recordTransitionEvents,
  type TypedApp,
  tenantOf,
} from './context.js';
import { creditNoteJson, invoiceJson, presentCreditNote, presentInvoice } from './presenters.js';

/** The invoice, or 404; `forUpdate` (in a transaction that will update it): locked until the commit. */
async function loadInvoice(reader: TenantReader, id: string, forUpdate?: false): Promise<InvoiceRecord>;
async function loadInvoice(reader: TenantTransaction, id: string, forUpdate: true): Promise<InvoiceRecord>;
async function loadInvoice(
  reader: TenantReader | TenantTransaction,
  id: string,
  forUpdate = false,
): Promise<InvoiceRecord> {
  const found = forUpdate
    ? await (reader as TenantTransaction).getForUpdate('invoice', id)
    : await reader.get('invoice', id);
  if (!found) throw notFound('invoice', id);
  return found;
}

const oneOffBody = z.strictObject({
  customer: z.string().min(1),
  items: z
    .array(
      z.strictObject({
        price: z.string().min(1),
        quantity: z.number().int().min(1).max(1_000_000).default(1),
        description: z.string().max(500).optional(),
      }),
    )
    .min(1)
    .max(100),
  discounts: z.array(z.string().min(1)).max(10).default([]),
});

const payBody = z
  .strictObject({
    payment_method: z.string().min(1).optional().describe('Gateway payment method id (e.g. Tilled pm_…)'),
    gateway_customer: z.string().min(1).optional().describe('Gateway customer id owning the payment method'),
    paid_out_of_band: z.boolean().default(false).describe('Record a payment made outside billkit'),
  })
  .refine((b) => b.paid_out_of_band !== (b.payment_method !== undefined), {
    message: 'Give either payment_method or paid_out_of_band: true',
    path: ['payment_method'],
  });

const creditNoteBody = z.strictObject({
  invoice: z.string().min(1),
  lines: z
    .array(
      z.strictObject({
        invoice_line: z.string().min(1),
        amount: z
          .number()
          .int()
          .min(1)
          .optional()
          .describe('Minor units of the line amount to credit; default: all left'),
        quantity: z.number().int().min(1).optional(),
      }),
    )
    .min(1)
    .max(100),
  reason: z.enum(['duplicate', 'fraudulent', 'order_change', 'product_unsatisfactory']).optional(),
  credit_to: z.enum(['refund', 'customer_balance']).optional(),
  memo: z.string().max(1000).optional(),
});

/** Applies a successful (or failed) payment to the invoice and its subscription, with audit events. */
async function settle(
  ctx: RouteContext,
  tx: TenantTransaction,
  record: (entry: AuditChange) => Promise<void>,
  before: InvoiceRecord,
  outcome: {
    status: 'succeeded' | 'failed' | 'pending';
    paymentIntentId: string | null;
    attemptId: string;
    failure?: string;
  },
): Promise<InvoiceRecord> {
  const at = ctx.clock().toISOString();
  const base = {
    ...before,
    paymentIntentId: outcome.paymentIntentId ?? before.paymentIntentId,
    updatedAt: at,
  };
  if (outcome.status === 'pending') {
    await tx.update('invoice', base);
    await record({
      type: 'invoice.payment_pending',
      entityType: 'invoice',
      entityId: before.id,
      before,
      after: base,
    });
    return base;
  }
  const t =
    outcome.status === 'succeeded'
      ? payInvoice(before, { at })
      : recordInvoicePaymentFailure(before, {
          at,
          attemptId: outcome.attemptId,
          ...(outcome.failure !== undefined ? { failureCode: outcome.failure } : {}),
        });
  const after: InvoiceRecord = {
    ...base,
    ...t.invoice,
    paymentIntentId: base.paymentIntentId,
    updatedAt: at,
    lastPaymentError: outcome.status === 'failed' ? (outcome.failure ?? 'payment_failed') : null,
  };
  await tx.update('invoice', after);
  await recordTransitionEvents(record, t.events, {
    entityType: 'invoice',
    entityId: before.id,
    before,
    after,
  });
  if (before.subscriptionId) {
    const subscription = await tx.get('subscription', before.subscriptionId);
    if (subscription) {
      if (outcome.status === 'succeeded' && subscription.status === 'past_due') {
        await persistTransition(
          ctx,
          tx,
          record,
          markSubscriptionRecovered(subscription, { at, invoiceId: before.id }),
          {
            before: subscription,
          },
        );
      }
      if (outcome.status === 'failed' && ['active', 'trialing', 'past_due'].includes(subscription.status)) {
        await persistTransition(
          ctx,
          tx,
          record,
          markSubscriptionPastDue(subscription, { at, invoiceId: before.id }),
          {
            before: subscription,
          },
        );
      }
    }
  }
  return after;
}

export { settle as settleInvoicePayment };

/** A gateway error as a short, secret-free summary (its code, e.g. TILLED_TIMEOUT, or a generic label). */
function gatewayErrorSummary(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[A-Z0-9_]{1,64}$/.test(code) ? code : 'gateway_error';
}

export async function invoiceRoutes(app: TypedApp, ctx: RouteContext): Promise<void> {
  const tags = ['invoices'];
  const response = { 200: invoiceJson };

  app.get(
    '/v1/invoices/upcoming',
    {
      schema: {
        tags,
        summary:
          "Preview a subscription's next invoice (next period plus pending prorations); nothing is stored",
        querystring: z.strictObject({ subscription: z.string().min(1) }),
        response,
      },
    },
    async (request, reply) => {
      const body = await upcomingInvoiceJson(
        tenantOf(ctx, request),
        request.query.subscription,
        authOf(request).changeMarker,
      );
      // Already serialised through invoiceJson: sent as is.
      return reply.type('application/json; charset=utf-8').send(body as never);
    },
  );

  app.post(
    '/v1/invoices',
    {
      schema: {
        tags,
        summary: 'Create a one-off invoice (draft)',
        body: oneOffBody,
        response: { 201: invoiceJson },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const invoice = await change(ctx, request, async (tx, record) => {
        const customer = await tx.get('customer', b.customer);
        if (!customer) {
          throw new ApiError('API_NOT_FOUND', `No such customer: '${b.customer}'`, {
            fields: [{ location: 'body', path: 'customer', message: 'no such customer' }],
          });
        }
        for (const [index, item] of b.items.entries()) {
          if (!(await tx.get('price', item.price))) {
            throw new ApiError('API_NOT_FOUND', `No such price: '${item.price}'`, {
              fields: [{ location: 'body', path: `items.${index}.price`, message: 'no such price' }],
            });
          }
        }
        const discounts = [];
        for (const id of b.discounts) {
          const d = await tx.get('discount', id);
          if (!d?.active) throw new ApiError('API_NOT_FOUND', `No such active discount: '${id}'`);
          discounts.push(discountDefinition(d));
        }
        const { billing } = await billingFor(tx);
        const built = billing.buildInvoice({
          invoiceId: newId('in'),
          customer: toCoreCustomer(customer),
          billingReason: 'manual',
          createdAt: ctx.clock().toISOString(),
          items: b.items.map((i) => ({
            priceId: i.price,
            quantity: i.quantity,
            ...(i.description !== undefined ? { description: i.description } : {}),
          })),
          discounts,
          discountState: await discountStateFor(tx, b.discounts),
        });
        const saved = await persistTransition(
          ctx,
          tx,
          record,
          { invoice: built.invoice, events: [], discounts: { applied: built.appliedDiscounts } },
          { before: null },
        );
        return saved.invoice as InvoiceRecord;
      });
      return reply.code(201).send(presentInvoice(invoice));
    },
  );

  app.get(
    '/v1/invoices/:id',
    { schema: { tags, summary: 'Retrieve an invoice', params: idParams, response } },
    async (request) => presentInvoice(await loadInvoice(tenantOf(ctx, request), request.params.id)),
  );

  app.get(
    '/v1/invoices',
    {
      schema: {
        tags,
        summary: 'List invoices',
        querystring: listQuery.extend({
          customer: z.string().optional(),
          subscription: z.string().optional(),
          status: z.enum(['draft', 'open', 'paid', 'void', 'uncollectible']).optional(),
        }),
        response: { 200: listOf(invoiceJson) },
      },
    },
    async (request) => {
      const q = request.query;
      const where: Record<string, string> = {};
      if (q.customer !== undefined) where.customerId = q.customer;
      if (q.subscription !== undefined) where.subscriptionId = q.subscription;
      if (q.status !== undefined) where.status = q.status;
      const result = await tenantOf(ctx, request).list('invoice', {
        limit: q.limit,
        ...(q.starting_after !== undefined ? { startingAfter: q.starting_after } : {}),
        where,
      });
      return page(result, presentInvoice);
    },
  );

  app.post(
    '/v1/invoices/:id/finalize',
    {
      schema: {
        tags,
        summary:
          'Finalize a draft: gap-free number, due date, status open (paid at once when nothing is due)',
        params: idParams,
        body: z.strictObject({ days_until_due: z.number().int().min(0).max(365).default(30) }).optional(),
        response,
      },
    },
    async (request) => {
      const days = request.body?.days_until_due ?? 30;
      const invoice = await change(ctx, request, async (tx, record) => {
        const before = await loadInvoice(tx, request.params.id, true);
        if (before.status !== 'draft') {
          throw new ApiError('API_INVALID_STATE', `Invoice ${before.id} is ${before.status}, not draft`);
        }
        const at = ctx.clock().toISOString();
        const t = finalizeInvoice(before, { number: await tx.nextNumber('invoice'), at, daysUntilDue: days });
        const after: InvoiceRecord = { ...before, ...t.invoice, updatedAt: at };
        await tx.update('invoice', after);
        await recordTransitionEvents(record, t.events, {
          entityType: 'invoice',
          entityId: after.id,
          before,
          after,
        });
        return after;
      });
      return presentInvoice(invoice);
    },
  );

  app.post(
    '/v1/invoices/:id/pay',
    {
      // Calls the payment gateway between transactions: the key is claimed before, completed after.
      config: { idempotency: 'claim' },
      schema: {
        tags,
        summary: 'Pay an open invoice through the payment gateway (or record an out-of-band payment)',
        params: idParams,
        body: payBody,
        response: { ...response, 402: z.unknown() },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const reader = tenantOf(ctx, request);
      const current = await loadInvoice(reader, request.params.id);
      if (current.status !== 'open')
        throw new ApiError('API_INVALID_STATE', `Invoice ${current.id} is ${current.status}, not open`);
      const attemptId = `${current.id}_attempt_${current.paymentAttempts + 1}`;
      let outcome: Parameters<typeof settle>[4];
      if (b.paid_out_of_band) {
        outcome = { status: 'succeeded', paymentIntentId: null, attemptId };
      } else {
        const gateway = ctx.gatewayFor(authOfTenant(request));
        if (!gateway)
          throw new ApiError('API_INVALID_STATE', 'No payment gateway is configured for this tenant');
        const customer = await reader.get('customer', current.customerId);
        let intent: Awaited<ReturnType<typeof gateway.createPaymentIntent>>;
        try {
          intent = await gateway.createPaymentIntent({
            gatewayCustomerId: b.gateway_customer ?? customer?.metadata.tilled_customer_id ?? '',
            paymentMethodId: b.payment_method as string,
            amount: current.amountRemaining,
            metadata: { invoiceId: current.id, attemptId },
            idempotencyKey: attemptId,
          });
        } catch (error) {
          // The gateway failed or timed out: the charge may or may not exist. Record the attempt and its
          // error, but do not count it: a retry must reuse this attempt id, so the gateway finds the
          // intent if one was created and never charges twice. A late webhook settles the invoice.
          await change(ctx, request, async (tx, record) => {
            const before = await loadInvoice(tx, request.params.id, true);
            const after: InvoiceRecord = {
              ...before,
              lastPaymentError: gatewayErrorSummary(error),
              updatedAt: ctx.clock().toISOString(),
            };
            await tx.update('invoice', after);
            await record({
              type: 'invoice.payment_attempt_errored',
              entityType: 'invoice',
              entityId: after.id,
              before,
              after,
              extra: { attemptId, error: gatewayErrorSummary(error) },
            });
          });
          throw error;
        }
        outcome =
          intent.status === 'succeeded'
            ? { status: 'succeeded', paymentIntentId: intent.id, attemptId }
            : intent.status === 'processing' || intent.status === 'requires_action'
              ? { status: 'pending', paymentIntentId: intent.id, attemptId }
              : {
                  status: 'failed',
                  paymentIntentId: intent.id,
                  attemptId,
                  failure: intent.failureCode ?? intent.failureMessage ?? intent.status,
                };
      }
      const invoice = await change(ctx, request, async (tx, record) => {
        const before = await loadInvoice(tx, request.params.id, true);
        const counted = {
          ...before,
          paymentAttempts: before.paymentAttempts + 1,
          paymentMethodId: b.payment_method ?? before.paymentMethodId ?? null,
          gatewayCustomerId: b.gateway_customer ?? before.gatewayCustomerId ?? null,
        };
        if (before.status === 'paid') return before; // the webhook got there first
        return settle(ctx, tx, record, counted, outcome);
      });
      if (outcome.status === 'failed') {
        throw new ApiError('API_PAYMENT_FAILED', `The payment was declined: ${outcome.failure}`, {
          invoice: invoice.id,
        });
      }
      return reply.send(presentInvoice(invoice));
    },
  );

  app.post(
    '/v1/invoices/:id/void',
    {
      schema: {
        tags,
        summary: 'Void an open invoice',
        params: idParams,
        body: z.strictObject({}).optional(),
        response,
      },
    },
    async (request) => {
      const invoice = await change(ctx, request, async (tx, record) => {
        const before = await loadInvoice(tx, request.params.id, true);
        const at = ctx.clock().toISOString();
        const t = voidInvoice(before, { at });
        const after: InvoiceRecord = { ...before, ...t.invoice, updatedAt: at };
        await tx.update('invoice', after);
        await recordTransitionEvents(record, t.events, {
          entityType: 'invoice',
          entityId: after.id,
          before,
          after,
        });
        return after;
      });
      return presentInvoice(invoice);
    },
  );

  const cnTags = ['credit notes'];
  app.post(
    '/v1/credit-notes',
    {
      schema: {
        tags: cnTags,
        summary: 'Issue a credit note against an open or paid invoice',
        body: creditNoteBody,
        response: { 201: creditNoteJson },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const note = await change(ctx, request, async (tx, record) => {
        const invoice = await tx.get('invoice', b.invoice);
        if (!invoice) {
          throw new ApiError('API_NOT_FOUND', `No such invoice: '${b.invoice}'`, {
            fields: [{ location: 'body', path: 'invoice', message: 'no such invoice' }],
          });
        }
        const previous = (await tx.list('credit_note', { limit: 100, where: { invoiceId: invoice.id } }))
          .data;
        const at = ctx.clock().toISOString();
        const { creditNote, events } = createCreditNote(
          invoice,
          {
            id: newId('cn'),
            number: await tx.nextNumber('credit_note'),
            at,
            lines: b.lines.map((l) => ({
              invoiceLineId: l.invoice_line,
              ...(l.amount !== undefined ? { amount: l.amount } : {}),
              ...(l.quantity !== undefined ? { quantity: l.quantity } : {}),
            })),
            ...(b.reason !== undefined ? { reason: b.reason } : {}),
            ...(b.credit_to !== undefined ? { creditTo: b.credit_to } : {}),
          },
          previous,
        );
        const saved: CreditNoteRecord = { ...creditNote, memo: b.memo ?? null, updatedAt: at };
        await tx.insert('credit_note', saved);
        await recordTransitionEvents(record, events, {
          entityType: 'credit_note',
          entityId: saved.id,
          before: null,
          after: saved,
        });
        return saved;
      });
      return reply.code(201).send(presentCreditNote(note));
    },
  );

  app.get(
    '/v1/credit-notes/:id',
    {
      schema: {
        tags: cnTags,
        summary: 'Retrieve a credit note',
        params: idParams,
        response: { 200: creditNoteJson },
      },
    },
    async (request) => {
      const found = await tenantOf(ctx, request).get('credit_note', request.params.id);
      if (!found) throw notFound('credit_note', request.params.id);
      return presentCreditNote(found);
    },
  );

  app.get(
    '/v1/credit-notes',
    {
      schema: {
        tags: cnTags,
        summary: 'List credit notes',
        querystring: listQuery.extend({ invoice: z.string().optional() }),
        response: { 200: listOf(creditNoteJson) },
      },
    },
    async (request) => {
      const q = request.query;
      const result = await tenantOf(ctx, request).list('credit_note', {
        limit: q.limit,
        ...(q.starting_after !== undefined ? { startingAfter: q.starting_after } : {}),
        where: q.invoice !== undefined ? { invoiceId: q.invoice } : {},
      });
      return page(result, presentCreditNote);
    },
  );
}

function authOfTenant(request: FastifyRequest): string {
  if (!request.auth) throw new ApiError('API_UNAUTHENTICATED', 'Not authenticated');
  return request.auth.tenantId;
}

export { invoiceRecord };

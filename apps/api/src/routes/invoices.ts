import type { Invoice } from '@billkit/billing-core';
import { z } from 'zod';
import { authOf } from '../http/auth.js';
import { camelize } from '../http/casing.js';
import { idParams } from '../http/schemas.js';
import { listRoute, operationOf, type RouteContext, retrieveRoute, type TypedApp } from './context.js';
import { creditNoteJson, invoiceJson, presentCreditNote, presentInvoice } from './presenters.js';

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

/**
 * The serialised upcoming-invoice body, by preview object: the workflow returns the same object while the
 * preview's inputs are unchanged, so the hottest read skips presenting and serialising too.
 */
const upcomingBodies = new WeakMap<Invoice, string>();

function upcomingBody(invoice: Invoice): string {
  let body = upcomingBodies.get(invoice);
  if (body === undefined) {
    body = JSON.stringify(invoiceJson.encode(presentInvoice(invoice)));
    upcomingBodies.set(invoice, body);
  }
  return body;
}

export async function invoiceRoutes(app: TypedApp, ctx: RouteContext): Promise<void> {
  const tags = ['invoices'];
  const response = { 200: invoiceJson };

  app.get(
    '/v1/invoices/upcoming',
    {
      schema: {
        tags,
        operationId: 'getUpcomingInvoice',
        summary:
          "Preview a subscription's next invoice (next period plus pending prorations); nothing is stored",
        querystring: z.strictObject({ subscription: z.string().min(1) }),
        response,
      },
    },
    async (request, reply) => {
      const invoice = await ctx.billing.invoices.upcoming(operationOf(ctx, request), {
        subscription: request.query.subscription,
        changeMarker: authOf(request).changeMarker,
      });
      // Already serialised through invoiceJson: sent as is.
      return reply.type('application/json; charset=utf-8').send(upcomingBody(invoice) as never);
    },
  );

  app.post(
    '/v1/invoices',
    {
      schema: {
        tags,
        operationId: 'createInvoice',
        summary: 'Create a one-off invoice (draft)',
        body: oneOffBody,
        response: { 201: invoiceJson },
      },
    },
    async (request, reply) => {
      const invoice = await ctx.billing.invoices.create(operationOf(ctx, request), request.body);
      return reply.code(201).send(presentInvoice(invoice));
    },
  );

  const { invoices } = ctx.billing;
  const getInvoice = { tags, operationId: 'getInvoice', summary: 'Retrieve an invoice' };
  retrieveRoute(app, ctx, '/v1/invoices', getInvoice, invoiceJson, invoices.retrieve, presentInvoice);
  const listInvoices = { tags, operationId: 'listInvoices', summary: 'List invoices' };
  const filters = {
    customer: z.string().optional(),
    subscription: z.string().optional(),
    status: z.enum(['draft', 'open', 'paid', 'void', 'uncollectible']).optional(),
  };
  listRoute(app, ctx, '/v1/invoices', listInvoices, invoiceJson, filters, invoices.list, presentInvoice);

  app.post(
    '/v1/invoices/:id/finalize',
    {
      schema: {
        tags,
        operationId: 'finalizeInvoice',
        summary:
          'Finalize a draft: gap-free number, due date, status open (paid at once when nothing is due)',
        params: idParams,
        body: z.strictObject({ days_until_due: z.number().int().min(0).max(365).default(30) }).optional(),
        response,
      },
    },
    async (request) =>
      presentInvoice(
        await ctx.billing.invoices.finalize(operationOf(ctx, request), request.params.id, {
          daysUntilDue: request.body?.days_until_due ?? 30,
        }),
      ),
  );

  app.post(
    '/v1/invoices/:id/pay',
    {
      // Calls the payment gateway between transactions: the key is claimed before, completed after.
      config: { idempotency: 'claim' },
      schema: {
        tags,
        operationId: 'payInvoice',
        summary: 'Pay an open invoice through the payment gateway (or record an out-of-band payment)',
        params: idParams,
        body: payBody,
        response: { ...response, 402: z.unknown() },
      },
    },
    async (request) =>
      presentInvoice(
        await ctx.billing.invoices.pay(operationOf(ctx, request), request.params.id, camelize(request.body)),
      ),
  );

  app.post(
    '/v1/invoices/:id/void',
    {
      schema: {
        tags,
        operationId: 'voidInvoice',
        summary: 'Void an open invoice',
        params: idParams,
        body: z.strictObject({}).optional(),
        response,
      },
    },
    async (request) =>
      presentInvoice(await ctx.billing.invoices.void(operationOf(ctx, request), request.params.id)),
  );

  const cnTags = ['credit notes'];
  app.post(
    '/v1/credit-notes',
    {
      schema: {
        tags: cnTags,
        operationId: 'createCreditNote',
        summary: 'Issue a credit note against an open or paid invoice',
        body: creditNoteBody,
        response: { 201: creditNoteJson },
      },
    },
    async (request, reply) => {
      const note = await ctx.billing.invoices.createCreditNote(
        operationOf(ctx, request),
        camelize(request.body),
      );
      return reply.code(201).send(presentCreditNote(note));
    },
  );

  const getNote = { tags: cnTags, operationId: 'getCreditNote', summary: 'Retrieve a credit note' };
  retrieveRoute(
    app,
    ctx,
    '/v1/credit-notes',
    getNote,
    creditNoteJson,
    invoices.retrieveCreditNote,
    presentCreditNote,
  );
  const listNotes = { tags: cnTags, operationId: 'listCreditNotes', summary: 'List credit notes' };
  const byInvoice = { invoice: z.string().optional() };
  listRoute(
    app,
    ctx,
    '/v1/credit-notes',
    listNotes,
    creditNoteJson,
    byInvoice,
    invoices.listCreditNotes,
    presentCreditNote,
  );
}

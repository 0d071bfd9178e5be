import type { CreditNoteRecord, InvoiceRecord, SubscriptionRecord } from '@billkit/db';
import { z } from 'zod';
import { snakeize } from '../http/casing.js';

const money = z.object({ amount: z.number().int(), currency: z.string() });

export const subscriptionJson = z
  .looseObject({
    id: z.string(),
    object: z.literal('subscription'),
    customer: z.string(),
    currency: z.string(),
    status: z.enum(['trialing', 'active', 'past_due', 'paused', 'canceled']),
    items: z.array(z.object({ id: z.string(), price: z.string(), quantity: z.number().int() })),
    current_period_start: z.string(),
    current_period_end: z.string(),
    billing_cycle_anchor: z.string(),
    trial_start: z.string().nullable(),
    trial_end: z.string().nullable(),
    cancel_at_period_end: z.boolean(),
    canceled_at: z.string().nullable(),
    ended_at: z.string().nullable(),
    paused_at: z.string().nullable(),
    discounts: z.array(
      z.looseObject({
        credit_remaining: z
          .number()
          .int()
          .nullable()
          .describe("What is left of a credit discount's amount (minor units); null for other discounts"),
      }),
    ),
    pending_invoice_items: z.array(z.record(z.string(), z.unknown())),
    latest_invoice: z.string().nullable(),
    periods_billed: z.number().int(),
    version: z.number().int().describe('Increases with every change (optimistic concurrency)'),
    metadata: z.record(z.string(), z.string()),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'Subscription' });

export function presentSubscription(s: SubscriptionRecord): z.infer<typeof subscriptionJson> {
  const { customerId, latestInvoiceId, items, metadata, billedLines: _internal, ...rest } = s;
  return {
    ...snakeize<z.infer<typeof subscriptionJson>>(rest),
    object: 'subscription',
    customer: customerId,
    latest_invoice: latestInvoiceId,
    items: items.map((i) => ({ id: i.id, price: i.priceId, quantity: i.quantity })),
    metadata,
    discounts: s.discounts.map((d) => ({
      ...snakeize<Record<string, unknown>>(d),
      // A credit stored before remaining amounts were kept has spent nothing yet (billing-core's reading).
      credit_remaining: d.creditRemaining ?? (d.discount.type === 'credit' ? d.discount.amount.amount : null),
    })),
  };
}

export const invoiceLineJson = z
  .looseObject({
    id: z.string(),
    type: z.enum(['subscription', 'proration', 'invoice_item']),
    description: z.string(),
    period: z.object({ start: z.string(), end: z.string() }).nullable(),
    quantity: z.number().int(),
    unit_amount: money.nullable(),
    amount: money,
    price: z.string().nullable(),
    proration: z.boolean(),
    discount_amounts: z.array(z.object({ discount_id: z.string(), amount: money })),
    tax_amounts: z.array(z.record(z.string(), z.unknown())),
  })
  .meta({ id: 'InvoiceLine' });

export const invoiceJson = z
  .looseObject({
    id: z.string(),
    object: z.literal('invoice'),
    number: z.string().nullable(),
    customer: z.string(),
    subscription: z.string().nullable(),
    status: z.enum(['draft', 'open', 'paid', 'void', 'uncollectible']),
    billing_reason: z.enum(['subscription_create', 'subscription_cycle', 'subscription_update', 'manual']),
    currency: z.string(),
    period_start: z.string(),
    period_end: z.string(),
    lines: z.array(invoiceLineJson),
    subtotal: money,
    total_discount: money,
    tax: money,
    total: money,
    starting_balance: money,
    ending_balance: money,
    amount_due: money,
    amount_paid: money,
    amount_remaining: money,
    total_discount_amounts: z.array(z.record(z.string(), z.unknown())),
    total_tax_amounts: z.array(z.record(z.string(), z.unknown())),
    due_date: z.string().nullable(),
    finalized_at: z.string().nullable(),
    paid_at: z.string().nullable(),
    voided_at: z.string().nullable(),
    payment_intent: z.string().nullable(),
    last_payment_error: z.string().nullable(),
    explanation: z.array(z.record(z.string(), z.unknown())),
    created_at: z.string(),
  })
  .meta({ id: 'Invoice' });

type InvoiceLike = Omit<
  InvoiceRecord,
  'paymentIntentId' | 'lastPaymentError' | 'paymentAttempts' | 'updatedAt'
> &
  Partial<Pick<InvoiceRecord, 'paymentIntentId' | 'lastPaymentError' | 'updatedAt'>>;

export function presentInvoice(invoice: InvoiceLike): z.infer<typeof invoiceJson> {
  const { customerId, subscriptionId, lines, paymentIntentId, lastPaymentError, ...rest } = invoice;
  return {
    ...snakeize<z.infer<typeof invoiceJson>>({ ...rest, paymentAttempts: undefined }),
    object: 'invoice',
    customer: customerId,
    subscription: subscriptionId,
    payment_intent: paymentIntentId ?? null,
    last_payment_error: lastPaymentError ?? null,
    lines: lines.map((line) => {
      const { priceId, productId, subscriptionItemId, ...l } = line;
      return {
        ...snakeize<z.infer<typeof invoiceLineJson>>(l),
        price: priceId,
        product: productId,
        subscription_item: subscriptionItemId,
      };
    }),
  };
}

export const creditNoteJson = z
  .looseObject({
    id: z.string(),
    object: z.literal('credit_note'),
    number: z.string(),
    invoice: z.string(),
    customer: z.string(),
    currency: z.string(),
    status: z.enum(['issued', 'void']),
    type: z.enum(['pre_payment', 'post_payment']),
    reason: z.string().nullable(),
    credit_to: z.string(),
    memo: z.string().nullable(),
    lines: z.array(z.record(z.string(), z.unknown())),
    subtotal: money,
    total_discount: money,
    tax: money,
    total: money,
    created_at: z.string(),
  })
  .meta({ id: 'CreditNote' });

export function presentCreditNote(note: CreditNoteRecord): z.infer<typeof creditNoteJson> {
  const { invoiceId, customerId, lines, updatedAt: _u, ...rest } = note;
  return {
    ...snakeize<z.infer<typeof creditNoteJson>>(rest),
    object: 'credit_note',
    invoice: invoiceId,
    customer: customerId,
    lines: lines.map((l) => {
      const { invoiceLineId, ...line } = l;
      return { ...snakeize<Record<string, unknown>>(line), invoice_line: invoiceLineId };
    }),
  };
}

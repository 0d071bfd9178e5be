import { type Money, money } from '@billkit/money';
import { type BillingEvent, billingEvent } from './billing-event.js';
import { BillingError } from './errors.js';
import type { Invoice, InvoiceStatus } from './invoice.js';
import { instantInput } from './parse-input.js';
import { addCalendarDays } from './time.js';

/** The new invoice and the events the transition caused. */
export interface InvoiceTransition {
  readonly invoice: Invoice;
  readonly events: readonly BillingEvent[];
}

type InvoiceAction = 'finalize' | 'pay' | 'fail_payment' | 'void' | 'mark_uncollectible';

/** Which statuses each action may start from (Stripe's invoice lifecycle). */
const ALLOWED_FROM: Record<InvoiceAction, readonly InvoiceStatus[]> = {
  finalize: ['draft'],
  pay: ['open', 'uncollectible'],
  fail_payment: ['open', 'uncollectible'],
  void: ['open', 'uncollectible'],
  mark_uncollectible: ['open'],
};

function assertTransition(invoice: Invoice, action: InvoiceAction): void {
  if (!ALLOWED_FROM[action].includes(invoice.status)) {
    throw new BillingError(
      'BILLING_ILLEGAL_INVOICE_TRANSITION',
      `Cannot ${action.replace('_', ' ')} invoice ${invoice.id}: it is ${invoice.status} (allowed from ${ALLOWED_FROM[action].join(', ')})`,
      { invoiceId: invoice.id, status: invoice.status, action },
    );
  }
}

/** Can `action` be applied to an invoice in `status`? Useful for UIs that grey out buttons. */
export function canTransitionInvoice(status: InvoiceStatus, action: InvoiceAction): boolean {
  return ALLOWED_FROM[action].includes(status);
}

function paid(invoice: Invoice, at: string, events: BillingEvent[]): Invoice {
  events.push(
    billingEvent('invoice.paid', 'invoice', invoice.id, at, { amountPaid: invoice.amountPaid.amount }),
  );
  return { ...invoice, status: 'paid', paidAt: at };
}

/**
 * The draft with the customer's balance applied as it stands now: `startingBalance` = `balance`,
 * `amountDue` = max(0, total + balance), `endingBalance` = min(0, total + balance), and the `amountDue`
 * explanation restated. A draft is built with the balance of its build time; the balance is applied for
 * real when the draft is finalized (as Stripe does), so two drafts never both spend the same credit.
 *
 * @example withStartingBalance(draft, -500).amountDue // total − 5.00, never below zero
 */
export function withStartingBalance(invoice: Invoice, balance: number): Invoice {
  if (invoice.status !== 'draft') {
    throw new BillingError('BILLING_ILLEGAL_INVOICE_TRANSITION', `Invoice ${invoice.id} is not a draft`, {
      invoiceId: invoice.id,
      status: invoice.status,
    });
  }
  if (!Number.isSafeInteger(balance)) {
    throw new BillingError(
      'BILLING_INVALID_INPUT',
      'A customer balance is an integer amount of minor units',
      {
        invoiceId: invoice.id,
        balance,
      },
    );
  }
  if (balance === invoice.startingBalance.amount) return invoice;
  const total = invoice.total.amount;
  const net = total + balance;
  const amountDue = money(Math.max(0, net), invoice.currency);
  const endingBalance = Math.min(0, net);
  return {
    ...invoice,
    startingBalance: money(balance, invoice.currency),
    amountDue,
    amountRemaining: money(amountDue.amount - invoice.amountPaid.amount, invoice.currency),
    endingBalance: money(endingBalance, invoice.currency),
    explanation: invoice.explanation.map((entry) =>
      entry.target === 'amountDue'
        ? {
            ...entry,
            amount: amountDue,
            inputs: { total, startingBalance: balance },
            note:
              balance < 0
                ? `customer credit balance of ${-balance} applied; ending balance ${endingBalance}`
                : 'total + startingBalance, never below zero (a negative remainder becomes customer credit)',
          }
        : entry,
    ),
  };
}

/**
 * Finalize a draft: it becomes `open`, gets its number (supplied by the caller, who owns the gap-free
 * sequence) and a due date `daysUntilDue` calendar days later in the invoice's time zone. An invoice with
 * nothing due is paid at once, as Stripe does. With `customerBalance`, the customer's balance as it stands
 * now replaces the one the draft was built with ({@link withStartingBalance}).
 *
 * @example finalizeInvoice(draft, { number: 'INV-0001', at: '2026-03-01T00:00:00Z', daysUntilDue: 30 })
 */
export function finalizeInvoice(
  invoice: Invoice,
  options: {
    readonly number: string;
    readonly at: string;
    readonly daysUntilDue?: number;
    readonly customerBalance?: number;
  },
): InvoiceTransition {
  instantInput(options.at, 'at', invoice.timezone);
  assertTransition(invoice, 'finalize');
  if (options.customerBalance !== undefined) invoice = withStartingBalance(invoice, options.customerBalance);
  if (typeof options.number !== 'string' || options.number.trim() === '') {
    throw new BillingError('BILLING_INVALID_INPUT', 'An invoice number must not be empty', {
      invoiceId: invoice.id,
    });
  }
  const events: BillingEvent[] = [];
  let next: Invoice = {
    ...invoice,
    status: 'open',
    number: options.number,
    finalizedAt: options.at,
    dueDate:
      options.daysUntilDue === undefined
        ? null
        : addCalendarDays(options.at, options.daysUntilDue, invoice.timezone),
  };
  events.push(
    billingEvent('invoice.finalized', 'invoice', invoice.id, options.at, {
      number: options.number,
      total: invoice.total.amount,
      amountDue: invoice.amountDue.amount,
      currency: invoice.currency,
    }),
  );
  if (next.amountDue.amount === 0) next = paid(next, options.at, events);
  return { invoice: next, events };
}

/**
 * Record a successful payment of `amount` (default: everything remaining). Partial payments keep the
 * invoice open; the payment that brings `amountRemaining` to zero marks it paid. Paying more than is
 * remaining is refused.
 *
 * @example payInvoice(open, { at: '2026-03-02T10:00:00Z' }).invoice.status // 'paid'
 */
export function payInvoice(
  invoice: Invoice,
  options: { readonly at: string; readonly amount?: Money },
): InvoiceTransition {
  instantInput(options.at, 'at', invoice.timezone);
  assertTransition(invoice, 'pay');
  const amount = options.amount ?? invoice.amountRemaining;
  if (amount.currency !== invoice.currency) {
    throw new BillingError(
      'BILLING_CURRENCY_MISMATCH',
      `Payment in ${amount.currency} for a ${invoice.currency} invoice`,
      {
        invoiceId: invoice.id,
      },
    );
  }
  if (amount.amount <= 0 || amount.amount > invoice.amountRemaining.amount) {
    throw new BillingError(
      'BILLING_PAYMENT_EXCEEDS_AMOUNT_DUE',
      `Payment of ${amount.amount} is not within (0, ${invoice.amountRemaining.amount}] remaining on ${invoice.id}`,
      { invoiceId: invoice.id, amount: amount.amount, amountRemaining: invoice.amountRemaining.amount },
    );
  }
  const events: BillingEvent[] = [
    billingEvent('invoice.payment_succeeded', 'invoice', invoice.id, options.at, { amount: amount.amount }),
  ];
  let next: Invoice = {
    ...invoice,
    amountPaid: money(invoice.amountPaid.amount + amount.amount, invoice.currency),
    amountRemaining: money(invoice.amountRemaining.amount - amount.amount, invoice.currency),
  };
  if (next.amountRemaining.amount === 0) next = paid(next, options.at, events);
  return { invoice: next, events };
}

/**
 * Record a failed payment attempt. The invoice stays as it is (open); the event feeds dunning and is what
 * moves the subscription to `past_due` (see `markSubscriptionPastDue`).
 */
export function recordInvoicePaymentFailure(
  invoice: Invoice,
  options: { readonly at: string; readonly attemptId: string; readonly failureCode?: string },
): InvoiceTransition {
  instantInput(options.at, 'at', invoice.timezone);
  assertTransition(invoice, 'fail_payment');
  return {
    invoice,
    events: [
      billingEvent('invoice.payment_failed', 'invoice', invoice.id, options.at, {
        attemptId: options.attemptId,
        failureCode: options.failureCode ?? null,
        amountRemaining: invoice.amountRemaining.amount,
      }),
    ],
  };
}

/** Void an open or uncollectible invoice: nothing more is owed on it. Drafts are deleted, not voided. */
export function voidInvoice(invoice: Invoice, options: { readonly at: string }): InvoiceTransition {
  instantInput(options.at, 'at', invoice.timezone);
  assertTransition(invoice, 'void');
  return {
    invoice: {
      ...invoice,
      status: 'void',
      voidedAt: options.at,
      amountRemaining: money(0, invoice.currency),
    },
    events: [
      billingEvent('invoice.voided', 'invoice', invoice.id, options.at, { previousStatus: invoice.status }),
    ],
  };
}

/** Mark an open invoice uncollectible (bad debt); it can still be paid or voided later. */
export function markInvoiceUncollectible(
  invoice: Invoice,
  options: { readonly at: string },
): InvoiceTransition {
  instantInput(options.at, 'at', invoice.timezone);
  assertTransition(invoice, 'mark_uncollectible');
  return {
    invoice: { ...invoice, status: 'uncollectible', markedUncollectibleAt: options.at },
    events: [
      billingEvent('invoice.marked_uncollectible', 'invoice', invoice.id, options.at, {
        amountRemaining: invoice.amountRemaining.amount,
      }),
    ],
  };
}

import { type Money, money, multiply } from '@billkit/money';
import { type BillingEvent, billingEvent } from './billing-event.js';
import type { CreditNote, CreditNoteLine, CreditNoteReason, CreditNoteTaxAmount } from './credit-note.js';
import { BillingError } from './errors.js';
import { assertCreditNoteInvariants } from './invariants.js';
import type { DiscountAmount, Invoice, InvoiceLine } from './invoice.js';
import { instantInput } from './parse-input.js';

/** Which invoice line to credit and how much of it (default: everything not yet credited). */
export interface CreditNoteLineInput {
  readonly invoiceLineId: string;
  /** Part of the line's amount (before discount and tax) to credit, in minor units. */
  readonly amount?: number;
  /** Units to credit; the amount is then the line amount × quantity / line quantity. */
  readonly quantity?: number;
}

/** Input of {@link createCreditNote}. */
export interface CreateCreditNoteInput {
  readonly id: string;
  /** Caller-owned number, like invoice numbers. */
  readonly number: string;
  readonly at: string;
  readonly lines: readonly CreditNoteLineInput[];
  readonly reason?: CreditNoteReason;
  /** For a paid invoice: refund the money (default) or credit the customer balance. */
  readonly creditTo?: 'refund' | 'customer_balance';
}

function remainingOf(line: InvoiceLine, previous: readonly CreditNote[]) {
  const credited = previous
    .filter((n) => n.status === 'issued')
    .flatMap((n) => n.lines.filter((l) => l.invoiceLineId === line.id));
  const amount = line.amount.amount - credited.reduce((s, l) => s + l.amount.amount, 0);
  const discounts = line.discountAmounts.map((d) => ({
    discountId: d.discountId,
    amount:
      d.amount.amount -
      credited.reduce(
        (s, l) => s + (l.discountAmounts.find((x) => x.discountId === d.discountId)?.amount.amount ?? 0),
        0,
      ),
  }));
  const taxes = line.taxAmounts.map((t) => ({
    jurisdictionId: t.jurisdictionId,
    taxType: t.taxType,
    inclusive: t.inclusive,
    amount:
      t.amount.amount -
      credited.reduce(
        (s, l) =>
          s +
          (l.taxAmounts.find((x) => x.jurisdictionId === t.jurisdictionId && x.taxType === t.taxType)?.amount
            .amount ?? 0),
        0,
      ),
  }));
  const quantity = line.quantity - credited.reduce((s, l) => s + l.quantity, 0);
  return { amount, discounts, taxes, quantity };
}

/**
 * Issue a credit note against an open or paid invoice, for refunds and downgrades. Each line names the
 * invoice line it credits and reverses the same share of that line's discounts and of each
 * jurisdiction's tax (rounded half-up per part; crediting the whole remainder of a line reverses exactly
 * what is left, so several partial notes never drift). Every total is the sum of its rounded parts.
 * `previous` lists the credit notes already issued against the invoice: together they can never credit
 * more than the invoice charged.
 *
 * @example createCreditNote(paidInvoice, { id: 'cn_1', number: 'CN-0001', at, lines: [{ invoiceLineId: 'in_1_li_1', amount: 500 }] })
 */
export function createCreditNote(
  invoice: Invoice,
  input: CreateCreditNoteInput,
  previous: readonly CreditNote[] = [],
): { readonly creditNote: CreditNote; readonly events: readonly BillingEvent[] } {
  instantInput(input.at, 'at', invoice.timezone);
  if (invoice.status !== 'open' && invoice.status !== 'paid') {
    throw new BillingError(
      'BILLING_ILLEGAL_INVOICE_TRANSITION',
      `Credit notes need an open or paid invoice; ${invoice.id} is ${invoice.status}`,
      { invoiceId: invoice.id, status: invoice.status },
    );
  }
  if (input.lines.length === 0)
    throw new BillingError('BILLING_INVALID_INPUT', 'A credit note needs at least one line');
  const c = invoice.currency;
  const m = (amount: number): Money => money(amount, c);
  const lines: CreditNoteLine[] = input.lines.map((request, index) => {
    const line = invoice.lines.find((l) => l.id === request.invoiceLineId);
    if (!line) {
      throw new BillingError(
        'BILLING_UNKNOWN_INVOICE_LINE',
        `Invoice ${invoice.id} has no line ${request.invoiceLineId}`,
        {
          invoiceId: invoice.id,
          invoiceLineId: request.invoiceLineId,
        },
      );
    }
    if (line.amount.amount <= 0) {
      throw new BillingError(
        'BILLING_INVALID_INPUT',
        `Line ${line.id} is not a charge and cannot be credited`,
        { invoiceLineId: line.id },
      );
    }
    const remaining = remainingOf(line, previous);
    const requested =
      request.amount ??
      (request.quantity !== undefined && line.quantity > 0
        ? multiply(line.amount, { numerator: request.quantity, denominator: line.quantity }, 'half_up').amount
        : remaining.amount);
    if (!Number.isSafeInteger(requested) || requested <= 0 || requested > remaining.amount) {
      throw new BillingError(
        'BILLING_CREDIT_EXCEEDS_INVOICE',
        `Cannot credit ${requested} of line ${line.id}: ${remaining.amount} is left to credit`,
        { invoiceLineId: line.id, requested, remaining: remaining.amount },
      );
    }
    const whole = requested === remaining.amount;
    const share = (part: number, of: number): number =>
      whole
        ? part
        : multiply(m(of), { numerator: requested, denominator: line.amount.amount }, 'half_up').amount;
    const discountAmounts: DiscountAmount[] = remaining.discounts
      .map((d) => ({
        discountId: d.discountId,
        amount: m(
          share(
            d.amount,
            line.discountAmounts.find((x) => x.discountId === d.discountId)?.amount.amount ?? 0,
          ),
        ),
      }))
      .filter((d) => d.amount.amount !== 0);
    const taxAmounts: CreditNoteTaxAmount[] = remaining.taxes
      .map((t) => ({
        jurisdictionId: t.jurisdictionId,
        taxType: t.taxType,
        inclusive: t.inclusive,
        amount: m(
          share(
            t.amount,
            line.taxAmounts.find((x) => x.jurisdictionId === t.jurisdictionId && x.taxType === t.taxType)
              ?.amount.amount ?? 0,
          ),
        ),
      }))
      .filter((t) => t.amount.amount !== 0);
    const discount = discountAmounts.reduce((s, d) => s + d.amount.amount, 0);
    const exclusiveTax = taxAmounts.filter((t) => !t.inclusive).reduce((s, t) => s + t.amount.amount, 0);
    const quantity = request.quantity ?? (whole ? Math.max(0, remaining.quantity) : 0);
    return {
      id: `${input.id}_li_${index + 1}`,
      invoiceLineId: line.id,
      description: line.description,
      quantity,
      amount: m(requested),
      discountAmounts,
      taxAmounts,
      total: m(requested - discount + exclusiveTax),
    };
  });
  const sumOf = (values: readonly Money[]): number => values.reduce((s, v) => s + v.amount, 0);
  const creditNote: CreditNote = {
    id: input.id,
    number: input.number,
    invoiceId: invoice.id,
    customerId: invoice.customerId,
    currency: c,
    status: 'issued',
    type: invoice.status === 'open' ? 'pre_payment' : 'post_payment',
    reason: input.reason ?? null,
    creditTo: invoice.status === 'open' ? 'invoice' : (input.creditTo ?? 'refund'),
    createdAt: input.at,
    lines,
    subtotal: m(sumOf(lines.map((l) => l.amount))),
    totalDiscount: m(sumOf(lines.flatMap((l) => l.discountAmounts.map((d) => d.amount)))),
    tax: m(sumOf(lines.flatMap((l) => l.taxAmounts.map((t) => t.amount)))),
    total: m(sumOf(lines.map((l) => l.total))),
  };
  assertCreditNoteInvariants(creditNote);
  const alreadyCredited = previous
    .filter((n) => n.status === 'issued')
    .reduce((s, n) => s + n.total.amount, 0);
  if (alreadyCredited + creditNote.total.amount > invoice.total.amount) {
    throw new BillingError(
      'BILLING_CREDIT_EXCEEDS_INVOICE',
      `Credit notes would exceed the total of invoice ${invoice.id}`,
      {
        invoiceId: invoice.id,
        invoiceTotal: invoice.total.amount,
        credited: alreadyCredited + creditNote.total.amount,
      },
    );
  }
  return {
    creditNote,
    events: [
      billingEvent('credit_note.created', 'credit_note', creditNote.id, input.at, {
        invoiceId: invoice.id,
        total: creditNote.total.amount,
        type: creditNote.type,
        creditTo: creditNote.creditTo,
      }),
    ],
  };
}

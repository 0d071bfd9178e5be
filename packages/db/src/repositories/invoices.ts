import {
  type BillingReason,
  checkInvoiceInvariants,
  type InvariantViolation,
  type Invoice,
  type InvoiceLine,
  type InvoiceStatus,
} from '@billkit/billing-core';
import type { Money } from '@billkit/money';
import {
  fromJson,
  toBigInt,
  toDate,
  toDateOrNull,
  toIso,
  toIsoOrNull,
  toJson,
  toMinorUnits,
} from '../codec.js';
import { DbError, isUniqueViolation } from '../errors.js';
import { atomicWithRetry, type Scope } from '../scope.js';
import { type ListOptions, listArgs } from './list-options.js';

/** billing-core's invoice types: what the repository stores and returns, field for field. */
export type { BillingReason, Invoice, InvoiceLine, InvoiceStatus } from '@billkit/billing-core';

export interface InvoiceRepository {
  /**
   * Inserts a new invoice with its lines, per-line discounts and taxes. Checks first that the lines sum to
   * the subtotal and the per-line discounts and taxes sum to the totals. A subscription_create or
   * subscription_cycle invoice for a period already invoiced throws `DB_ALREADY_BILLED`.
   */
  create(tenantId: string, invoice: Invoice): Promise<Invoice>;
  get(tenantId: string, id: string): Promise<Invoice | null>;
  getByNumber(tenantId: string, number: string): Promise<Invoice | null>;
  list(
    tenantId: string,
    options?: ListOptions & { customerId?: string; status?: InvoiceStatus },
  ): Promise<Invoice[]>;
  /**
   * draft → open with the tenant's next invoice number, taken in the same transaction (a rollback returns
   * it: no gaps). `finalizer` turns the draft and number into the open invoice — pass billing-core's
   * `finalizeInvoice`, e.g. `(draft, number) => finalizeInvoice(draft, { number, at }).invoice`; without it
   * the invoice only gets its number, status `open` and `finalizedAt` = now.
   */
  finalize(
    tenantId: string,
    id: string,
    finalizer?: (draft: Invoice, number: string) => Invoice,
  ): Promise<Invoice>;
  /**
   * Stores the result of a lifecycle transition computed by billing-core (`payInvoice`, `voidInvoice`,
   * `markInvoiceUncollectible`, …): status, number, due date, amounts paid/remaining, ending balance and
   * the timestamps. Lines and totals never change after creation. `expectedStatus` guards against a
   * concurrent transition (`DB_VERSION_CONFLICT`).
   */
  saveTransition(
    tenantId: string,
    invoice: Invoice,
    options: { expectedStatus: InvoiceStatus },
  ): Promise<Invoice>;
}

const include = {
  lines: { orderBy: { position: 'asc' as const }, include: { discounts: true, taxes: true } },
};

type InvoiceRow = Awaited<ReturnType<Scope['client']['invoice']['findFirstOrThrow']>>;
type LineRow = Awaited<ReturnType<Scope['client']['invoiceLine']['findFirstOrThrow']>> & {
  discounts: Awaited<ReturnType<Scope['client']['invoiceLineDiscount']['findFirstOrThrow']>>[];
  taxes: Awaited<ReturnType<Scope['client']['invoiceLineTax']['findFirstOrThrow']>>[];
};

function fromRow(row: InvoiceRow & { lines: LineRow[] }): Invoice {
  const money = (value: bigint, column: string): Money => ({
    amount: toMinorUnits(value, `Invoice.${column}`),
    currency: row.currency,
  });
  return {
    id: row.id,
    number: row.number,
    customerId: row.customerId,
    subscriptionId: row.subscriptionId,
    status: row.status as InvoiceStatus,
    billingReason: row.billingReason as BillingReason,
    currency: row.currency,
    timezone: row.timezone,
    periodStart: toIso(row.periodStart),
    periodEnd: toIso(row.periodEnd),
    createdAt: toIso(row.createdAt),
    dueDate: toIsoOrNull(row.dueDate),
    finalizedAt: toIsoOrNull(row.finalizedAt),
    paidAt: toIsoOrNull(row.paidAt),
    voidedAt: toIsoOrNull(row.voidedAt),
    markedUncollectibleAt: toIsoOrNull(row.markedUncollectibleAt),
    lines: row.lines.map(
      (line): InvoiceLine => ({
        id: line.id,
        type: line.type as InvoiceLine['type'],
        description: line.description,
        period:
          line.periodStart && line.periodEnd
            ? { start: toIso(line.periodStart), end: toIso(line.periodEnd) }
            : null,
        quantity: line.quantity,
        unitAmount: line.unitAmount === null ? null : money(line.unitAmount, 'lines.unitAmount'),
        amount: money(line.amount, 'lines.amount'),
        priceId: line.priceId,
        productId: line.productId,
        subscriptionItemId: line.subscriptionItemId,
        proration: line.proration,
        taxBehavior: line.taxBehavior as InvoiceLine['taxBehavior'],
        taxCategory: line.taxCategory,
        discountAmounts: [...line.discounts]
          .sort((a, b) => a.id.localeCompare(b.id))
          .map((d) => ({ discountId: d.discountId, amount: money(d.amount, 'lines.discountAmounts') })),
        taxAmounts: [...line.taxes]
          .sort((a, b) => a.id.localeCompare(b.id))
          .map((t) => ({
            jurisdictionId: t.jurisdictionId,
            jurisdictionName: t.jurisdictionName,
            jurisdictionLevel: t.jurisdictionLevel,
            taxType: t.taxType,
            rate: t.rate,
            taxableAmount: money(t.taxableAmount, 'lines.taxAmounts.taxableAmount'),
            amount: money(t.amount, 'lines.taxAmounts.amount'),
            inclusive: t.inclusive,
            taxabilityReason: t.taxabilityReason,
          })),
      }),
    ),
    subtotal: money(row.subtotal, 'subtotal'),
    totalDiscountAmounts: fromJson(row.totalDiscountAmounts, 'Invoice.totalDiscountAmounts'),
    totalDiscount: money(row.totalDiscount, 'totalDiscount'),
    totalTaxAmounts: fromJson(row.totalTaxAmounts, 'Invoice.totalTaxAmounts'),
    tax: money(row.tax, 'tax'),
    total: money(row.total, 'total'),
    startingBalance: money(row.startingBalance, 'startingBalance'),
    endingBalance: money(row.endingBalance, 'endingBalance'),
    amountDue: money(row.amountDue, 'amountDue'),
    amountPaid: money(row.amountPaid, 'amountPaid'),
    amountRemaining: money(row.amountRemaining, 'amountRemaining'),
    explanation: fromJson(row.explanation, 'Invoice.explanation'),
  };
}

/** Minor units of `value`, refusing a currency other than the invoice's. */
function minor(value: Money, currency: string, field: string): bigint {
  if (value.currency !== currency) {
    throw new DbError('DB_INVALID_DATA', `${field} is in ${value.currency}, the invoice in ${currency}`, {
      field,
    });
  }
  return toBigInt(value.amount, field);
}

/** The invoice field each of billing-core's invariants is about (what `DB_INVALID_DATA` names). */
const INVARIANT_FIELD: Readonly<Record<InvariantViolation['rule'], string>> = {
  single_currency: 'currency',
  lines_sum_to_subtotal: 'subtotal',
  discounts_sum_to_total_discount: 'totalDiscount',
  taxes_sum_to_total_tax: 'tax',
  total_formula: 'total',
  negative_line_not_credit: 'lines',
  discount_exceeds_line: 'lines',
  balance_formula: 'amountDue',
  amount_remaining_formula: 'amountRemaining',
  credit_note_sums: 'total',
};

/**
 * Refuses an invoice that breaks any of billing-core's invariants (`checkInvoiceInvariants`: one currency,
 * lines sum to the subtotal, discounts and taxes to their totals, `total = subtotal − discount + exclusive
 * tax`, the balance and amount-due arithmetic): a caller bug, never stored. `DB_INVALID_DATA` names the first
 * broken field (`details.field`) and lists every violation (`details.violations`).
 *
 * @example
 * assertInvoiceAddsUp({ ...invoice, total: { amount: 1, currency: 'USD' } });
 * // → DbError DB_INVALID_DATA: Invoice in_…: total is wrong: subtotal − discount + exclusive tax = 3188, total is 1
 */
export function assertInvoiceAddsUp(invoice: Invoice): void {
  const violations = checkInvoiceInvariants(invoice);
  const first = violations[0];
  if (first === undefined) return;
  const field = INVARIANT_FIELD[first.rule];
  throw new DbError('DB_INVALID_DATA', `Invoice ${invoice.id}: ${field} is wrong: ${first.message}`, {
    field,
    rule: first.rule,
    violations,
  });
}

/** Loads an invoice with its lines inside the caller's scope (null when the tenant has no such invoice). */
export function loadInvoice(scope: Scope, tenantId: string, id: string): Promise<Invoice | null> {
  return load(scope, tenantId, { id });
}

async function load(scope: Scope, tenantId: string, where: { id: string } | { number: string }) {
  const row = await scope.client.invoice.findFirst({ where: { ...where, tenantId }, include });
  return row ? fromRow(row) : null;
}

async function loadOrThrow(scope: Scope, tenantId: string, id: string): Promise<Invoice> {
  const invoice = await load(scope, tenantId, { id });
  if (!invoice) throw new DbError('DB_NOT_FOUND', `No invoice ${id}`, { id });
  return invoice;
}

/** True for the invoices that are unique per (subscription, period start): create and cycle invoices. */
export function isCycleInvoice(invoice: Invoice): boolean {
  return (
    (invoice.billingReason === 'subscription_cycle' || invoice.billingReason === 'subscription_create') &&
    invoice.subscriptionId !== null
  );
}

/**
 * The rows an invoice is stored as: the `Invoice` row, its lines, the lines' discounts and taxes, column for
 * column. Checks the sums and currencies first (`DB_INVALID_DATA`). Shared by the single insert and the
 * batched billing-run insert, so both store an invoice identically.
 */
export function invoiceRecords(tenantId: string, invoice: Invoice) {
  assertInvoiceAddsUp(invoice);
  const c = invoice.currency;
  for (const total of [...invoice.totalDiscountAmounts, ...invoice.totalTaxAmounts])
    minor(total.amount, c, 'totals');
  const row = {
    id: invoice.id,
    tenantId,
    customerId: invoice.customerId,
    subscriptionId: invoice.subscriptionId,
    number: invoice.number,
    status: invoice.status,
    billingReason: invoice.billingReason,
    currency: c,
    timezone: invoice.timezone,
    periodStart: toDate(invoice.periodStart),
    periodEnd: toDate(invoice.periodEnd),
    cyclePeriodStart: isCycleInvoice(invoice) ? toDate(invoice.periodStart) : null,
    subtotal: minor(invoice.subtotal, c, 'subtotal'),
    totalDiscount: minor(invoice.totalDiscount, c, 'totalDiscount'),
    tax: minor(invoice.tax, c, 'tax'),
    total: minor(invoice.total, c, 'total'),
    totalDiscountAmounts: toJson(invoice.totalDiscountAmounts),
    totalTaxAmounts: toJson(invoice.totalTaxAmounts),
    startingBalance: minor(invoice.startingBalance, c, 'startingBalance'),
    endingBalance: minor(invoice.endingBalance, c, 'endingBalance'),
    amountDue: minor(invoice.amountDue, c, 'amountDue'),
    amountPaid: minor(invoice.amountPaid, c, 'amountPaid'),
    amountRemaining: minor(invoice.amountRemaining, c, 'amountRemaining'),
    explanation: toJson(invoice.explanation),
    dueDate: toDateOrNull(invoice.dueDate),
    finalizedAt: toDateOrNull(invoice.finalizedAt),
    paidAt: toDateOrNull(invoice.paidAt),
    voidedAt: toDateOrNull(invoice.voidedAt),
    markedUncollectibleAt: toDateOrNull(invoice.markedUncollectibleAt),
    createdAt: toDate(invoice.createdAt),
  };
  const lines = invoice.lines.map((line, position) => ({
    id: line.id,
    tenantId,
    invoiceId: invoice.id,
    position,
    type: line.type,
    description: line.description,
    priceId: line.priceId,
    productId: line.productId,
    subscriptionItemId: line.subscriptionItemId,
    periodStart: line.period ? toDate(line.period.start) : null,
    periodEnd: line.period ? toDate(line.period.end) : null,
    quantity: line.quantity,
    unitAmount: line.unitAmount === null ? null : minor(line.unitAmount, c, 'lines.unitAmount'),
    amount: minor(line.amount, c, 'lines.amount'),
    currency: c,
    proration: line.proration,
    taxBehavior: line.taxBehavior,
    taxCategory: line.taxCategory,
  }));
  const discounts = invoice.lines.flatMap((line) =>
    line.discountAmounts.map((d, n) => ({
      id: `${line.id}_d${String(n).padStart(3, '0')}`,
      tenantId,
      invoiceLineId: line.id,
      discountId: d.discountId,
      amount: minor(d.amount, c, 'lines.discountAmounts'),
      currency: c,
    })),
  );
  const taxes = invoice.lines.flatMap((line) =>
    line.taxAmounts.map((t, n) => ({
      id: `${line.id}_t${String(n).padStart(3, '0')}`,
      tenantId,
      invoiceLineId: line.id,
      jurisdictionId: t.jurisdictionId,
      jurisdictionName: t.jurisdictionName,
      jurisdictionLevel: t.jurisdictionLevel,
      taxType: t.taxType,
      rate: t.rate,
      taxableAmount: minor(t.taxableAmount, c, 'lines.taxAmounts.taxableAmount'),
      amount: minor(t.amount, c, 'lines.taxAmounts.amount'),
      currency: c,
      inclusive: t.inclusive,
      taxabilityReason: t.taxabilityReason,
    })),
  );
  return { invoice: row, lines, discounts, taxes };
}

export type InvoiceRecords = ReturnType<typeof invoiceRecords>;

/** `DB_ALREADY_BILLED` when a cycle invoice for this subscription period exists, else `DB_DUPLICATE`. */
export async function duplicateInvoiceError(scope: Scope, invoice: Invoice): Promise<DbError> {
  const billed = isCycleInvoice(invoice)
    ? await scope.client.invoice.findFirst({
        where: {
          subscriptionId: invoice.subscriptionId,
          cyclePeriodStart: toDate(invoice.periodStart),
        },
        select: { id: true },
      })
    : null;
  if (billed) {
    return new DbError(
      'DB_ALREADY_BILLED',
      `Subscription ${invoice.subscriptionId} is already invoiced for ${invoice.periodStart}`,
      { subscriptionId: invoice.subscriptionId, periodStart: invoice.periodStart, invoiceId: billed.id },
    );
  }
  return new DbError('DB_DUPLICATE', `Invoice ${invoice.id} or its number already exists`, {
    id: invoice.id,
  });
}

/** Inserts an invoice inside the caller's transaction (used by the billing run and subscription changes). */
export async function insertInvoice(scope: Scope, tenantId: string, invoice: Invoice): Promise<void> {
  const records = invoiceRecords(tenantId, invoice);
  const customer = await scope.client.customer.findFirst({
    where: { id: invoice.customerId, tenantId },
    select: { id: true },
  });
  if (!customer) throw new DbError('DB_NOT_FOUND', `No customer ${invoice.customerId}`);
  try {
    await scope.client.invoice.create({ data: records.invoice });
  } catch (error) {
    if (isUniqueViolation(error)) throw await duplicateInvoiceError(scope, invoice);
    throw error;
  }
  if (records.lines.length > 0) await scope.client.invoiceLine.createMany({ data: records.lines });
  if (records.discounts.length > 0)
    await scope.client.invoiceLineDiscount.createMany({ data: records.discounts });
  if (records.taxes.length > 0) await scope.client.invoiceLineTax.createMany({ data: records.taxes });
}

/**
 * Takes the next number of a tenant's document sequence (`invoice`, `credit_note`). The increment is a
 * row-locking UPDATE inside the caller's transaction, so concurrent finalizations queue and a rollback
 * returns the number: the sequence has no gaps.
 */
export async function takeDocumentNumber(
  scope: Scope,
  tenantId: string,
  kind: 'invoice' | 'credit_note',
): Promise<string> {
  return (await takeDocumentNumbers(scope, tenantId, kind, 1))[0] as string;
}

/**
 * Takes the next `count` numbers of a tenant's document sequence with one row-locking UPDATE of +count
 * (consecutive, in order). Like {@link takeDocumentNumber}: a rollback returns them, no gaps.
 */
export async function takeDocumentNumbers(
  scope: Scope,
  tenantId: string,
  kind: 'invoice' | 'credit_note',
  count: number,
): Promise<string[]> {
  if (count === 0) return [];
  const updated = await scope.client.documentCounter.updateMany({
    where: { tenantId, kind },
    data: { nextNumber: { increment: count } },
  });
  if (updated.count === 0) throw new DbError('DB_NOT_FOUND', `Tenant ${tenantId} has no ${kind} counter`);
  const counter = await scope.client.documentCounter.findUniqueOrThrow({
    where: { tenantId_kind: { tenantId, kind } },
  });
  const first = counter.nextNumber - count;
  return Array.from({ length: count }, (_, n) => `${counter.prefix}${String(first + n).padStart(6, '0')}`);
}

export function invoiceRepository(scope: Scope): InvoiceRepository {
  return {
    create(tenantId, invoice) {
      return atomicWithRetry(scope, async (tx) => {
        await insertInvoice(tx, tenantId, invoice);
        return loadOrThrow(tx, tenantId, invoice.id);
      });
    },
    get: (tenantId, id) => load(scope, tenantId, { id }),
    getByNumber: (tenantId, number) => load(scope, tenantId, { number }),
    async list(tenantId, options = {}) {
      const { where, ...rest } = listArgs(options);
      const rows = await scope.client.invoice.findMany({
        ...rest,
        include,
        where: {
          ...where,
          tenantId,
          ...(options.customerId !== undefined ? { customerId: options.customerId } : {}),
          ...(options.status !== undefined ? { status: options.status } : {}),
        },
      });
      return rows.map(fromRow);
    },
    finalize(tenantId, id, finalizer) {
      return atomicWithRetry(scope, async (tx) => {
        const draft = await loadOrThrow(tx, tenantId, id);
        if (draft.status !== 'draft') {
          throw new DbError(
            'DB_INVALID_DATA',
            `Invoice ${id} is ${draft.status}; only a draft can be finalized`,
            {
              id,
              status: draft.status,
            },
          );
        }
        const number = await takeDocumentNumber(tx, tenantId, 'invoice');
        const open = finalizer
          ? finalizer(draft, number)
          : { ...draft, status: 'open' as const, number, finalizedAt: new Date().toISOString() };
        if (open.number !== number || open.status !== 'open') {
          throw new DbError(
            'DB_INVALID_DATA',
            `The finalizer must return an open invoice numbered ${number}`,
          );
        }
        return writeTransition(tx, tenantId, open, 'draft');
      });
    },
    saveTransition(tenantId, invoice, { expectedStatus }) {
      return atomicWithRetry(scope, (tx) => writeTransition(tx, tenantId, invoice, expectedStatus));
    },
  };
}

/** The invoice fields a lifecycle transition may change (the rest never changes after creation). */
export const TRANSITION_FIELDS = [
  'status',
  'number',
  'dueDate',
  'finalizedAt',
  'paidAt',
  'voidedAt',
  'markedUncollectibleAt',
  'amountPaid',
  'amountRemaining',
  'endingBalance',
] as const satisfies readonly (keyof Invoice)[];

/** The columns of {@link TRANSITION_FIELDS}: what storing a transition writes. */
export function transitionColumns(invoice: Invoice) {
  const c = invoice.currency;
  return {
    status: invoice.status,
    number: invoice.number,
    dueDate: toDateOrNull(invoice.dueDate),
    finalizedAt: toDateOrNull(invoice.finalizedAt),
    paidAt: toDateOrNull(invoice.paidAt),
    voidedAt: toDateOrNull(invoice.voidedAt),
    markedUncollectibleAt: toDateOrNull(invoice.markedUncollectibleAt),
    amountPaid: minor(invoice.amountPaid, c, 'amountPaid'),
    amountRemaining: minor(invoice.amountRemaining, c, 'amountRemaining'),
    endingBalance: minor(invoice.endingBalance, c, 'endingBalance'),
  };
}

async function writeTransition(
  scope: Scope,
  tenantId: string,
  invoice: Invoice,
  expectedStatus: InvoiceStatus,
): Promise<Invoice> {
  if (invoice.amountRemaining.amount !== invoice.amountDue.amount - invoice.amountPaid.amount) {
    throw new DbError(
      'DB_INVALID_DATA',
      `Invoice ${invoice.id}: amountRemaining must be amountDue − amountPaid`,
    );
  }
  const updated = await scope.client.invoice.updateMany({
    where: { id: invoice.id, tenantId, status: expectedStatus },
    data: transitionColumns(invoice),
  });
  if (updated.count === 0) {
    const current = await scope.client.invoice.findFirst({
      where: { id: invoice.id, tenantId },
      select: { status: true },
    });
    if (!current) throw new DbError('DB_NOT_FOUND', `No invoice ${invoice.id}`, { id: invoice.id });
    throw new DbError(
      'DB_VERSION_CONFLICT',
      `Invoice ${invoice.id} is ${current.status}, not ${expectedStatus}`,
      {
        id: invoice.id,
        expectedStatus,
        actualStatus: current.status,
      },
    );
  }
  return loadOrThrow(scope, tenantId, invoice.id);
}

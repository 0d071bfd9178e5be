import type { Money } from '@billkit/money';
import type { CreditNote } from './credit-note.js';
import { BillingError } from './errors.js';
import type { Invoice } from './invoice.js';
import { KeyIndex } from './key-index.js';
import { taxTotalKey } from './tax-key.js';

/** One broken consistency rule, named so a test or a log can say which. */
export interface InvariantViolation {
  readonly rule:
    | 'single_currency'
    | 'lines_sum_to_subtotal'
    | 'discounts_sum_to_total_discount'
    | 'taxes_sum_to_total_tax'
    | 'total_formula'
    | 'negative_line_not_credit'
    | 'discount_exceeds_line'
    | 'balance_formula'
    | 'amount_remaining_formula'
    | 'credit_note_sums';
  readonly message: string;
}

const sumOf = (values: readonly Money[]): number => values.reduce((total, m) => total + m.amount, 0);

/** The keys of `a`, then those of `b` not in `a`: `new Set([...a.keys(), ...b.keys()])`. */
function unionKeys(a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>): string[] {
  const keys = [...a.keys()];
  for (const key of b.keys()) if (!a.has(key)) keys.push(key);
  return keys;
}

/**
 * Sums by key in first-seen order (a KeyIndex and the sum at each position): the Map<string, number>
 * of tax sums this replaces, without hashing a key twice per tax amount.
 */
class KeyedSums {
  private readonly index = new KeyIndex();
  private readonly sums: number[] = [];

  /** `map.set(key, (map.get(key) ?? 0) + amount)` */
  add(key: string, amount: number): void {
    const slot = this.index.slot(key);
    this.sums[slot] = (this.sums[slot] ?? 0) + amount;
  }

  /** `map.set(key, value)` (a key keeps its first position). */
  set(key: string, value: number): void {
    this.sums[this.index.slot(key)] = value;
  }

  /** `map.get(key)` */
  get(key: string): number | undefined {
    const slot = this.index.indexOf(key);
    return slot < 0 ? undefined : this.sums[slot];
  }

  /** The keys of `this`, then those of `other` not in `this` (unionKeys for two KeyedSums). */
  unionKeys(other: KeyedSums): string[] {
    const keys = this.index.keys.slice() as string[];
    for (const key of other.index.keys) if (this.index.indexOf(key) < 0) keys.push(key as string);
    return keys;
  }
}

function sameSign(discounted: number, original: number): boolean {
  return original >= 0
    ? discounted >= 0 && discounted <= original
    : discounted <= 0 && discounted >= original;
}

/**
 * The first amount of the invoice not in currency `c`, in a fixed order: the totals, the discount and
 * tax totals, then each line (amount, discounts, taxes, unit amount). Walks the invoice instead of
 * collecting every Money into an array first (the check runs on every invoice billing-core builds).
 */
function firstForeignMoney(invoice: Invoice, c: string): Money | undefined {
  const totals = [
    invoice.subtotal,
    invoice.totalDiscount,
    invoice.tax,
    invoice.total,
    invoice.startingBalance,
    invoice.endingBalance,
    invoice.amountDue,
    invoice.amountPaid,
    invoice.amountRemaining,
  ];
  for (const m of totals) if (m.currency !== c) return m;
  for (const d of invoice.totalDiscountAmounts) if (d.amount.currency !== c) return d.amount;
  for (const t of invoice.totalTaxAmounts) {
    if (t.amount.currency !== c) return t.amount;
    if (t.taxableAmount.currency !== c) return t.taxableAmount;
  }
  for (const line of invoice.lines) {
    if (line.amount.currency !== c) return line.amount;
    for (const d of line.discountAmounts) if (d.amount.currency !== c) return d.amount;
    for (const t of line.taxAmounts) {
      if (t.amount.currency !== c) return t.amount;
      if (t.taxableAmount.currency !== c) return t.taxableAmount;
    }
    if (line.unitAmount && line.unitAmount.currency !== c) return line.unitAmount;
  }
  return undefined;
}

/**
 * Every consistency rule an invoice must satisfy, checked independently of how it was built:
 * one currency throughout; lines sum to `subtotal`; per-line discounts and taxes sum to the invoice
 * totals per discount and per jurisdiction; `total = subtotal − totalDiscount + exclusive tax`; no line is
 * negative unless it is a proration credit, and no discount takes a line past zero; the balance and
 * amount-due arithmetic holds. Returns the violations (empty when consistent).
 */
export function checkInvoiceInvariants(invoice: Invoice): InvariantViolation[] {
  const violations: InvariantViolation[] = [];
  const c = invoice.currency;
  const foreign = firstForeignMoney(invoice, c);
  if (foreign)
    violations.push({ rule: 'single_currency', message: `Found ${foreign.currency} on a ${c} invoice` });

  const lineSum = sumOf(invoice.lines.map((l) => l.amount));
  if (lineSum !== invoice.subtotal.amount) {
    violations.push({
      rule: 'lines_sum_to_subtotal',
      message: `Lines sum to ${lineSum}, subtotal is ${invoice.subtotal.amount}`,
    });
  }

  const discountByLines = new Map<string, number>();
  const taxByLines = new KeyedSums();
  let exclusiveTax = 0;
  for (const line of invoice.lines) {
    for (const d of line.discountAmounts)
      discountByLines.set(d.discountId, (discountByLines.get(d.discountId) ?? 0) + d.amount.amount);
    for (const t of line.taxAmounts) {
      taxByLines.add(taxTotalKey(t), t.amount.amount);
      if (!t.inclusive) exclusiveTax += t.amount.amount;
    }
    const negativeAllowed = line.proration && line.type === 'proration';
    if (line.amount.amount < 0 && !negativeAllowed) {
      violations.push({
        rule: 'negative_line_not_credit',
        message: `Line ${line.id} is ${line.amount.amount} but not a proration credit`,
      });
    }
    let lineDiscount = 0;
    for (const d of line.discountAmounts) lineDiscount += d.amount.amount;
    const discounted = line.amount.amount - lineDiscount;
    if (!sameSign(discounted, line.amount.amount)) {
      violations.push({
        rule: 'discount_exceeds_line',
        message: `Discounts take line ${line.id} from ${line.amount.amount} to ${discounted}`,
      });
    }
  }
  const discountTotals = new Map<string, number>();
  for (const d of invoice.totalDiscountAmounts) discountTotals.set(d.discountId, d.amount.amount);
  // Every key of either side, in first-seen order (the lines' keys, then the totals' others).
  for (const key of unionKeys(discountByLines, discountTotals)) {
    if ((discountByLines.get(key) ?? 0) !== (discountTotals.get(key) ?? 0)) {
      violations.push({
        rule: 'discounts_sum_to_total_discount',
        message: `Discount ${key}: lines ${discountByLines.get(key) ?? 0}, total ${discountTotals.get(key) ?? 0}`,
      });
    }
  }
  if (sumOf(invoice.totalDiscountAmounts.map((d) => d.amount)) !== invoice.totalDiscount.amount) {
    violations.push({
      rule: 'discounts_sum_to_total_discount',
      message: 'totalDiscount is not the sum of totalDiscountAmounts',
    });
  }
  const taxTotals = new KeyedSums();
  for (const t of invoice.totalTaxAmounts) taxTotals.set(taxTotalKey(t), t.amount.amount);
  for (const key of taxByLines.unionKeys(taxTotals)) {
    if ((taxByLines.get(key) ?? 0) !== (taxTotals.get(key) ?? 0)) {
      violations.push({
        rule: 'taxes_sum_to_total_tax',
        message: `Tax ${key}: lines ${taxByLines.get(key) ?? 0}, total ${taxTotals.get(key) ?? 0}`,
      });
    }
  }
  if (sumOf(invoice.totalTaxAmounts.map((t) => t.amount)) !== invoice.tax.amount) {
    violations.push({ rule: 'taxes_sum_to_total_tax', message: 'tax is not the sum of totalTaxAmounts' });
  }
  const expectedTotal = invoice.subtotal.amount - invoice.totalDiscount.amount + exclusiveTax;
  if (expectedTotal !== invoice.total.amount) {
    violations.push({
      rule: 'total_formula',
      message: `subtotal − discount + exclusive tax = ${expectedTotal}, total is ${invoice.total.amount}`,
    });
  }
  const net = invoice.total.amount + invoice.startingBalance.amount;
  if (invoice.amountDue.amount !== Math.max(0, net) || invoice.endingBalance.amount !== Math.min(0, net)) {
    violations.push({
      rule: 'balance_formula',
      message: `total + startingBalance = ${net}; amountDue ${invoice.amountDue.amount}, endingBalance ${invoice.endingBalance.amount}`,
    });
  }
  const remainingExpected =
    invoice.status === 'void' ? 0 : invoice.amountDue.amount - invoice.amountPaid.amount;
  if (invoice.amountPaid.amount < 0 || invoice.amountRemaining.amount !== remainingExpected) {
    violations.push({
      rule: 'amount_remaining_formula',
      message: `amountRemaining ${invoice.amountRemaining.amount}, expected ${remainingExpected}`,
    });
  }
  return violations;
}

/**
 * Throw `BILLING_INVARIANT_VIOLATION` (an internal error: a bug, not bad input) unless the invoice is
 * consistent. billing-core runs this on every invoice before returning it.
 */
export function assertInvoiceInvariants(invoice: Invoice): void {
  const violations = checkInvoiceInvariants(invoice);
  if (violations.length > 0) {
    throw new BillingError(
      'BILLING_INVARIANT_VIOLATION',
      `Invoice ${invoice.id} is inconsistent: ${violations.map((v) => v.message).join('; ')}`,
      { invoiceId: invoice.id, violations },
    );
  }
}

/** The rules a credit note must satisfy: one currency; every total is the sum of its rounded parts. */
export function checkCreditNoteInvariants(note: CreditNote): InvariantViolation[] {
  const violations: InvariantViolation[] = [];
  const c = note.currency;
  const moneys = [note.subtotal, note.totalDiscount, note.tax, note.total];
  for (const line of note.lines)
    moneys.push(
      line.amount,
      line.total,
      ...line.discountAmounts.map((d) => d.amount),
      ...line.taxAmounts.map((t) => t.amount),
    );
  if (moneys.some((m) => m.currency !== c))
    violations.push({ rule: 'single_currency', message: `Credit note ${note.id} mixes currencies` });
  let exclusiveTax = 0;
  for (const line of note.lines) {
    const lineExclusive = sumOf(line.taxAmounts.filter((t) => !t.inclusive).map((t) => t.amount));
    exclusiveTax += lineExclusive;
    if (
      line.amount.amount - sumOf(line.discountAmounts.map((d) => d.amount)) + lineExclusive !==
      line.total.amount
    ) {
      violations.push({
        rule: 'credit_note_sums',
        message: `Credit note line ${line.id} total is not amount − discount + exclusive tax`,
      });
    }
  }
  const checks: [string, number, number][] = [
    ['subtotal', sumOf(note.lines.map((l) => l.amount)), note.subtotal.amount],
    [
      'totalDiscount',
      sumOf(note.lines.flatMap((l) => l.discountAmounts.map((d) => d.amount))),
      note.totalDiscount.amount,
    ],
    ['tax', sumOf(note.lines.flatMap((l) => l.taxAmounts.map((t) => t.amount))), note.tax.amount],
    ['total', sumOf(note.lines.map((l) => l.total)), note.total.amount],
    ['total formula', note.subtotal.amount - note.totalDiscount.amount + exclusiveTax, note.total.amount],
  ];
  for (const [name, expected, actual] of checks) {
    if (expected !== actual)
      violations.push({
        rule: 'credit_note_sums',
        message: `Credit note ${name} is ${actual}, parts sum to ${expected}`,
      });
  }
  return violations;
}

/** Throw `BILLING_INVARIANT_VIOLATION` unless the credit note is consistent. */
export function assertCreditNoteInvariants(note: CreditNote): void {
  const violations = checkCreditNoteInvariants(note);
  if (violations.length > 0) {
    throw new BillingError(
      'BILLING_INVARIANT_VIOLATION',
      `Credit note ${note.id} is inconsistent: ${violations.map((v) => v.message).join('; ')}`,
      {
        creditNoteId: note.id,
        violations,
      },
    );
  }
}

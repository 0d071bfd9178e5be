import type { DiscountDefinitionInput } from '@billkit/discount';
import { formatMoney, type Money, money } from '@billkit/money';
import { type BillingConfig, type BillingConfigInput, cachedBillingConfig } from './billing-config.js';
import { type Catalog, findPrice, findProduct } from './catalog.js';
import type { Customer } from './customer.js';
import {
  type DiscountState,
  type DiscountStepResult,
  discountLines,
  type InvoiceAppliedDiscount,
  type InvoiceRejectedDiscount,
  mergeDiscountRuns,
} from './discount-step.js';
import type { DraftLine } from './draft-line.js';
import { BillingError } from './errors.js';
import type { ExplanationEntry } from './explanation.js';
import { assertInvoiceInvariants } from './invariants.js';
import type {
  BillingReason,
  Invoice,
  InvoiceDiscountTotal,
  InvoiceLine,
  InvoiceTaxTotal,
  TaxAmount,
} from './invoice.js';
import type { Price } from './price.js';
import { computePriceAmount } from './pricing.js';
import type { PendingInvoiceItem } from './subscription.js';
import { taxTotalKey } from './tax-key.js';
import { type TaxSource, taxLines } from './tax-step.js';
import type { BillingPeriod } from './time.js';

/** What every invoice computation needs besides its own input: the catalog, the tax source, the config. */
export interface BillingEnvironment {
  readonly catalog: Catalog;
  /** A `@billkit/tax` rate table, or a synchronous `TaxProvider`. */
  readonly tax: TaxSource;
  /** Rounding and proration settings; see `billingConfigSchema` for the defaults. */
  readonly config?: BillingConfigInput | BillingConfig;
}

/** Something to bill at a catalog price: a subscription item for a period, or a one-off charge. */
export interface InvoiceItemInput {
  readonly priceId: string;
  readonly quantity: number;
  /** Overrides the generated description (`2 × Pro (at $10.00 / month)`). */
  readonly description?: string;
  readonly period?: BillingPeriod;
  /** Set for a subscription line; absent for a one-off invoice item. */
  readonly subscriptionItemId?: string;
  /** A trial line: shown on the invoice with amount zero. */
  readonly trial?: boolean;
}

/**
 * Input of {@link buildInvoice}. Discounts run in the engine's stacking order over all lines; the
 * `discountState` carries what the caller keeps between invoices (periods billed, redemptions, credit
 * balances).
 */
export interface BuildInvoiceInput {
  readonly invoiceId: string;
  readonly customer: Customer;
  readonly billingReason: BillingReason;
  /** The invoice date: discount validity is checked and tax rates are taken at this instant. */
  readonly createdAt: string;
  /** Invoice period; defaults to the span of the line periods, or `[createdAt, createdAt]`. */
  readonly period?: BillingPeriod;
  readonly subscriptionId?: string | null;
  readonly items?: readonly InvoiceItemInput[];
  readonly pendingInvoiceItems?: readonly PendingInvoiceItem[];
  readonly discounts?: readonly DiscountDefinitionInput[];
  readonly discountState?: DiscountState;
  /** Tax date when it differs from `createdAt` (e.g. the start of the billed period). */
  readonly taxDate?: string;
}

/** An invoice draft plus what the caller must store about discounts. */
export interface InvoiceBuildResult {
  readonly invoice: Invoice;
  readonly appliedDiscounts: readonly InvoiceAppliedDiscount[];
  readonly rejectedDiscounts: readonly InvoiceRejectedDiscount[];
  /** Balance left on each `credit` discount: store it for the next invoice. */
  readonly creditsRemaining: Readonly<Record<string, Money>>;
}

function configOf(env: BillingEnvironment): BillingConfig {
  // Cached per config object (zod parse once, not on every call): see cachedBillingConfig.
  return cachedBillingConfig(env.config);
}

function intervalWords(price: Price): string {
  if (!price.recurring) return '';
  const { interval, intervalCount } = price.recurring;
  return intervalCount === 1 ? ` / ${interval}` : ` every ${intervalCount} ${interval}s`;
}

function priceLine(id: string, item: InvoiceItemInput, catalog: Catalog, currency: string): DraftLine {
  const price = findPrice(catalog, item.priceId);
  const product = findProduct(catalog, price.productId);
  if (price.currency !== currency) {
    throw new BillingError(
      'BILLING_CURRENCY_MISMATCH',
      `Price ${price.id} is in ${price.currency}, the invoice in ${currency}`,
      {
        priceId: price.id,
        priceCurrency: price.currency,
        currency,
      },
    );
  }
  const priced = computePriceAmount(price, item.quantity);
  const amount = item.trial ? money(0, currency) : priced.amount;
  const at =
    price.billingScheme === 'per_unit'
      ? ` (at ${formatMoney(money(price.unitAmount, currency))}${intervalWords(price)})`
      : price.billingScheme === 'flat'
        ? ` (flat ${formatMoney(money(price.flatAmount, currency))}${intervalWords(price)})`
        : ` (${price.tiersMode} tiers${intervalWords(price)})`;
  const name = `${product.name}${price.nickname ? ` ${price.nickname}` : ''}`;
  return {
    id,
    type: item.subscriptionItemId ? 'subscription' : 'invoice_item',
    description:
      item.description ?? (item.trial ? `Trial period for ${name}` : `${item.quantity} × ${name}${at}`),
    period: item.period ?? null,
    quantity: item.quantity,
    unitAmount: item.trial ? money(0, currency) : priced.unitAmount,
    amount,
    priceId: price.id,
    productId: product.id,
    subscriptionItemId: item.subscriptionItemId ?? null,
    proration: false,
    taxBehavior: price.taxBehavior,
    taxCategory: product.taxCategory,
    discountPeriodsBilled: null,
    explanation: {
      target: `lines.${id}.amount`,
      source: 'pricing',
      amount,
      inputs: {
        priceId: price.id,
        billingScheme: price.billingScheme,
        quantity: item.quantity,
        ...(price.billingScheme === 'tiered' ? { tiersMode: price.tiersMode } : {}),
        trial: item.trial ?? false,
      },
      note: item.trial ? 'trial: nothing is charged' : priced.explanation,
    },
  };
}

function pendingLine(id: string, item: PendingInvoiceItem, catalog: Catalog, currency: string): DraftLine {
  const price = findPrice(catalog, item.priceId);
  const product = findProduct(catalog, price.productId);
  const amount = money(item.amount, currency);
  return {
    id,
    type: item.proration ? 'proration' : 'invoice_item',
    description: item.description,
    period: item.period,
    quantity: item.quantity,
    unitAmount: item.unitAmount === null ? null : money(item.unitAmount, currency),
    amount,
    priceId: price.id,
    productId: product.id,
    subscriptionItemId: item.subscriptionItemId,
    proration: item.proration,
    taxBehavior: price.taxBehavior,
    taxCategory: product.taxCategory,
    discountPeriodsBilled: item.discountPeriodsBilled,
    explanation: {
      target: `lines.${id}.amount`,
      source: item.proration ? 'proration' : 'pricing',
      amount,
      inputs: { pendingInvoiceItemId: item.id, ...item.inputs },
      note: item.note || item.description,
    },
  };
}

/**
 * `{ ...state, periodsBilled: snapshot (when given), creditBalances (when any) }`, built field by field:
 * the spreads were a measurable share of building an invoice. DiscountState has exactly these four
 * fields, and discountLines reads nothing else.
 */
function runState(
  state: DiscountState,
  snapshot: Record<string, number> | null,
  creditBalances: DiscountState['creditBalances'],
): DiscountState {
  const periodsBilled = snapshot === null ? state.periodsBilled : snapshot;
  const balances = creditBalances ?? state.creditBalances;
  const result: { -readonly [K in keyof DiscountState]: DiscountState[K] } = {};
  if (state.isFirstInvoice !== undefined) result.isFirstInvoice = state.isFirstInvoice;
  if (periodsBilled !== undefined) result.periodsBilled = periodsBilled;
  if (state.redemptions !== undefined) result.redemptions = state.redemptions;
  if (balances !== undefined) result.creditBalances = balances;
  return result;
}

function invoicePeriod(input: BuildInvoiceInput, lines: readonly DraftLine[]): BillingPeriod {
  if (input.period) return input.period;
  const periods = lines.flatMap((l) => (l.period ? [l.period] : []));
  if (periods.length === 0) return { start: input.createdAt, end: input.createdAt };
  const start = periods.reduce(
    (a, p) => (Date.parse(p.start) < Date.parse(a) ? p.start : a),
    periods[0]!.start,
  );
  const end = periods.reduce((a, p) => (Date.parse(p.end) > Date.parse(a) ? p.end : a), periods[0]!.end);
  return { start, end };
}

/**
 * Build an invoice draft in the fixed order **Proration → Discount → Tax**: line amounts come from the
 * catalog (pricing) or from pending proration items; `@billkit/discount` then discounts them (proration
 * credits included); `@billkit/tax` taxes each line on its discounted amount. Totals follow Stripe:
 * `total = subtotal − totalDiscount + exclusive tax`, `amountDue = max(0, total + startingBalance)`.
 * Every number gets an entry in `invoice.explanation`, and the invoice is checked against every
 * invariant before it is returned (`BILLING_INVARIANT_VIOLATION` otherwise). Pure: no I/O, no clock.
 *
 * @example
 * const { invoice } = buildInvoice(
 *   { invoiceId: 'in_1', customer, billingReason: 'manual', createdAt: '2026-03-01T00:00:00Z',
 *     items: [{ priceId: 'price_setup', quantity: 1 }] },
 *   { catalog, tax: rateTable },
 * );
 * invoice.total // { amount: 10825, currency: 'USD' }
 */
export function buildInvoice(input: BuildInvoiceInput, env: BillingEnvironment): InvoiceBuildResult {
  const config = configOf(env);
  const currency = input.customer.currency;
  let counter = 0;
  const nextId = (): string => `${input.invoiceId}_li_${++counter}`;

  // 1. Proration (already computed into pending items) and pricing.
  const lines: DraftLine[] = [
    ...(input.items ?? []).map((item) => priceLine(nextId(), item, env.catalog, currency)),
    ...(input.pendingInvoiceItems ?? []).map((item) => pendingLine(nextId(), item, env.catalog, currency)),
  ];

  // 2. Discount. Proration lines carry the discount state of the period they belong to; lines sharing a
  // state are discounted together, earlier periods first, credit balances threaded from run to run.
  const groups = new Map<string, DraftLine[]>();
  for (const line of lines) {
    const key = line.discountPeriodsBilled === null ? '' : JSON.stringify(line.discountPeriodsBilled);
    // Appended in place (was a copy of the group per line).
    const group = groups.get(key);
    if (group) group.push(line);
    else groups.set(key, [line]);
  }
  const ordered = [...groups.entries()].sort(([a], [b]) => (a === '' ? 1 : b === '' ? -1 : 0));
  const state = input.discountState ?? {};
  let creditBalances = state.creditBalances;
  const runs: DiscountStepResult[] = [];
  for (const [key, group] of ordered) {
    // A proration group is discounted only by the discounts that were in force in its period.
    const snapshot = key === '' ? null : (JSON.parse(key) as Record<string, number>);
    const run = discountLines(
      group,
      (input.discounts ?? []).filter((d) => snapshot === null || d.id in snapshot),
      {
        currency,
        now: input.createdAt,
        customerId: input.customer.id,
        subscriptionId: input.subscriptionId ?? null,
        state: runState(state, snapshot, creditBalances),
      },
      config,
    );
    creditBalances = { ...(creditBalances ?? {}), ...run.creditsRemaining };
    runs.push(run);
  }
  const discountStep = mergeDiscountRuns(runs);
  const discounted = new Map<string, Money>();
  for (const line of lines) {
    const off = (discountStep.perLine.get(line.id) ?? []).reduce((s, d) => s + d.amount.amount, 0);
    discounted.set(line.id, money(line.amount.amount - off, currency));
  }

  // 3. Tax, on the discounted amounts.
  const taxStep = taxLines(
    lines,
    discounted,
    { currency, taxDate: input.taxDate ?? input.createdAt, customer: input.customer, source: env.tax },
    config,
  );

  const invoiceLines: InvoiceLine[] = lines.map((line) => ({
    id: line.id,
    type: line.type,
    description: line.description,
    period: line.period,
    quantity: line.quantity,
    unitAmount: line.unitAmount,
    amount: line.amount,
    priceId: line.priceId,
    productId: line.productId,
    subscriptionItemId: line.subscriptionItemId,
    proration: line.proration,
    taxBehavior: line.taxBehavior,
    taxCategory: line.taxCategory,
    discountAmounts: discountStep.perLine.get(line.id) ?? [],
    taxAmounts: taxStep.perLine.get(line.id) ?? [],
  }));

  const invoice = totalInvoice(
    {
      id: input.invoiceId,
      customer: input.customer,
      subscriptionId: input.subscriptionId ?? null,
      billingReason: input.billingReason,
      createdAt: input.createdAt,
      period: invoicePeriod(input, lines),
    },
    invoiceLines,
    [...lines.map((l) => l.explanation), ...discountStep.explanation, ...taxStep.explanation],
  );
  assertInvoiceInvariants(invoice);
  return {
    invoice,
    appliedDiscounts: discountStep.applied,
    rejectedDiscounts: discountStep.rejected,
    creditsRemaining: discountStep.creditsRemaining,
  };
}

/**
 * The same computation as {@link buildInvoice}, named for what it is used for: the upcoming-invoice
 * preview ("what would I pay if I upgraded now"). The result is a draft with id `upcoming` unless one is
 * given; nothing is stored, counted or numbered.
 */
export function previewInvoice(
  input: Omit<BuildInvoiceInput, 'invoiceId'> & { readonly invoiceId?: string },
  env: BillingEnvironment,
): InvoiceBuildResult {
  return buildInvoice({ ...input, invoiceId: input.invoiceId ?? 'upcoming' }, env);
}

function totalInvoice(
  header: {
    id: string;
    customer: Customer;
    subscriptionId: string | null;
    billingReason: BillingReason;
    createdAt: string;
    period: BillingPeriod;
  },
  lines: InvoiceLine[],
  lineExplanation: ExplanationEntry[],
): Invoice {
  const c = header.customer.currency;
  const m = (amount: number): Money => money(amount, c);
  const subtotal = lines.reduce((s, l) => s + l.amount.amount, 0);

  const discountTotals = new Map<string, number>();
  let exclusiveTax = 0;
  // Per jurisdiction, tax type and inclusiveness: the running sums as plain numbers and the latest
  // entry (whose names the total carries), turned into Money once per key rather than once per line.
  const taxSums = new Map<string, { last: TaxAmount; taxable: number; amount: number }>();
  let sumsSafe = true;
  for (const line of lines) {
    for (const d of line.discountAmounts)
      discountTotals.set(d.discountId, (discountTotals.get(d.discountId) ?? 0) + d.amount.amount);
    for (const t of line.taxAmounts) {
      const key = taxTotalKey(t);
      const sums = taxSums.get(key);
      if (sums === undefined) {
        taxSums.set(key, { last: t, taxable: t.taxableAmount.amount, amount: t.amount.amount });
      } else {
        sums.last = t;
        sums.taxable += t.taxableAmount.amount;
        sums.amount += t.amount.amount;
      }
      const current = taxSums.get(key) as { taxable: number; amount: number };
      if (!Number.isSafeInteger(current.taxable) || !Number.isSafeInteger(current.amount)) sumsSafe = false;
      if (!t.inclusive) exclusiveTax += t.amount.amount;
    }
  }
  const taxTotals = new Map<string, InvoiceTaxTotal>();
  if (sumsSafe) {
    for (const [key, { last: t, taxable, amount }] of taxSums) {
      taxTotals.set(key, {
        jurisdictionId: t.jurisdictionId,
        jurisdictionName: t.jurisdictionName,
        jurisdictionLevel: t.jurisdictionLevel,
        taxType: t.taxType,
        inclusive: t.inclusive,
        taxableAmount: m(taxable),
        amount: m(amount),
      });
    }
  } else {
    // A running sum left the safe-integer range: redo it step by step so money() fails where it did.
    for (const line of lines) {
      for (const t of line.taxAmounts) {
        const key = taxTotalKey(t);
        const previous = taxTotals.get(key);
        taxTotals.set(key, {
          jurisdictionId: t.jurisdictionId,
          jurisdictionName: t.jurisdictionName,
          jurisdictionLevel: t.jurisdictionLevel,
          taxType: t.taxType,
          inclusive: t.inclusive,
          taxableAmount: m((previous?.taxableAmount.amount ?? 0) + t.taxableAmount.amount),
          amount: m((previous?.amount.amount ?? 0) + t.amount.amount),
        });
      }
    }
  }
  const totalDiscountAmounts: InvoiceDiscountTotal[] = [...discountTotals.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([discountId, amount]) => ({ discountId, amount: m(amount) }));
  const totalDiscount = totalDiscountAmounts.reduce((s, d) => s + d.amount.amount, 0);
  const totalTaxAmounts = [...taxTotals.values()];
  const tax = totalTaxAmounts.reduce((s, t) => s + t.amount.amount, 0);
  const total = subtotal - totalDiscount + exclusiveTax;
  const startingBalance = header.customer.balance;
  const net = total + startingBalance;
  const amountDue = Math.max(0, net);
  const endingBalance = Math.min(0, net);

  const explanation: ExplanationEntry[] = [
    ...lineExplanation,
    {
      target: 'subtotal',
      source: 'billing-core',
      amount: m(subtotal),
      inputs: { lines: lines.map((l) => l.amount.amount) },
      note: 'sum of line amounts (before discounts; tax-inclusive lines include their tax)',
    },
    {
      target: 'totalDiscount',
      source: 'billing-core',
      amount: m(totalDiscount),
      inputs: Object.fromEntries(totalDiscountAmounts.map((d) => [d.discountId, d.amount.amount])),
      note: 'sum of per-line discount amounts, by discount',
    },
    {
      target: 'tax',
      source: 'billing-core',
      amount: m(tax),
      inputs: { exclusive: exclusiveTax, inclusive: tax - exclusiveTax },
      note: 'sum of per-line taxes, by jurisdiction and tax type',
    },
    {
      target: 'total',
      source: 'billing-core',
      amount: m(total),
      inputs: { subtotal, totalDiscount, exclusiveTax },
      note: 'subtotal − totalDiscount + exclusive tax (inclusive tax is already in the subtotal)',
    },
    {
      target: 'amountDue',
      source: 'billing-core',
      amount: m(amountDue),
      inputs: { total, startingBalance },
      note:
        startingBalance < 0
          ? `customer credit balance of ${-startingBalance} applied; ending balance ${endingBalance}`
          : 'total + startingBalance, never below zero (a negative remainder becomes customer credit)',
    },
  ];

  return {
    id: header.id,
    number: null,
    customerId: header.customer.id,
    subscriptionId: header.subscriptionId,
    status: 'draft',
    billingReason: header.billingReason,
    currency: c,
    timezone: header.customer.timezone,
    periodStart: header.period.start,
    periodEnd: header.period.end,
    createdAt: header.createdAt,
    dueDate: null,
    finalizedAt: null,
    paidAt: null,
    voidedAt: null,
    markedUncollectibleAt: null,
    lines,
    subtotal: m(subtotal),
    totalDiscountAmounts,
    totalDiscount: m(totalDiscount),
    totalTaxAmounts,
    tax: m(tax),
    total: m(total),
    startingBalance: m(startingBalance),
    endingBalance: m(endingBalance),
    amountDue: m(amountDue),
    amountPaid: m(0),
    amountRemaining: m(amountDue),
    explanation,
  };
}

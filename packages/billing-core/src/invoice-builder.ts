import type { DiscountDefinitionInput } from '@billkit/discount';
import { formatMoney, isMoneyError, type Money, money } from '@billkit/money';
import { afterNetCap, capAmountDiscountsAtNet } from './amount-discount-cap.js';
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
import { BillingError, isBillingError } from './errors.js';
import type { ExplanationEntry } from './explanation.js';
import { assertInvoiceInvariants } from './invariants.js';
import type {
  BillingReason,
  DiscountAmount,
  Invoice,
  InvoiceDiscountTotal,
  InvoiceLine,
  InvoiceTaxTotal,
  TaxAmount,
} from './invoice.js';
import { KeyIndex } from './key-index.js';
import { instantInput } from './parse-input.js';
import type { Price } from './price.js';
import { computePriceAmount, forItem } from './pricing.js';
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
  /**
   * The invoice date: discount validity is checked at this instant, and tax rates are those in force on
   * the customer's local calendar date at this instant (in `customer.timezone`).
   */
  readonly createdAt: string;
  /** Invoice period; defaults to the span of the line periods, or `[createdAt, createdAt]`. */
  readonly period?: BillingPeriod;
  readonly subscriptionId?: string | null;
  readonly items?: readonly InvoiceItemInput[];
  readonly pendingInvoiceItems?: readonly PendingInvoiceItem[];
  readonly discounts?: readonly DiscountDefinitionInput[];
  readonly discountState?: DiscountState;
  /**
   * Tax date when it differs from `createdAt` (e.g. the start of the billed period): an instant, read as
   * the customer's local date, or a calendar date (`2021-01-01`) taken as it is.
   */
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

/**
 * `{ pendingInvoiceItemId, ...inputs }`: the spread onto a literal that already has a key was a visible
 * share of building a line; Object.assign copies the same own enumerable properties (an own
 * `__proto__` key, which assignment would not copy as a property, keeps the spread).
 */
function pendingInputs(item: PendingInvoiceItem): Record<string, unknown> {
  const inputs = item.inputs;
  if (inputs == null || Object.hasOwn(inputs, '__proto__'))
    return { pendingInvoiceItemId: item.id, ...inputs };
  if (hasProrationInputs(inputs)) {
    // The inputs billing-core's own proration step records, key for key in their order: one literal.
    return {
      pendingInvoiceItemId: item.id,
      changeType: inputs.changeType,
      kind: inputs.kind,
      configurationId: inputs.configurationId,
      basis: inputs.basis,
      fraction: inputs.fraction,
      unroundedAmount: inputs.unroundedAmount,
      precision: inputs.precision,
      rounding: inputs.rounding,
      prorationDate: inputs.prorationDate,
    };
  }
  return Object.assign({ pendingInvoiceItemId: item.id }, inputs);
}

const PRORATION_INPUT_KEYS = [
  'changeType',
  'kind',
  'configurationId',
  'basis',
  'fraction',
  'unroundedAmount',
  'precision',
  'rounding',
  'prorationDate',
];

/**
 * True when `inputs` is a plain object whose own enumerable keys are exactly the proration step's, in
 * its order, with no symbol keys: copying those nine fields by name is then what the spread copies.
 */
function hasProrationInputs(inputs: Record<string, unknown>): boolean {
  if (Object.getPrototypeOf(inputs) !== Object.prototype) return false;
  let i = 0;
  for (const key in inputs) {
    if (key !== PRORATION_INPUT_KEYS[i]) return false;
    i += 1;
  }
  return i === PRORATION_INPUT_KEYS.length && Object.getOwnPropertySymbols(inputs).length === 0;
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
      inputs: pendingInputs(item),
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

/**
 * The credit balances the next run starts from: the balances so far plus what this run left of each
 * credit it spent. A credit a run did not spend is not recorded, so that it stays a new redemption
 * (the engine counts one only while no balance is recorded) for a later run that spends it.
 */
function threadCredits(
  balances: DiscountState['creditBalances'],
  run: DiscountStepResult,
): DiscountState['creditBalances'] {
  let next: Record<string, Money> | undefined;
  for (const id of Object.keys(run.creditsRemaining)) {
    const spent = run.applied.some((a) => a.discountId === id);
    if (!spent && (balances === undefined || !Object.hasOwn(balances, id))) continue;
    next ??= { ...balances };
    next[id] = run.creditsRemaining[id] as Money;
  }
  return next ?? balances;
}

/** Lines discounted together: one group per distinct period state, in order, then the invoice's own. */
interface DiscountGroup {
  /** The period state (periods billed per discount id), or `null` for the invoice's own state. */
  readonly snapshot: Record<string, number> | null;
  readonly lines: DraftLine[];
  /** Positions of the lines in the invoice. */
  readonly indices: number[];
  readonly state: Readonly<Record<string, number>> | null;
}

/** True when JSON.stringify would print both records alike (the grouping key this replaces). */
function sameState(a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>): boolean {
  if (a === b) return true;
  const keys = Object.keys(a);
  const others = Object.keys(b);
  if (keys.length !== others.length) return false;
  for (let i = 0; i < keys.length; i += 1) {
    const key = keys[i] as string;
    if (key !== others[i]) return false;
    const x = a[key];
    const y = b[key];
    if (typeof x !== 'number' || typeof y !== 'number' || !Number.isFinite(x) || !Number.isFinite(y))
      return JSON.stringify(a) === JSON.stringify(b);
    if (x !== y) return false;
  }
  return true;
}

/** A copy of a period state as JSON would round-trip it (finite numbers are copied as they are). */
function stateSnapshot(state: Readonly<Record<string, number>>): Record<string, number> {
  const snapshot: Record<string, number> = {};
  for (const key of Object.keys(state)) {
    const value = state[key];
    if (key === '__proto__' || typeof value !== 'number' || !Number.isFinite(value))
      return JSON.parse(JSON.stringify(state)) as Record<string, number>;
    snapshot[key] = value === 0 ? 0 : value;
  }
  return snapshot;
}

/**
 * Lines grouped by the discount state they carry (`discountPeriodsBilled`): the proration groups in
 * order of first appearance, then the lines billed with the invoice's own state. States are compared as
 * their JSON text was (the key of the Map this replaces), without printing and parsing it per line.
 */
function groupByDiscountState(lines: readonly DraftLine[]): DiscountGroup[] {
  const groups: DiscountGroup[] = [];
  const own: DraftLine[] = [];
  const ownIndices: number[] = [];
  for (let index = 0; index < lines.length; index += 1) {
    const line = lines[index] as DraftLine;
    const state = line.discountPeriodsBilled;
    if (state === null) {
      own.push(line);
      ownIndices.push(index);
      continue;
    }
    let group: DiscountGroup | undefined;
    for (const g of groups) {
      if (sameState(g.state as Readonly<Record<string, number>>, state)) {
        group = g;
        break;
      }
    }
    if (group === undefined)
      groups.push({ snapshot: stateSnapshot(state), lines: [line], indices: [index], state });
    else {
      group.lines.push(line);
      group.indices.push(index);
    }
  }
  if (own.length > 0) groups.push({ snapshot: null, lines: own, indices: ownIndices, state: null });
  return groups;
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
  instantInput(input.createdAt, 'createdAt', input.customer.timezone);
  try {
    return assembleInvoice(input, env);
  } catch (error) {
    throw amountOverflowOf(error) ?? error;
  }
}

const INVOICE_OVERFLOW =
  "the invoice's sums (subtotal, discounts, tax or total) would exceed 2^53−1 minor units, the largest amount billkit represents";

/**
 * A money overflow anywhere in building an invoice (a sum of lines, a tax the engine computed) as the
 * caller's error `BILLING_AMOUNT_OVERFLOW` naming `items`; null for any other error.
 */
function amountOverflowOf(error: unknown): BillingError | null {
  const overflow =
    isMoneyError(error, 'MONEY_NOT_SAFE_INTEGER') ||
    (isBillingError(error, 'BILLING_ENGINE_FAILURE') &&
      (error.details.code === 'MONEY_NOT_SAFE_INTEGER' ||
        isMoneyError(error.cause, 'MONEY_NOT_SAFE_INTEGER')));
  if (!overflow) return null;
  return new BillingError(
    'BILLING_AMOUNT_OVERFLOW',
    `The invoice cannot be built: ${INVOICE_OVERFLOW}`,
    { issues: [{ path: ['items'], message: INVOICE_OVERFLOW }] },
    { cause: error },
  );
}

/** {@link buildInvoice} before a money overflow is translated into the caller's error. */
function assembleInvoice(input: BuildInvoiceInput, env: BillingEnvironment): InvoiceBuildResult {
  const config = configOf(env);
  const currency = input.customer.currency;
  let counter = 0;
  const nextId = (): string => `${input.invoiceId}_li_${++counter}`;

  // 1. Proration (already computed into pending items) and pricing.
  const lines: DraftLine[] = [];
  for (const [i, item] of (input.items ?? []).entries())
    lines.push(forItem(i, () => priceLine(nextId(), item, env.catalog, currency)));
  for (const item of input.pendingInvoiceItems ?? [])
    lines.push(pendingLine(nextId(), item, env.catalog, currency));

  // 2. Discount. Proration lines carry the discount state of the period they belong to; lines sharing a
  // state are discounted together, earlier periods first, credit balances threaded from run to run.
  const groups = groupByDiscountState(lines);
  const state = input.discountState ?? {};
  let creditBalances = state.creditBalances;
  const runs: DiscountStepResult[] = [];
  const lineDiscounts: DiscountAmount[][] = new Array(lines.length);
  for (const { snapshot, lines: group, indices } of groups) {
    // A proration group is discounted only by the discounts that were in force in its period.
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
    creditBalances = threadCredits(creditBalances, run);
    runs.push(run);
    for (let k = 0; k < indices.length; k += 1)
      lineDiscounts[indices[k] as number] = run.perLine[k] as DiscountAmount[];
  }
  // The runs each kept their amount discounts within their own lines; the invoice as a whole must not go
  // below zero because of them either.
  const cap = capAmountDiscountsAtNet(lines, lineDiscounts, input.discounts ?? [], currency);
  const discountStep = afterNetCap(mergeDiscountRuns(runs), cap, lines, input.discounts ?? [], currency);
  if (cap.capped.length > 0)
    for (let i = 0; i < lines.length; i += 1) lineDiscounts[i] = cap.perLine[i] as DiscountAmount[];
  const discounted: Money[] = new Array(lines.length);
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i] as DraftLine;
    const amounts = lineDiscounts[i];
    let off = 0;
    if (amounts !== undefined) for (const d of amounts) off += d.amount.amount;
    discounted[i] = off === 0 ? line.amount : money(line.amount.amount - off, currency);
  }

  // The trail: the lines' entries, the discounts', then the tax step's (appended by taxLines itself).
  const explanation: ExplanationEntry[] = [];
  for (const line of lines) explanation.push(line.explanation);
  for (const entry of discountStep.explanation) explanation.push(entry);

  // 3. Tax, on the discounted amounts.
  const taxStep = taxLines(
    lines,
    discounted,
    { currency, taxDate: input.taxDate ?? input.createdAt, customer: input.customer, source: env.tax },
    config,
    explanation,
  );

  const invoiceLines: InvoiceLine[] = lines.map((line, i) => ({
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
    discountAmounts: lineDiscounts[i] ?? [],
    taxAmounts: taxStep.perLine[i] ?? [],
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
    explanation,
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
  let subtotal = 0;
  for (const line of lines) subtotal += line.amount.amount;

  const discountTotals = new Map<string, number>();
  let exclusiveTax = 0;
  // Per jurisdiction, tax type and inclusiveness: the running sums as plain numbers and the latest
  // entry (whose names the total carries), turned into Money once per key rather than once per line.
  // Positions by key (first-seen order, as the Map this replaces iterated) and the sums at each.
  const taxKeys = new KeyIndex();
  const taxSums: { last: TaxAmount; taxable: number; amount: number }[] = [];
  let sumsSafe = true;
  for (const line of lines) {
    for (const d of line.discountAmounts)
      discountTotals.set(d.discountId, (discountTotals.get(d.discountId) ?? 0) + d.amount.amount);
    for (const t of line.taxAmounts) {
      const slot = taxKeys.slot(taxTotalKey(t));
      let sums = taxSums[slot];
      if (sums === undefined) {
        sums = { last: t, taxable: t.taxableAmount.amount, amount: t.amount.amount };
        taxSums[slot] = sums;
      } else {
        sums.last = t;
        sums.taxable += t.taxableAmount.amount;
        sums.amount += t.amount.amount;
      }
      if (!Number.isSafeInteger(sums.taxable) || !Number.isSafeInteger(sums.amount)) sumsSafe = false;
      if (!t.inclusive) exclusiveTax += t.amount.amount;
    }
  }
  let totalTaxAmounts: InvoiceTaxTotal[];
  if (sumsSafe) {
    // One total per key, in the keys' first-seen order (what the Map's values gave).
    totalTaxAmounts = new Array(taxSums.length);
    for (let i = 0; i < taxSums.length; i += 1) {
      const { last: t, taxable, amount } = taxSums[i] as (typeof taxSums)[number];
      totalTaxAmounts[i] = {
        jurisdictionId: t.jurisdictionId,
        jurisdictionName: t.jurisdictionName,
        jurisdictionLevel: t.jurisdictionLevel,
        taxType: t.taxType,
        inclusive: t.inclusive,
        taxableAmount: m(taxable),
        amount: m(amount),
      };
    }
  } else {
    const taxTotals = new Map<string, InvoiceTaxTotal>();
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
    totalTaxAmounts = [...taxTotals.values()];
  }
  const discountIds = [...discountTotals.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const totalDiscountAmounts: InvoiceDiscountTotal[] = [];
  const byDiscount: Record<string, number> = {};
  let totalDiscount = 0;
  for (const discountId of discountIds) {
    const amount = m(discountTotals.get(discountId) as number);
    totalDiscountAmounts.push({ discountId, amount });
    totalDiscount += amount.amount;
    // An own property whatever the id (as Object.fromEntries defined it, `__proto__` included).
    if (discountId === '__proto__')
      Object.defineProperty(byDiscount, discountId, {
        value: amount.amount,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    else byDiscount[discountId] = amount.amount;
  }
  let tax = 0;
  for (const t of totalTaxAmounts) tax += t.amount.amount;
  const total = subtotal - totalDiscount + exclusiveTax;
  const startingBalance = header.customer.balance;
  const net = total + startingBalance;
  const amountDue = Math.max(0, net);
  const endingBalance = Math.min(0, net);
  // Each total is one (frozen) Money wherever it appears.
  const subtotalMoney = m(subtotal);
  const totalDiscountMoney = m(totalDiscount);
  const taxMoney = m(tax);
  const totalMoney = m(total);
  const amountDueMoney = m(amountDue);
  const lineAmounts: number[] = new Array(lines.length);
  for (let i = 0; i < lines.length; i += 1) lineAmounts[i] = (lines[i] as InvoiceLine).amount.amount;

  const explanation = lineExplanation;
  explanation.push(
    {
      target: 'subtotal',
      source: 'billing-core',
      amount: subtotalMoney,
      inputs: { lines: lineAmounts },
      note: 'sum of line amounts (before discounts; tax-inclusive lines include their tax)',
    },
    {
      target: 'totalDiscount',
      source: 'billing-core',
      amount: totalDiscountMoney,
      inputs: byDiscount,
      note: 'sum of per-line discount amounts, by discount',
    },
    {
      target: 'tax',
      source: 'billing-core',
      amount: taxMoney,
      inputs: { exclusive: exclusiveTax, inclusive: tax - exclusiveTax },
      note: 'sum of per-line taxes, by jurisdiction and tax type',
    },
    {
      target: 'total',
      source: 'billing-core',
      amount: totalMoney,
      inputs: { subtotal, totalDiscount, exclusiveTax },
      note: 'subtotal − totalDiscount + exclusive tax (inclusive tax is already in the subtotal)',
    },
    {
      target: 'amountDue',
      source: 'billing-core',
      amount: amountDueMoney,
      inputs: { total, startingBalance },
      note:
        startingBalance < 0
          ? `customer credit balance of ${-startingBalance} applied; ending balance ${endingBalance}`
          : 'total + startingBalance, never below zero (a negative remainder becomes customer credit)',
    },
  );

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
    subtotal: subtotalMoney,
    totalDiscountAmounts,
    totalDiscount: totalDiscountMoney,
    totalTaxAmounts,
    tax: taxMoney,
    total: totalMoney,
    startingBalance: m(startingBalance),
    endingBalance: m(endingBalance),
    amountDue: amountDueMoney,
    amountPaid: m(0),
    amountRemaining: amountDueMoney,
    explanation,
  };
}

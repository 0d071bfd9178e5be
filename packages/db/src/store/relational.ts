import type { BillingClient } from '../client.js';
import { StoreError } from './port.js';
import type {
  CreditNoteRecord,
  CustomerRecord,
  DiscountRecord,
  InvoiceRecord,
  PriceRecord,
  ProductRecord,
  SubscriptionRecord,
} from './records.js';

// Customers, products and prices live in @billkit/db's own tables (`Customer`, `Product`, `Price`), column
// for column as db's repositories store them (same JSON-text and BIGINT encodings, so db's `customers.get`,
// `prices.getMany`, … read what the API writes and the other way round). They are written here through the
// transaction's Prisma client rather than db's repositories because `db.transaction(fn)` hands `fn`
// repositories only: the API's side documents, its tenant lock and its audit events could not share that
// transaction. What db has no column for is kept in a side document (ApiDocument kind `<kind>_extra`):
//
// - customer: `metadata` (no column) and whether `address.districts` was given as an empty list (db stores
//   `[]` for both "absent" and "empty", and the API echoes what the client sent);
// - product: `metadata` (no column);
// - subscription: `metadata` (no column), and any instant the client gave in another spelling than
//   `toISOString()` (db's DATETIME(3) columns give back the normalised form; the API echoes the original).
// - invoice: the payment tracking (`paymentIntentId`, `lastPaymentError`, `paymentAttempts`,
//   `paymentMethodId`, `gatewayCustomerId`), which db's `Invoice` has no columns for, and instants spelled
//   other than `toISOString()` (e.g. `createdAt` = a client's `start_at`), as for subscriptions.
// - credit_note: `memo` and `updatedAt` (no columns), and a `createdAt` spelled other than `toISOString()`.
// Discounts map onto `DiscountDefinition` whole (key = id), so they need no side document.

/** The entity kinds stored in db's relational tables, and the side-document kind of each. */
export const RELATIONAL_KINDS = {
  customer: 'customer_extra',
  product: 'product_extra',
  price: null,
  discount: null,
  subscription: 'subscription_extra',
  invoice: 'invoice_extra',
  credit_note: 'credit_note_extra',
} as const;
export type RelationalKind = keyof typeof RELATIONAL_KINDS;
export type RelationalRecord =
  | CustomerRecord
  | ProductRecord
  | PriceRecord
  | DiscountRecord
  | SubscriptionRecord
  | InvoiceRecord
  | CreditNoteRecord;

export const isRelational = (kind: string): kind is RelationalKind => Object.hasOwn(RELATIONAL_KINDS, kind);

/** What a side document holds (absent for prices). */
export interface SideDocument {
  metadata?: Record<string, string>;
  emptyDistricts?: true;
  /** Instants as the client spelled them, by field path (`trialEnd`, `discounts.0.start`). */
  instants?: Record<string, string>;
  /** A credit note's memo and last change. */
  memo?: string | null;
  updatedAt?: string;
  /** An invoice's payment tracking. */
  payment?: {
    paymentIntentId: string | null;
    lastPaymentError: string | null;
    paymentAttempts: number;
    paymentMethodId?: string | null;
    gatewayCustomerId?: string | null;
  };
}

type CustomerRow = Awaited<ReturnType<BillingClient['customer']['findFirstOrThrow']>>;
type ProductRow = Awaited<ReturnType<BillingClient['product']['findFirstOrThrow']>>;
type PriceRow = Awaited<ReturnType<BillingClient['price']['findFirstOrThrow']>>;
type DiscountRow = Awaited<ReturnType<BillingClient['discountDefinition']['findFirstOrThrow']>>;
type InvoiceLineRow = Awaited<ReturnType<BillingClient['invoiceLine']['findFirstOrThrow']>> & {
  discounts: Awaited<ReturnType<BillingClient['invoiceLineDiscount']['findFirstOrThrow']>>[];
  taxes: Awaited<ReturnType<BillingClient['invoiceLineTax']['findFirstOrThrow']>>[];
};
type InvoiceRow = Awaited<ReturnType<BillingClient['invoice']['findFirstOrThrow']>> & {
  lines: InvoiceLineRow[];
};
type CreditNoteRow = Awaited<ReturnType<BillingClient['creditNote']['findFirstOrThrow']>> & {
  lines: Awaited<ReturnType<BillingClient['creditNoteLine']['findFirstOrThrow']>>[];
};
type SubscriptionRow = Awaited<ReturnType<BillingClient['subscription']['findFirstOrThrow']>> & {
  items: Awaited<ReturnType<BillingClient['subscriptionItem']['findFirstOrThrow']>>[];
  discounts: Awaited<ReturnType<BillingClient['subscriptionDiscount']['findFirstOrThrow']>>[];
};

const parseJson = <T>(text: string | null, fallback: T): T =>
  text === null ? fallback : (JSON.parse(text) as T);

function minorUnits(value: bigint | number | null, column: string): number | null {
  if (value === null) return null;
  const n = Number(value);
  if (!Number.isSafeInteger(n))
    throw new StoreError('DB_UNAVAILABLE', `${column} ${String(value)} is not a safe integer`);
  return n;
}

/** Optional string fields: absent in the record when null in the row. */
function present<T extends Record<string, string | null>>(fields: T): Partial<Record<keyof T, string>> {
  const out: Partial<Record<keyof T, string>> = {};
  for (const key of Object.keys(fields) as (keyof T)[]) {
    const value = fields[key];
    if (value !== null && value !== undefined) out[key] = value;
  }
  return out;
}

export function customerFromRow(row: CustomerRow, side: SideDocument | null): CustomerRecord {
  const districts = parseJson<string[]>(row.addressDistricts, []);
  return {
    id: row.id,
    externalId: row.externalId,
    name: row.name,
    email: row.email,
    currency: row.currency,
    timezone: row.timezone,
    address: {
      ...present({ line1: row.addressLine1, line2: row.addressLine2 }),
      country: row.addressCountry,
      ...present({
        region: row.addressRegion,
        county: row.addressCounty,
        city: row.addressCity,
        postalCode: row.addressPostalCode,
      }),
      ...(districts.length > 0 || side?.emptyDistricts ? { districts } : {}),
    },
    taxExempt: row.taxExempt as CustomerRecord['taxExempt'],
    taxExemptions: parseJson(row.taxExemptions, []),
    taxIds: parseJson(row.taxIds, []),
    balance: minorUnits(row.balance, 'Customer.balance') ?? 0,
    metadata: side?.metadata ?? {},
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

function customerColumns(c: CustomerRecord) {
  if (!Number.isSafeInteger(c.balance))
    throw new StoreError('DB_UNAVAILABLE', `Customer.balance ${c.balance} is not a safe integer`);
  return {
    externalId: c.externalId,
    name: c.name,
    email: c.email,
    currency: c.currency,
    timezone: c.timezone,
    addressLine1: c.address.line1 ?? null,
    addressLine2: c.address.line2 ?? null,
    addressCountry: c.address.country,
    addressRegion: c.address.region ?? null,
    addressCounty: c.address.county ?? null,
    addressCity: c.address.city ?? null,
    addressPostalCode: c.address.postalCode ?? null,
    addressDistricts: JSON.stringify(c.address.districts ?? []),
    taxExempt: c.taxExempt,
    taxExemptions: JSON.stringify(c.taxExemptions),
    taxIds: JSON.stringify(c.taxIds),
    balance: BigInt(c.balance),
    createdAt: new Date(c.createdAt),
    updatedAt: new Date(c.updatedAt),
  };
}

export function productFromRow(row: ProductRow, side: SideDocument | null): ProductRecord {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    taxCategory: row.taxCategory,
    active: row.active,
    metadata: side?.metadata ?? {},
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

function productColumns(p: ProductRecord) {
  return {
    name: p.name,
    description: p.description,
    taxCategory: p.taxCategory,
    active: p.active,
    createdAt: new Date(p.createdAt),
    updatedAt: new Date(p.updatedAt),
  };
}

export function priceFromRow(row: PriceRow): PriceRecord {
  return {
    id: row.id,
    productId: row.productId,
    currency: row.currency,
    nickname: row.nickname,
    lookupKey: row.lookupKey,
    active: row.active,
    billingScheme: row.billingScheme as PriceRecord['billingScheme'],
    flatAmount: minorUnits(row.flatAmount, 'Price.flatAmount'),
    unitAmount: minorUnits(row.unitAmount, 'Price.unitAmount'),
    tiersMode: row.tiersMode as PriceRecord['tiersMode'],
    tiers: parseJson<PriceRecord['tiers']>(row.tiers, null),
    recurring:
      row.recurringInterval === null
        ? null
        : {
            interval: row.recurringInterval as NonNullable<PriceRecord['recurring']>['interval'],
            intervalCount: row.recurringIntervalCount ?? 1,
          },
    taxBehavior: row.taxBehavior as PriceRecord['taxBehavior'],
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

function priceColumns(p: PriceRecord) {
  const amount = (value: number | null, column: string) => {
    if (value === null) return null;
    if (!Number.isSafeInteger(value))
      throw new StoreError('DB_UNAVAILABLE', `${column} is not a safe integer`);
    return BigInt(value);
  };
  return {
    productId: p.productId,
    currency: p.currency,
    nickname: p.nickname,
    lookupKey: p.lookupKey,
    active: p.active,
    billingScheme: p.billingScheme,
    flatAmount: amount(p.flatAmount, 'Price.flatAmount'),
    unitAmount: amount(p.unitAmount, 'Price.unitAmount'),
    tiersMode: p.tiersMode,
    tiers: p.tiers === null ? null : JSON.stringify(p.tiers),
    recurringInterval: p.recurring?.interval ?? null,
    recurringIntervalCount: p.recurring?.intervalCount ?? null,
    taxBehavior: p.taxBehavior,
    createdAt: new Date(p.createdAt),
    updatedAt: new Date(p.updatedAt),
  };
}

export function discountFromRow(row: DiscountRow): DiscountRecord {
  return {
    id: row.key,
    name: row.name,
    definition: parseJson<Record<string, unknown>>(row.definition, {}),
    active: row.active,
    maxRedemptions: row.maxRedemptions,
    timesRedeemed: row.timesRedeemed,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

function discountColumns(d: DiscountRecord) {
  return {
    type: String(d.definition.type ?? 'unknown'),
    name: d.name,
    // db's repositories keep the definition with its id, as @billkit/discount reads it.
    definition: JSON.stringify({ ...d.definition, id: d.id }),
    maxRedemptions: d.maxRedemptions,
    timesRedeemed: d.timesRedeemed,
    active: d.active,
    createdAt: new Date(d.createdAt),
    updatedAt: new Date(d.updatedAt),
  };
}

const iso = (date: Date | null): string | null => (date === null ? null : date.toISOString());
const SUBSCRIPTION_INSTANTS = [
  'currentPeriodStart',
  'currentPeriodEnd',
  'billingCycleAnchor',
  'trialStart',
  'trialEnd',
  'canceledAt',
  'endedAt',
  'pausedAt',
  'createdAt',
] as const;

export function subscriptionFromRow(row: SubscriptionRow, side: SideDocument | null): SubscriptionRecord {
  const spelled = side?.instants ?? {};
  const instant = (path: string, value: string | null) => (value === null ? null : (spelled[path] ?? value));
  return {
    id: row.id,
    customerId: row.customerId,
    currency: row.currency,
    status: row.status as SubscriptionRecord['status'],
    items: [...row.items]
      .sort((a, b) => a.position - b.position)
      .map((item) => ({ id: item.id, priceId: item.priceId, quantity: item.quantity })),
    currentPeriodStart: instant('currentPeriodStart', row.currentPeriodStart.toISOString()) as string,
    currentPeriodEnd: instant('currentPeriodEnd', row.currentPeriodEnd.toISOString()) as string,
    billingCycleAnchor: instant('billingCycleAnchor', row.billingCycleAnchor.toISOString()) as string,
    trialStart: instant('trialStart', iso(row.trialStart)),
    trialEnd: instant('trialEnd', iso(row.trialEnd)),
    discounts: [...row.discounts]
      .sort((a, b) => a.position - b.position)
      .map((d, index) => ({
        id: d.id,
        discount: JSON.parse(d.discount) as SubscriptionRecord['discounts'][number]['discount'],
        start: instant(`discounts.${index}.start`, d.start.toISOString()) as string,
        periodsApplied: d.periodsApplied,
      })),
    cancelAtPeriodEnd: row.cancelAtPeriodEnd,
    canceledAt: instant('canceledAt', iso(row.canceledAt)),
    endedAt: instant('endedAt', iso(row.endedAt)),
    pausedAt: instant('pausedAt', iso(row.pausedAt)),
    createdAt: instant('createdAt', row.createdAt.toISOString()) as string,
    periodsBilled: row.periodsBilled,
    pendingInvoiceItems: parseJson(row.pendingInvoiceItems, []),
    billedLines: parseJson(row.billedLines, []),
    latestInvoiceId: row.latestInvoiceId,
    version: row.version,
    metadata: side?.metadata ?? {},
    updatedAt: row.updatedAt.toISOString(),
  };
}

const toDate = (value: string | null): Date | null => (value === null ? null : new Date(value));

function subscriptionColumns(s: SubscriptionRecord) {
  return {
    customerId: s.customerId,
    currency: s.currency,
    status: s.status,
    currentPeriodStart: new Date(s.currentPeriodStart),
    currentPeriodEnd: new Date(s.currentPeriodEnd),
    billingCycleAnchor: new Date(s.billingCycleAnchor),
    trialStart: toDate(s.trialStart),
    trialEnd: toDate(s.trialEnd),
    cancelAtPeriodEnd: s.cancelAtPeriodEnd,
    canceledAt: toDate(s.canceledAt),
    endedAt: toDate(s.endedAt),
    pausedAt: toDate(s.pausedAt),
    periodsBilled: s.periodsBilled,
    pendingInvoiceItems: JSON.stringify(s.pendingInvoiceItems),
    billedLines: JSON.stringify(s.billedLines),
    latestInvoiceId: s.latestInvoiceId,
    version: s.version,
    createdAt: new Date(s.createdAt),
    updatedAt: new Date(s.updatedAt),
  };
}

/** Items and discounts rows of a subscription, replaced whole on every write (as db's repository does). */
/**
 * Replaces a subscription's item and discount rows; with `before` (the record as stored, read in this
 * transaction), only the kinds of rows that changed.
 */
async function writeSubscriptionChildren(
  client: BillingClient,
  tenantId: string,
  s: SubscriptionRecord,
  before?: SubscriptionRecord,
) {
  const same = (a: unknown, b: unknown) => before !== undefined && JSON.stringify(a) === JSON.stringify(b);
  const itemsSame = same(
    s.items.map((i) => [i.id, i.priceId, i.quantity]),
    before?.items.map((i) => [i.id, i.priceId, i.quantity]),
  );
  const discountsSame = same(
    s.discounts.map((d) => [d.id, d.discount, d.start, d.periodsApplied]),
    before?.discounts.map((d) => [d.id, d.discount, d.start, d.periodsApplied]),
  );
  if (!itemsSame) await writeSubscriptionItems(client, tenantId, s);
  if (!discountsSame) await writeSubscriptionDiscounts(client, tenantId, s);
}

async function writeSubscriptionItems(client: BillingClient, tenantId: string, s: SubscriptionRecord) {
  await client.subscriptionItem.deleteMany({ where: { subscriptionId: s.id, tenantId } });
  if (s.items.length > 0) {
    await client.subscriptionItem.createMany({
      data: s.items.map((item, position) => ({
        id: item.id,
        tenantId,
        subscriptionId: s.id,
        priceId: item.priceId,
        quantity: item.quantity,
        position,
      })),
    });
  }
}

async function writeSubscriptionDiscounts(client: BillingClient, tenantId: string, s: SubscriptionRecord) {
  await client.subscriptionDiscount.deleteMany({ where: { subscriptionId: s.id, tenantId } });
  if (s.discounts.length === 0) return;
  const named = s.discounts.flatMap((d) => (typeof d.discount.id === 'string' ? [d.discount.id] : []));
  const known = new Map(
    (
      await client.discountDefinition.findMany({
        where: { tenantId, key: { in: named } },
        select: { id: true, key: true },
      })
    ).map((row) => [row.key, row.id]),
  );
  await client.subscriptionDiscount.createMany({
    data: s.discounts.map((d, position) => ({
      id: d.id,
      tenantId,
      subscriptionId: s.id,
      discountDefinitionId: typeof d.discount.id === 'string' ? (known.get(d.discount.id) ?? null) : null,
      discount: JSON.stringify(d.discount),
      start: new Date(d.start),
      periodsApplied: d.periodsApplied,
      position,
    })),
  });
}

export function invoiceFromRow(row: InvoiceRow, side: SideDocument | null): InvoiceRecord {
  const c = row.currency;
  const money = (value: bigint | number, column: string) => ({
    amount: minorUnits(value, `Invoice.${column}`) as number,
    currency: c,
  });
  const payment = side?.payment ?? { paymentIntentId: null, lastPaymentError: null, paymentAttempts: 0 };
  return {
    id: row.id,
    number: row.number,
    customerId: row.customerId,
    subscriptionId: row.subscriptionId,
    status: row.status as InvoiceRecord['status'],
    billingReason: row.billingReason as InvoiceRecord['billingReason'],
    currency: c,
    timezone: row.timezone,
    periodStart: row.periodStart.toISOString(),
    periodEnd: row.periodEnd.toISOString(),
    createdAt: row.createdAt.toISOString(),
    dueDate: iso(row.dueDate),
    finalizedAt: iso(row.finalizedAt),
    paidAt: iso(row.paidAt),
    voidedAt: iso(row.voidedAt),
    markedUncollectibleAt: iso(row.markedUncollectibleAt),
    lines: [...row.lines]
      .sort((a, b) => a.position - b.position)
      .map((line) => ({
        id: line.id,
        type: line.type as InvoiceRecord['lines'][number]['type'],
        description: line.description,
        period:
          line.periodStart && line.periodEnd
            ? { start: line.periodStart.toISOString(), end: line.periodEnd.toISOString() }
            : null,
        quantity: line.quantity,
        unitAmount: line.unitAmount === null ? null : money(line.unitAmount, 'lines.unitAmount'),
        amount: money(line.amount, 'lines.amount'),
        priceId: line.priceId,
        productId: line.productId,
        subscriptionItemId: line.subscriptionItemId,
        proration: line.proration,
        taxBehavior: line.taxBehavior as InvoiceRecord['lines'][number]['taxBehavior'],
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
      })) as InvoiceRecord['lines'],
    subtotal: money(row.subtotal, 'subtotal'),
    totalDiscountAmounts: parseJson(row.totalDiscountAmounts, []),
    totalDiscount: money(row.totalDiscount, 'totalDiscount'),
    totalTaxAmounts: parseJson(row.totalTaxAmounts, []),
    tax: money(row.tax, 'tax'),
    total: money(row.total, 'total'),
    startingBalance: money(row.startingBalance, 'startingBalance'),
    endingBalance: money(row.endingBalance, 'endingBalance'),
    amountDue: money(row.amountDue, 'amountDue'),
    amountPaid: money(row.amountPaid, 'amountPaid'),
    amountRemaining: money(row.amountRemaining, 'amountRemaining'),
    explanation: parseJson(row.explanation, []),
    ...payment,
    updatedAt: row.updatedAt.toISOString(),
  } as InvoiceRecord;
}

/** Safe-integer minor units of an amount in the invoice's currency, as a BIGINT value. */
function minorOf(value: { amount: number; currency: string }, currency: string, field: string): bigint {
  if (value.currency !== currency || !Number.isSafeInteger(value.amount))
    throw new StoreError('DB_UNAVAILABLE', `Invoice ${field} is not a safe amount in ${currency}`);
  return BigInt(value.amount);
}

function invoiceColumns(invoice: InvoiceRecord) {
  const c = invoice.currency;
  const isCycle =
    invoice.billingReason === 'subscription_cycle' || invoice.billingReason === 'subscription_create';
  return {
    customerId: invoice.customerId,
    subscriptionId: invoice.subscriptionId,
    number: invoice.number,
    status: invoice.status,
    billingReason: invoice.billingReason,
    currency: c,
    timezone: invoice.timezone,
    periodStart: new Date(invoice.periodStart),
    periodEnd: new Date(invoice.periodEnd),
    // db's guard against billing a subscription period twice (unique with subscriptionId).
    cyclePeriodStart: isCycle && invoice.subscriptionId ? new Date(invoice.periodStart) : null,
    subtotal: minorOf(invoice.subtotal, c, 'subtotal'),
    totalDiscount: minorOf(invoice.totalDiscount, c, 'totalDiscount'),
    tax: minorOf(invoice.tax, c, 'tax'),
    total: minorOf(invoice.total, c, 'total'),
    totalDiscountAmounts: JSON.stringify(invoice.totalDiscountAmounts),
    totalTaxAmounts: JSON.stringify(invoice.totalTaxAmounts),
    startingBalance: minorOf(invoice.startingBalance, c, 'startingBalance'),
    endingBalance: minorOf(invoice.endingBalance, c, 'endingBalance'),
    amountDue: minorOf(invoice.amountDue, c, 'amountDue'),
    amountPaid: minorOf(invoice.amountPaid, c, 'amountPaid'),
    amountRemaining: minorOf(invoice.amountRemaining, c, 'amountRemaining'),
    explanation: JSON.stringify(invoice.explanation),
    dueDate: toDate(invoice.dueDate),
    finalizedAt: toDate(invoice.finalizedAt),
    paidAt: toDate(invoice.paidAt),
    voidedAt: toDate(invoice.voidedAt),
    markedUncollectibleAt: toDate(invoice.markedUncollectibleAt),
    createdAt: new Date(invoice.createdAt),
    updatedAt: new Date(invoice.updatedAt),
  };
}

/**
 * Whether an invoice's lines differ from the stored ones (by id and order). Lines never change after
 * creation in billing-core, and credit-note lines reference them, so transitions leave them alone.
 */
async function linesChanged(
  client: BillingClient,
  tenantId: string,
  invoice: InvoiceRecord,
): Promise<boolean> {
  const stored = await client.invoiceLine.findMany({
    where: { tenantId, invoiceId: invoice.id },
    orderBy: { position: 'asc' },
    select: { id: true },
  });
  return stored.map((l) => l.id).join('\n') !== lineIds(invoice);
}

const lineIds = (invoice: InvoiceRecord) => invoice.lines.map((l) => l.id).join('\n');

/**
 * An invoice's lines with their discount and tax entries, replaced whole (ids as db's repository makes
 * them): one multi-row INSERT per table. `fresh`: the invoice was just created, so there is nothing to
 * delete first.
 */
async function writeInvoiceLines(
  client: BillingClient,
  tenantId: string,
  invoice: InvoiceRecord,
  fresh = false,
) {
  const c = invoice.currency;
  if (!fresh) await client.invoiceLine.deleteMany({ where: { invoiceId: invoice.id, tenantId } });
  if (invoice.lines.length === 0) return;
  await client.invoiceLine.createMany({
    data: invoice.lines.map((line, position) => ({
      id: line.id,
      tenantId,
      invoiceId: invoice.id,
      position,
      type: line.type,
      description: line.description,
      priceId: line.priceId,
      productId: line.productId,
      subscriptionItemId: line.subscriptionItemId,
      periodStart: line.period ? new Date(line.period.start) : null,
      periodEnd: line.period ? new Date(line.period.end) : null,
      quantity: line.quantity,
      unitAmount: line.unitAmount === null ? null : minorOf(line.unitAmount, c, 'lines.unitAmount'),
      amount: minorOf(line.amount, c, 'lines.amount'),
      currency: c,
      proration: line.proration,
      taxBehavior: line.taxBehavior,
      taxCategory: line.taxCategory,
    })),
  });
  const discounts = invoice.lines.flatMap((line) =>
    line.discountAmounts.map((d, n) => ({
      id: `${line.id}_d${String(n).padStart(3, '0')}`,
      tenantId,
      invoiceLineId: line.id,
      discountId: d.discountId,
      amount: minorOf(d.amount, c, 'lines.discountAmounts'),
      currency: c,
    })),
  );
  if (discounts.length > 0) await client.invoiceLineDiscount.createMany({ data: discounts });
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
      taxableAmount: minorOf(t.taxableAmount, c, 'lines.taxAmounts.taxableAmount'),
      amount: minorOf(t.amount, c, 'lines.taxAmounts.amount'),
      currency: c,
      inclusive: t.inclusive,
      taxabilityReason: t.taxabilityReason,
    })),
  );
  if (taxes.length > 0) await client.invoiceLineTax.createMany({ data: taxes });
}

const INVOICE_INSTANTS = [
  'periodStart',
  'periodEnd',
  'createdAt',
  'dueDate',
  'finalizedAt',
  'paidAt',
  'voidedAt',
  'markedUncollectibleAt',
] as const;

/** Invoice instants (by path) whose spelling `toISOString()` would not give back. */
function unusualInvoiceInstants(invoice: InvoiceRecord): Record<string, string> | null {
  const found: Record<string, string> = {};
  const check = (path: string, value: string | null | undefined) => {
    if (typeof value === 'string' && new Date(value).toISOString() !== value) found[path] = value;
  };
  for (const field of INVOICE_INSTANTS) check(field, invoice[field]);
  invoice.lines.forEach((line, index) => {
    check(`lines.${index}.period.start`, line.period?.start);
    check(`lines.${index}.period.end`, line.period?.end);
  });
  return Object.keys(found).length > 0 ? found : null;
}

/** Puts the client's spellings back at their paths (`lines.0.period.start`). */
function respell<T>(record: T, instants: Record<string, string> | undefined): T {
  for (const [path, value] of Object.entries(instants ?? {})) {
    const keys = path.split('.');
    let target = record as unknown as Record<string, unknown>;
    for (const key of keys.slice(0, -1)) {
      const next = target?.[key];
      if (next === null || typeof next !== 'object') {
        target = undefined as unknown as Record<string, unknown>;
        break;
      }
      target = next as Record<string, unknown>;
    }
    const last = keys.at(-1);
    if (target && last !== undefined && typeof target[last] === 'string') target[last] = value;
  }
  return record;
}

function invoicePayment(invoice: InvoiceRecord): NonNullable<SideDocument['payment']> {
  return {
    paymentIntentId: invoice.paymentIntentId,
    lastPaymentError: invoice.lastPaymentError,
    paymentAttempts: invoice.paymentAttempts,
    ...('paymentMethodId' in invoice ? { paymentMethodId: invoice.paymentMethodId ?? null } : {}),
    ...('gatewayCustomerId' in invoice ? { gatewayCustomerId: invoice.gatewayCustomerId ?? null } : {}),
  };
}

export function creditNoteFromRow(row: CreditNoteRow, side: SideDocument | null): CreditNoteRecord {
  const money = (value: bigint | number) => ({
    amount: minorUnits(value, 'CreditNote amount') as number,
    currency: row.currency,
  });
  const createdAt = side?.instants?.createdAt ?? row.createdAt.toISOString();
  return {
    id: row.id,
    number: row.number,
    invoiceId: row.invoiceId,
    customerId: row.customerId,
    currency: row.currency,
    status: row.status as CreditNoteRecord['status'],
    type: row.type as CreditNoteRecord['type'],
    reason: row.reason as CreditNoteRecord['reason'],
    creditTo: row.creditTo as CreditNoteRecord['creditTo'],
    createdAt,
    lines: [...row.lines]
      .sort((a, b) => a.position - b.position)
      .map((line) => ({
        id: line.id,
        invoiceLineId: line.invoiceLineId,
        description: line.description,
        quantity: line.quantity,
        amount: money(line.amount),
        discountAmounts: parseJson(line.discountAmounts, []),
        taxAmounts: parseJson(line.taxAmounts, []),
        total: money(line.total),
      })),
    subtotal: money(row.subtotal),
    totalDiscount: money(row.totalDiscount),
    tax: money(row.tax),
    total: money(row.total),
    memo: side?.memo ?? null,
    updatedAt: side?.updatedAt ?? createdAt,
  };
}

function creditNoteColumns(note: CreditNoteRecord) {
  const c = note.currency;
  return {
    invoiceId: note.invoiceId,
    customerId: note.customerId,
    number: note.number,
    status: note.status,
    type: note.type,
    reason: note.reason,
    creditTo: note.creditTo,
    currency: c,
    subtotal: minorOf(note.subtotal, c, 'subtotal'),
    totalDiscount: minorOf(note.totalDiscount, c, 'totalDiscount'),
    tax: minorOf(note.tax, c, 'tax'),
    total: minorOf(note.total, c, 'total'),
    createdAt: new Date(note.createdAt),
  };
}

async function writeCreditNoteLines(client: BillingClient, tenantId: string, note: CreditNoteRecord) {
  const c = note.currency;
  await client.creditNoteLine.deleteMany({ where: { creditNoteId: note.id, tenantId } });
  await client.creditNoteLine.createMany({
    data: note.lines.map((line, position) => ({
      id: line.id,
      tenantId,
      creditNoteId: note.id,
      invoiceLineId: line.invoiceLineId,
      position,
      description: line.description,
      quantity: line.quantity,
      amount: minorOf(line.amount, c, 'lines.amount'),
      discountAmounts: JSON.stringify(line.discountAmounts),
      taxAmounts: JSON.stringify(line.taxAmounts),
      total: minorOf(line.total, c, 'lines.total'),
      currency: c,
    })),
  });
}

/** Instants whose spelling `toISOString()` would not give back. */
function unusualInstants(s: SubscriptionRecord): Record<string, string> | null {
  const found: Record<string, string> = {};
  const check = (path: string, value: string | null) => {
    if (value !== null && new Date(value).toISOString() !== value) found[path] = value;
  };
  for (const field of SUBSCRIPTION_INSTANTS) check(field, s[field]);
  s.discounts.forEach((d, index) => {
    check(`discounts.${index}.start`, d.start);
  });
  return Object.keys(found).length > 0 ? found : null;
}

/** The side document a record needs (null: nothing beyond db's columns). */
export function sideOf(kind: RelationalKind, record: RelationalRecord): SideDocument | null {
  if (RELATIONAL_KINDS[kind] === null) return null;
  if (kind === 'credit_note') {
    const note = record as CreditNoteRecord;
    const spelled = new Date(note.createdAt).toISOString() !== note.createdAt;
    return {
      memo: note.memo,
      updatedAt: note.updatedAt,
      ...(spelled ? { instants: { createdAt: note.createdAt } } : {}),
    };
  }
  if (kind === 'invoice') {
    const instants = unusualInvoiceInstants(record as InvoiceRecord);
    return { payment: invoicePayment(record as InvoiceRecord), ...(instants ? { instants } : {}) };
  }
  const side: SideDocument = { metadata: (record as { metadata: Record<string, string> }).metadata };
  if (kind === 'customer' && (record as CustomerRecord).address.districts?.length === 0)
    side.emptyDistricts = true;
  if (kind === 'subscription') {
    const instants = unusualInstants(record as SubscriptionRecord);
    if (instants) side.instants = instants;
  }
  return side;
}

export function fromRow(kind: RelationalKind, row: unknown, side: SideDocument | null): RelationalRecord {
  switch (kind) {
    case 'customer':
      return customerFromRow(row as CustomerRow, side);
    case 'product':
      return productFromRow(row as ProductRow, side);
    case 'price':
      return priceFromRow(row as PriceRow);
    case 'discount':
      return discountFromRow(row as DiscountRow);
    case 'subscription':
      return subscriptionFromRow(row as SubscriptionRow, side);
    case 'invoice':
      return respell(invoiceFromRow(row as InvoiceRow, side), side?.instants);
    case 'credit_note':
      return creditNoteFromRow(row as CreditNoteRow, side);
  }
}

/** Columns the database can filter a list on (other `where` fields are checked on the records). */
const COLUMN_FILTERS: Readonly<Record<RelationalKind, ReadonlySet<string>>> = {
  customer: new Set(['externalId', 'email', 'currency']),
  product: new Set(['active', 'taxCategory']),
  price: new Set(['productId', 'lookupKey', 'active', 'currency']),
  discount: new Set(['active']),
  subscription: new Set(['customerId', 'status', 'currency']),
  invoice: new Set(['customerId', 'subscriptionId', 'status', 'number', 'billingReason', 'currency']),
  credit_note: new Set(['invoiceId', 'customerId', 'status', 'number']),
};

/** The part of a list filter the database can apply itself. */
export function columnWhere(
  kind: RelationalKind,
  where: Readonly<Record<string, string | boolean | null>> | undefined,
): Record<string, string | boolean | null> {
  const out: Record<string, string | boolean | null> = {};
  for (const [field, value] of Object.entries(where ?? {}))
    if (COLUMN_FILTERS[kind].has(field)) out[field] = value;
  return out;
}

/** The row id column a record's `id` lives in (`DiscountDefinition` keeps the API's id as `key`). */
const idColumn = (kind: RelationalKind) => (kind === 'discount' ? 'key' : 'id');

/** `where` on the API's ids, translated for the kind's table. */
export function idWhere(kind: RelationalKind, where: Record<string, unknown>): Record<string, unknown> {
  if (kind !== 'discount' || !('id' in where)) return where;
  const { id, ...rest } = where;
  return { ...rest, [idColumn(kind)]: id };
}

/** Reads rows of a kind (with a subscription's items and discounts), ordered by the API's id. */
export function findRows(
  client: BillingClient,
  kind: RelationalKind,
  where: Record<string, unknown>,
  take?: number,
): Promise<{ id: string; key?: string }[]> {
  const args = {
    where: idWhere(kind, where),
    orderBy: { [idColumn(kind)]: 'asc' },
    ...(take !== undefined ? { take } : {}),
  };
  switch (kind) {
    case 'customer':
      return client.customer.findMany(args as never);
    case 'product':
      return client.product.findMany(args as never);
    case 'price':
      return client.price.findMany(args as never);
    case 'discount':
      return client.discountDefinition.findMany(args as never);
    case 'subscription':
      return client.subscription.findMany({
        ...(args as object),
        include: { items: true, discounts: true },
      } as never);
    case 'invoice':
      return client.invoice.findMany({
        ...(args as object),
        include: { lines: { include: { discounts: true, taxes: true } } },
      } as never);
    case 'credit_note':
      return client.creditNote.findMany({ ...(args as object), include: { lines: true } } as never);
  }
}

/** The API id of a row. */
export const rowId = (kind: RelationalKind, row: { id: string; key?: string }): string =>
  kind === 'discount' ? (row.key as string) : row.id;

/** Inserts a record's row(s). */
export async function createRow(
  client: BillingClient,
  tenantId: string,
  kind: RelationalKind,
  record: RelationalRecord,
): Promise<void> {
  const id = record.id;
  switch (kind) {
    case 'customer':
      await client.customer.create({ data: { ...customerColumns(record as CustomerRecord), id, tenantId } });
      return;
    case 'product':
      await client.product.create({ data: { ...productColumns(record as ProductRecord), id, tenantId } });
      return;
    case 'price':
      await client.price.create({ data: { ...priceColumns(record as PriceRecord), id, tenantId } });
      return;
    case 'discount':
      await client.discountDefinition.create({
        data: { ...discountColumns(record as DiscountRecord), id, key: id, tenantId },
      });
      return;
    case 'subscription':
      await client.subscription.create({
        data: { ...subscriptionColumns(record as SubscriptionRecord), id, tenantId },
      });
      await writeSubscriptionChildren(client, tenantId, record as SubscriptionRecord);
      return;
    case 'invoice':
      // createMany: a plain INSERT (create would read the row back).
      await client.invoice.createMany({
        data: [{ ...invoiceColumns(record as InvoiceRecord), id, tenantId }],
      });
      await writeInvoiceLines(client, tenantId, record as InvoiceRecord, true);
      return;
    case 'credit_note':
      await client.creditNote.create({
        data: { ...creditNoteColumns(record as CreditNoteRecord), id, tenantId },
      });
      await writeCreditNoteLines(client, tenantId, record as CreditNoteRecord);
      return;
  }
}

/**
 * Replaces a record's row(s); with `expectedVersion` (subscriptions) only while the stored version still
 * equals it. Returns how many rows matched (0: absent or moved on).
 */
export async function updateRow(
  client: BillingClient,
  tenantId: string,
  kind: RelationalKind,
  record: RelationalRecord,
  expectedVersion?: number,
  before?: RelationalRecord,
): Promise<number> {
  const id = record.id;
  switch (kind) {
    case 'customer':
      return (
        await client.customer.updateMany({
          where: { tenantId, id },
          data: customerColumns(record as CustomerRecord),
        })
      ).count;
    case 'product':
      return (
        await client.product.updateMany({
          where: { tenantId, id },
          data: productColumns(record as ProductRecord),
        })
      ).count;
    case 'price':
      return (
        await client.price.updateMany({ where: { tenantId, id }, data: priceColumns(record as PriceRecord) })
      ).count;
    case 'discount':
      return (
        await client.discountDefinition.updateMany({
          where: { tenantId, key: id },
          data: discountColumns(record as DiscountRecord),
        })
      ).count;
    case 'subscription': {
      const updated = await client.subscription.updateMany({
        where: { tenantId, id, ...(expectedVersion !== undefined ? { version: expectedVersion } : {}) },
        data: subscriptionColumns(record as SubscriptionRecord),
      });
      if (updated.count > 0)
        await writeSubscriptionChildren(
          client,
          tenantId,
          record as SubscriptionRecord,
          before as SubscriptionRecord | undefined,
        );
      return updated.count;
    }
    case 'invoice': {
      const updated = await client.invoice.updateMany({
        where: { tenantId, id },
        data: invoiceColumns(record as InvoiceRecord),
      });
      const invoice = record as InvoiceRecord;
      // With the stored record at hand (read in this transaction), compare its line ids; else ask.
      const changed =
        before === undefined
          ? await linesChanged(client, tenantId, invoice)
          : lineIds(before as InvoiceRecord) !== lineIds(invoice);
      if (updated.count > 0 && changed) await writeInvoiceLines(client, tenantId, invoice);
      return updated.count;
    }
    case 'credit_note': {
      const updated = await client.creditNote.updateMany({
        where: { tenantId, id },
        data: creditNoteColumns(record as CreditNoteRecord),
      });
      if (updated.count > 0) await writeCreditNoteLines(client, tenantId, record as CreditNoteRecord);
      return updated.count;
    }
  }
}

/** The stored version of a record (0 for kinds without one); null when absent. */
export async function storedVersion(
  client: BillingClient,
  tenantId: string,
  kind: RelationalKind,
  id: string,
): Promise<number | null> {
  if (kind === 'subscription') {
    const row = await client.subscription.findFirst({ where: { tenantId, id }, select: { version: true } });
    return row ? row.version : null;
  }
  const rows = await findRows(client, kind, { tenantId, id });
  return rows.length > 0 ? 0 : null;
}

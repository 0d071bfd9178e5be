import type { BillingClient } from '../client.js';
import { DbError } from '../errors.js';
import { balanceTransactionColumns, balanceTransactionFromRow } from '../repositories/customer-balance.js';
import { StoreError } from './port.js';
import type {
  BillingRunRecord,
  CreditNoteRecord,
  CustomerBalanceTransactionRecord,
  CustomerRecord,
  DiscountRecord,
  InvoiceRecord,
  PaymentAttemptRecord,
  PriceRecord,
  ProductRecord,
  PromotionCodeRecord,
  SubscriptionRecord,
  TaxTableRecord,
} from './records.js';

// Every kind the store keeps but webhook events lives in @billkit/db's own tables, column for column as db's
// repositories store them (same JSON-text and BIGINT encodings, so db's `customers.get`, `prices.getMany`, …
// read what the store writes and the other way round): `Customer`, `Product`, `Price`,
// `DiscountDefinition` (key = the record's id), `PromotionCode` (its discount named by the definition's key),
// `Subscription` (+ items, discounts), `Invoice` (+ lines, their discounts and taxes), `CreditNote` (+ lines), `TaxRateTable` (one row per tenant), `BillingRun`,
// `CustomerBalanceTransaction` and `Payment` (payment attempts). They are written here through the transaction's Prisma client rather than
// through db's repositories so that the store's lost-update checks, audit events and idempotency claims
// share the transaction.
//
// Instants: db's DATETIME(3) columns give back `toISOString()` forms. An instant a client spelled otherwise
// (`2026-03-01T06:00:00Z`, `…+00:00`) is kept as spelled in `instantSpellings` (subscriptions, invoices,
// credit notes: JSON of field path → spelling) and given back while the column still holds that instant,
// because the API answers a write with the record as written and a read must answer the same.

/** The entity kinds kept in db's relational tables (all but webhook events, which tenant-store.ts maps). */
export const RELATIONAL_KINDS = [
  'customer',
  'product',
  'price',
  'discount',
  'promotion_code',
  'subscription',
  'invoice',
  'credit_note',
  'tax_table',
  'billing_run',
  'balance_transaction',
  'payment_attempt',
] as const;
export type RelationalKind = (typeof RELATIONAL_KINDS)[number];
export type RelationalRecord =
  | CustomerRecord
  | ProductRecord
  | PriceRecord
  | DiscountRecord
  | PromotionCodeRecord
  | SubscriptionRecord
  | InvoiceRecord
  | CreditNoteRecord
  | TaxTableRecord
  | BillingRunRecord
  | CustomerBalanceTransactionRecord
  | PaymentAttemptRecord;

const RELATIONAL: ReadonlySet<string> = new Set(RELATIONAL_KINDS);
export const isRelational = (kind: string): kind is RelationalKind => RELATIONAL.has(kind);

/** The id of the tenant's one tax rate table. */
const TAX_TABLE_ID = 'tax_table';

type CustomerRow = Awaited<ReturnType<BillingClient['customer']['findFirstOrThrow']>>;
type ProductRow = Awaited<ReturnType<BillingClient['product']['findFirstOrThrow']>>;
type PriceRow = Awaited<ReturnType<BillingClient['price']['findFirstOrThrow']>>;
type DiscountRow = Awaited<ReturnType<BillingClient['discountDefinition']['findFirstOrThrow']>>;
type PromotionCodeRow = Awaited<ReturnType<BillingClient['promotionCode']['findFirstOrThrow']>> & {
  discountDefinition: { key: string };
};
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
type TaxTableRow = Awaited<ReturnType<BillingClient['taxRateTable']['findFirstOrThrow']>>;
type BillingRunRow = Awaited<ReturnType<BillingClient['billingRun']['findFirstOrThrow']>>;
type BalanceTransactionRow = Awaited<
  ReturnType<BillingClient['customerBalanceTransaction']['findFirstOrThrow']>
>;
type PaymentRow = Awaited<ReturnType<BillingClient['payment']['findFirstOrThrow']>>;
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

/** Safe-integer minor units as a BIGINT column value. */
function safeBigInt(value: number, column: string): bigint {
  if (!Number.isSafeInteger(value))
    throw new StoreError('DB_UNAVAILABLE', `${column} ${value} is not a safe integer`);
  return BigInt(value);
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

export function customerFromRow(row: CustomerRow): CustomerRecord {
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
      districts,
    },
    taxExempt: row.taxExempt as CustomerRecord['taxExempt'],
    taxExemptions: parseJson(row.taxExemptions, []),
    taxIds: parseJson(row.taxIds, []),
    balance: minorUnits(row.balance, 'Customer.balance') ?? 0,
    metadata: parseJson(row.metadata, {}),
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
    metadata: JSON.stringify(c.metadata),
    createdAt: new Date(c.createdAt),
    updatedAt: new Date(c.updatedAt),
  };
}

export function productFromRow(row: ProductRow): ProductRecord {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    taxCategory: row.taxCategory,
    active: row.active,
    metadata: parseJson(row.metadata, {}),
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
    metadata: JSON.stringify(p.metadata),
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

export function promotionCodeFromRow(row: PromotionCodeRow): PromotionCodeRecord {
  return {
    id: row.id,
    code: row.code,
    discountId: row.discountDefinition.key,
    active: row.active,
    maxRedemptions: row.maxRedemptions,
    timesRedeemed: row.timesRedeemed,
    expiresAt: iso(row.expiresAt),
    createdAt: row.createdAt.toISOString(),
  };
}

/** A promotion code's columns; its discount's row id is looked up by the discount's key (the record's `discountId`). */
async function promotionCodeColumns(client: BillingClient, tenantId: string, c: PromotionCodeRecord) {
  const discount = await client.discountDefinition.findFirst({
    where: { tenantId, key: c.discountId },
    select: { id: true },
  });
  if (!discount) throw new StoreError('DB_NOT_FOUND', `No such discount: ${c.discountId}`);
  return {
    discountDefinitionId: discount.id,
    // Upper case, as db's discount repository stores and finds codes: the unique key is then case-insensitive.
    code: c.code.toUpperCase(),
    active: c.active,
    maxRedemptions: c.maxRedemptions,
    timesRedeemed: c.timesRedeemed,
    expiresAt: c.expiresAt === null ? null : new Date(c.expiresAt),
    createdAt: new Date(c.createdAt),
  };
}

export function subscriptionFromRow(row: SubscriptionRow): SubscriptionRecord {
  const record: SubscriptionRecord = {
    id: row.id,
    customerId: row.customerId,
    currency: row.currency,
    status: row.status as SubscriptionRecord['status'],
    items: [...row.items]
      .sort((a, b) => a.position - b.position)
      .map((item) => ({ id: item.id, priceId: item.priceId, quantity: item.quantity })),
    currentPeriodStart: row.currentPeriodStart.toISOString(),
    currentPeriodEnd: row.currentPeriodEnd.toISOString(),
    billingCycleAnchor: row.billingCycleAnchor.toISOString(),
    trialStart: iso(row.trialStart),
    trialEnd: iso(row.trialEnd),
    discounts: [...row.discounts]
      .sort((a, b) => a.position - b.position)
      .map((d) => ({
        id: d.id,
        discount: JSON.parse(d.discount) as SubscriptionRecord['discounts'][number]['discount'],
        start: d.start.toISOString(),
        periodsApplied: d.periodsApplied,
        creditRemaining: minorUnits(d.creditRemaining, 'SubscriptionDiscount.creditRemaining'),
      })),
    cancelAtPeriodEnd: row.cancelAtPeriodEnd,
    canceledAt: iso(row.canceledAt),
    endedAt: iso(row.endedAt),
    pausedAt: iso(row.pausedAt),
    createdAt: row.createdAt.toISOString(),
    periodsBilled: row.periodsBilled,
    pendingInvoiceItems: parseJson(row.pendingInvoiceItems, []),
    billedLines: parseJson(row.billedLines, []),
    latestInvoiceId: row.latestInvoiceId,
    version: row.version,
    metadata: parseJson(row.metadata, {}),
    updatedAt: row.updatedAt.toISOString(),
  };
  return respell(record, row.instantSpellings);
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
    metadata: JSON.stringify(s.metadata),
    instantSpellings: instantSpellings(subscriptionInstants(s)),
    createdAt: new Date(s.createdAt),
    updatedAt: new Date(s.updatedAt),
  };
}

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
  const discountRow = (d: SubscriptionRecord['discounts'][number]) => [
    d.id,
    d.discount,
    d.start,
    d.periodsApplied,
    d.creditRemaining ?? null,
  ];
  const discountsSame = same(s.discounts.map(discountRow), before?.discounts.map(discountRow));
  if (!itemsSame) await writeSubscriptionItems(client, tenantId, s, before);
  if (!discountsSame) await writeSubscriptionDiscounts(client, tenantId, s);
}

async function writeSubscriptionItems(
  client: BillingClient,
  tenantId: string,
  s: SubscriptionRecord,
  before?: SubscriptionRecord,
) {
  // The same items in the same positions, one of them with a new price or quantity (the common change):
  // that row is updated in place instead of every row deleted and inserted again.
  if (
    before &&
    before.items.length === s.items.length &&
    s.items.every((item, i) => item.id === before.items[i]?.id)
  ) {
    const changed = s.items.filter(
      (item, i) => item.priceId !== before.items[i]?.priceId || item.quantity !== before.items[i]?.quantity,
    );
    const [only] = changed;
    if (changed.length === 1 && only) {
      await client.subscriptionItem.updateMany({
        where: { tenantId, subscriptionId: s.id, id: only.id },
        data: { priceId: only.priceId, quantity: only.quantity },
      });
      return;
    }
  }
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
      creditRemaining:
        d.creditRemaining === null || d.creditRemaining === undefined
          ? null
          : safeBigInt(d.creditRemaining, 'SubscriptionDiscount.creditRemaining'),
      position,
    })),
  });
}

export function invoiceFromRow(row: InvoiceRow): InvoiceRecord {
  const c = row.currency;
  const money = (value: bigint | number, column: string) => ({
    amount: minorUnits(value, `Invoice.${column}`) as number,
    currency: c,
  });
  const record = {
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
    paymentIntentId: row.paymentIntentId,
    lastPaymentError: row.lastPaymentError,
    paymentAttempts: row.paymentAttempts,
    paymentMethodId: row.paymentMethodId,
    gatewayCustomerId: row.gatewayCustomerId,
    updatedAt: row.updatedAt.toISOString(),
  } as InvoiceRecord;
  return respell(record, row.instantSpellings);
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
    paymentIntentId: invoice.paymentIntentId,
    lastPaymentError: invoice.lastPaymentError,
    paymentAttempts: invoice.paymentAttempts,
    paymentMethodId: invoice.paymentMethodId ?? null,
    gatewayCustomerId: invoice.gatewayCustomerId ?? null,
    instantSpellings: instantSpellings(invoiceInstants(invoice)),
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

// --- instants as the client spelled them --------------------------------------------------------------

/** Invoice instants by path. */
function invoiceInstants(invoice: InvoiceRecord): [string, string | null | undefined][] {
  return [
    ['periodStart', invoice.periodStart],
    ['periodEnd', invoice.periodEnd],
    ['createdAt', invoice.createdAt],
    ['dueDate', invoice.dueDate],
    ['finalizedAt', invoice.finalizedAt],
    ['paidAt', invoice.paidAt],
    ['voidedAt', invoice.voidedAt],
    ['markedUncollectibleAt', invoice.markedUncollectibleAt],
    ...invoice.lines.flatMap((line, index): [string, string | undefined][] => [
      [`lines.${index}.period.start`, line.period?.start],
      [`lines.${index}.period.end`, line.period?.end],
    ]),
  ];
}

/** Subscription instants by path. */
function subscriptionInstants(s: SubscriptionRecord): [string, string | null][] {
  return [
    ['currentPeriodStart', s.currentPeriodStart],
    ['currentPeriodEnd', s.currentPeriodEnd],
    ['billingCycleAnchor', s.billingCycleAnchor],
    ['trialStart', s.trialStart],
    ['trialEnd', s.trialEnd],
    ['canceledAt', s.canceledAt],
    ['endedAt', s.endedAt],
    ['pausedAt', s.pausedAt],
    ['createdAt', s.createdAt],
    ...s.discounts.map((d, index): [string, string] => [`discounts.${index}.start`, d.start]),
  ];
}

/**
 * The `instantSpellings` column: JSON of the instants (by path) whose spelling `toISOString()` would not
 * give back; null when every instant is in that form (the usual case).
 */
function instantSpellings(instants: readonly [string, string | null | undefined][]): string | null {
  const found: Record<string, string> = {};
  for (const [path, value] of instants)
    if (typeof value === 'string' && new Date(value).toISOString() !== value) found[path] = value;
  return Object.keys(found).length > 0 ? JSON.stringify(found) : null;
}

/**
 * Puts the client's spellings back at their paths (`lines.0.period.start`), each only while the column
 * still holds the instant it spells (a writer that does not know the spellings, such as db's billing run,
 * may have moved it since).
 */
function respell<T>(record: T, column: string | null): T {
  if (column === null) return record;
  for (const [path, spelled] of Object.entries(parseJson<Record<string, string>>(column, {}))) {
    const keys = path.split('.');
    let target: unknown = record;
    for (const key of keys.slice(0, -1))
      target =
        target !== null && typeof target === 'object' ? (target as Record<string, unknown>)[key] : null;
    const last = keys.at(-1);
    if (target === null || typeof target !== 'object' || last === undefined) continue;
    const holder = target as Record<string, unknown>;
    const stored = holder[last];
    if (typeof stored === 'string' && Date.parse(stored) === Date.parse(spelled)) holder[last] = spelled;
  }
  return record;
}

// --- credit notes -------------------------------------------------------------------------------------

export function creditNoteFromRow(row: CreditNoteRow): CreditNoteRecord {
  const money = (value: bigint | number) => ({
    amount: minorUnits(value, 'CreditNote amount') as number,
    currency: row.currency,
  });
  const record: CreditNoteRecord = {
    id: row.id,
    number: row.number,
    invoiceId: row.invoiceId,
    customerId: row.customerId,
    currency: row.currency,
    status: row.status as CreditNoteRecord['status'],
    type: row.type as CreditNoteRecord['type'],
    reason: row.reason as CreditNoteRecord['reason'],
    creditTo: row.creditTo as CreditNoteRecord['creditTo'],
    createdAt: row.createdAt.toISOString(),
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
    memo: row.memo,
    // Null until the note is first changed: its last change is its creation.
    updatedAt: (row.updatedAt ?? row.createdAt).toISOString(),
  };
  return respell(record, row.instantSpellings);
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
    memo: note.memo,
    instantSpellings: instantSpellings([
      ['createdAt', note.createdAt],
      ['updatedAt', note.updatedAt],
    ]),
    createdAt: new Date(note.createdAt),
    updatedAt: new Date(note.updatedAt),
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

// --- the tenant's tax rate table, billing runs, balance transactions -------------------------------

export function taxTableFromRow(row: TaxTableRow): TaxTableRecord {
  return {
    id: TAX_TABLE_ID,
    table: parseJson<Record<string, unknown>>(row.definition, {}),
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

function taxTableColumns(t: TaxTableRecord) {
  if (t.id !== TAX_TABLE_ID)
    throw new DbError('DB_INVALID_DATA', `A tenant's tax rate table has the id ${TAX_TABLE_ID}`, {
      id: t.id,
    });
  return {
    definition: JSON.stringify(t.table),
    version: t.version,
    createdAt: new Date(t.createdAt),
    updatedAt: new Date(t.updatedAt),
  };
}

export function billingRunFromRow(row: BillingRunRow): BillingRunRecord {
  return {
    id: row.id,
    upTo: row.upTo.toISOString(),
    status: row.status as BillingRunRecord['status'],
    considered: row.considered,
    renewed: row.renewed,
    skipped: row.skipped,
    failed: row.failed,
    invoiceIds: parseJson(row.invoiceIds, []),
    errors: parseJson(row.errors, []),
    createdAt: row.createdAt.toISOString(),
    completedAt: iso(row.completedAt),
    updatedAt: row.updatedAt.toISOString(),
    version: row.version,
  };
}

function billingRunColumns(run: BillingRunRecord) {
  return {
    upTo: new Date(run.upTo),
    status: run.status,
    considered: run.considered,
    renewed: run.renewed,
    skipped: run.skipped,
    failed: run.failed,
    invoiceIds: JSON.stringify(run.invoiceIds),
    errors: JSON.stringify(run.errors),
    createdAt: new Date(run.createdAt),
    completedAt: toDate(run.completedAt),
    updatedAt: new Date(run.updatedAt),
    version: versionOf(run),
  };
}

/** The stored `version` of a record that has one (billing runs may not); 0 otherwise. */
function versionOf(record: { version?: unknown }): number {
  return typeof record.version === 'number' && Number.isSafeInteger(record.version) ? record.version : 0;
}

/** An entry of the balance ledger may change only its description and metadata (as at Stripe). */
async function updateBalanceTransaction(
  client: BillingClient,
  tenantId: string,
  entry: CustomerBalanceTransactionRecord,
): Promise<number> {
  const row = await client.customerBalanceTransaction.findFirst({ where: { tenantId, id: entry.id } });
  if (!row) return 0;
  const stored = balanceTransactionFromRow(row);
  const fixed = (e: CustomerBalanceTransactionRecord) =>
    JSON.stringify([
      e.customerId,
      e.type,
      e.amount,
      e.currency,
      e.endingBalance,
      e.invoiceId,
      e.creditNoteId,
    ]);
  if (fixed(stored) !== fixed(entry) || Date.parse(stored.createdAt) !== Date.parse(entry.createdAt)) {
    throw new DbError(
      'DB_INVALID_DATA',
      `Balance transaction ${entry.id} can change only its description and metadata`,
      { id: entry.id },
    );
  }
  const { description, metadata } = balanceTransactionColumns(tenantId, entry);
  await client.customerBalanceTransaction.updateMany({
    where: { tenantId, id: entry.id },
    data: { description, metadata },
  });
  return 1;
}

// --- payment attempts (db's `Payment` rows) ------------------------------------------------------------

/** Statuses of an attempt in flight: the invoice is held (`inFlightInvoiceId`) while the attempt is in one. */
const IN_FLIGHT: ReadonlySet<string> = new Set(['pending', 'processing']);

export function paymentAttemptFromRow(row: PaymentRow): PaymentAttemptRecord {
  return {
    id: row.id,
    invoiceId: row.invoiceId ?? '',
    customerId: row.customerId,
    gateway: row.gateway,
    status: row.status as PaymentAttemptRecord['status'],
    amount: minorUnits(row.amount, 'Payment.amount') as number,
    currency: row.currency,
    paymentMethodId: row.paymentMethodId,
    gatewayCustomerId: row.gatewayCustomerId,
    paymentIntentId: row.gatewayPaymentId,
    gatewayCalls: row.attempts,
    leaseUntil: iso(row.leaseUntil),
    lastError: row.lastError,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

function paymentAttemptColumns(a: PaymentAttemptRecord) {
  return {
    customerId: a.customerId,
    invoiceId: a.invoiceId,
    gateway: a.gateway,
    gatewayPaymentId: a.paymentIntentId,
    gatewayCustomerId: a.gatewayCustomerId,
    paymentMethodId: a.paymentMethodId,
    status: a.status,
    amount: safeBigInt(a.amount, 'Payment.amount'),
    currency: a.currency,
    attempts: a.gatewayCalls,
    lastError: a.lastError,
    leaseUntil: toDate(a.leaseUntil),
    inFlightInvoiceId: IN_FLIGHT.has(a.status) ? a.invoiceId : null,
    createdAt: new Date(a.createdAt),
    updatedAt: new Date(a.updatedAt),
  };
}

export function fromRow(kind: RelationalKind, row: unknown): RelationalRecord {
  switch (kind) {
    case 'customer':
      return customerFromRow(row as CustomerRow);
    case 'product':
      return productFromRow(row as ProductRow);
    case 'price':
      return priceFromRow(row as PriceRow);
    case 'discount':
      return discountFromRow(row as DiscountRow);
    case 'promotion_code':
      return promotionCodeFromRow(row as PromotionCodeRow);
    case 'subscription':
      return subscriptionFromRow(row as SubscriptionRow);
    case 'invoice':
      return invoiceFromRow(row as InvoiceRow);
    case 'credit_note':
      return creditNoteFromRow(row as CreditNoteRow);
    case 'tax_table':
      return taxTableFromRow(row as TaxTableRow);
    case 'billing_run':
      return billingRunFromRow(row as BillingRunRow);
    case 'balance_transaction':
      return balanceTransactionFromRow(row as BalanceTransactionRow);
    case 'payment_attempt':
      return paymentAttemptFromRow(row as PaymentRow);
  }
}

/** Columns the database can filter a list on (other `where` fields are checked on the records). */
const COLUMN_FILTERS: Readonly<Record<RelationalKind, ReadonlySet<string>>> = {
  customer: new Set(['externalId', 'email', 'currency']),
  product: new Set(['active', 'taxCategory']),
  price: new Set(['productId', 'lookupKey', 'active', 'currency']),
  discount: new Set(['active']),
  promotion_code: new Set(['code', 'discountId', 'active']),
  subscription: new Set(['customerId', 'status', 'currency']),
  invoice: new Set(['customerId', 'subscriptionId', 'status', 'number', 'billingReason', 'currency']),
  credit_note: new Set(['invoiceId', 'customerId', 'status', 'number']),
  tax_table: new Set(),
  billing_run: new Set(['status']),
  balance_transaction: new Set(['customerId', 'type', 'invoiceId', 'creditNoteId', 'currency']),
  payment_attempt: new Set(['invoiceId', 'customerId', 'status', 'gateway']),
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
  if (kind === 'promotion_code') {
    // A promotion code's discount is the definition's key.
    const { discountId, ...rest } = where;
    return { ...rest, ...(discountId !== undefined ? { discountDefinition: { key: discountId } } : {}) };
  }
  if (kind !== 'discount' || !('id' in where)) return where;
  const { id, ...rest } = where;
  return { ...rest, [idColumn(kind)]: id };
}

/** Whether `id` passes an id condition of a `where` (`'x'`, `{ in: [...] }`, `{ gt: 'x' }`). */
function idMatches(condition: unknown, id: string): boolean {
  if (condition === undefined) return true;
  if (typeof condition === 'string') return condition === id;
  const c = condition as { in?: readonly string[]; gt?: string };
  return (c.in === undefined || c.in.includes(id)) && (c.gt === undefined || id > c.gt);
}

/** Reads rows of a kind (with a subscription's items and discounts), ordered by the API's id. */
export async function findRows(
  client: BillingClient,
  kind: RelationalKind,
  where: Record<string, unknown>,
  take?: number,
  /** MySQL (the raw client): lock the rows read (`FOR UPDATE`) until the transaction ends. */
  forUpdate = false,
): Promise<{ id: string; key?: string }[]> {
  if (kind === 'tax_table') {
    // One row per tenant, keyed by the tenant; its record id is always `tax_table`.
    const { id, ...rest } = where;
    if (!idMatches(id, TAX_TABLE_ID)) return [];
    const rows = await client.taxRateTable.findMany({ where: rest as never });
    return rows.map((row) => ({ ...row, id: TAX_TABLE_ID }));
  }
  const args = {
    where: idWhere(kind, where),
    orderBy: { [idColumn(kind)]: 'asc' },
    ...(take !== undefined ? { take } : {}),
    ...(forUpdate ? { forUpdate: true } : {}),
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
    case 'promotion_code':
      return client.promotionCode.findMany({
        ...(args as object),
        include: { discountDefinition: { select: { key: true } } },
      } as never);
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
    case 'billing_run':
      return client.billingRun.findMany(args as never);
    case 'balance_transaction':
      return client.customerBalanceTransaction.findMany(args as never);
    case 'payment_attempt':
      return client.payment.findMany(args as never);
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
    case 'promotion_code':
      // createMany: a plain INSERT (create would read the row back).
      await client.promotionCode.createMany({
        data: [
          { ...(await promotionCodeColumns(client, tenantId, record as PromotionCodeRecord)), id, tenantId },
        ],
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
    case 'tax_table':
      await client.taxRateTable.createMany({
        data: [{ ...taxTableColumns(record as TaxTableRecord), tenantId }],
      });
      return;
    case 'billing_run':
      await client.billingRun.createMany({
        data: [{ ...billingRunColumns(record as BillingRunRecord), id, tenantId }],
      });
      return;
    case 'balance_transaction':
      await client.customerBalanceTransaction.createMany({
        data: [balanceTransactionColumns(tenantId, record as CustomerBalanceTransactionRecord)],
      });
      return;
    case 'payment_attempt':
      await client.payment.createMany({
        data: [{ ...paymentAttemptColumns(record as PaymentAttemptRecord), id, tenantId }],
      });
      return;
  }
}

/**
 * Replaces a record's row(s); with `expectedVersion` (kinds with a version: subscriptions, the tax rate table,
 * billing runs) only while the stored version still equals it. Returns how many rows matched (0: absent or
 * moved on).
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
  const versioned = expectedVersion !== undefined ? { version: expectedVersion } : {};
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
    case 'promotion_code':
      return (
        await client.promotionCode.updateMany({
          where: { tenantId, id },
          data: await promotionCodeColumns(client, tenantId, record as PromotionCodeRecord),
        })
      ).count;
    case 'subscription': {
      const updated = await client.subscription.updateMany({
        where: { tenantId, id, ...versioned },
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
    case 'tax_table':
      if (id !== TAX_TABLE_ID) return 0;
      return (
        await client.taxRateTable.updateMany({
          where: { tenantId, ...versioned },
          data: taxTableColumns(record as TaxTableRecord),
        })
      ).count;
    case 'billing_run':
      return (
        await client.billingRun.updateMany({
          where: { tenantId, id, ...versioned },
          data: billingRunColumns(record as BillingRunRecord),
        })
      ).count;
    case 'balance_transaction':
      return updateBalanceTransaction(client, tenantId, record as CustomerBalanceTransactionRecord);
    case 'payment_attempt':
      return (
        await client.payment.updateMany({
          where: { tenantId, id },
          data: paymentAttemptColumns(record as PaymentAttemptRecord),
        })
      ).count;
  }
}

/** The stored version of a record (0 for kinds without one); null when absent. */
export async function storedVersion(
  client: BillingClient,
  tenantId: string,
  kind: RelationalKind,
  id: string,
): Promise<number | null> {
  const select = { version: true } as const;
  switch (kind) {
    case 'subscription':
      return (await client.subscription.findFirst({ where: { tenantId, id }, select }))?.version ?? null;
    case 'tax_table':
      if (id !== TAX_TABLE_ID) return null;
      return (await client.taxRateTable.findFirst({ where: { tenantId }, select }))?.version ?? null;
    case 'billing_run':
      return (await client.billingRun.findFirst({ where: { tenantId, id }, select }))?.version ?? null;
    default: {
      const rows = await findRows(client, kind, { tenantId, id }, 1);
      return rows.length > 0 ? 0 : null;
    }
  }
}

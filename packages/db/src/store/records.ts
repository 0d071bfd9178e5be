import type { CreditNote, Invoice } from '@billkit/billing-core';
import type { CustomerBalanceTransaction } from '../repositories/customer-balance.js';
import type { Subscription } from '../repositories/subscriptions.js';
// What the API stores, in billing-core's vocabulary (camelCase, integer minor units, ISO instants).
// These mirror @billkit/billing-core's types field for field so the db adapter maps them 1:1.

export type Scope = 'read' | 'write' | 'admin';

export interface ApiKeyRecord {
  readonly id: string;
  readonly tenantId: string;
  readonly name: string;
  readonly prefix: string;
  readonly scopes: readonly Scope[];
  readonly expiresAt: string | null;
  readonly revokedAt: string | null;
}

/** A key as listed to its tenant's admins: never the secret, never its hash. */
export interface ApiKeySummary extends ApiKeyRecord {
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
}

export interface TenantRecord {
  readonly id: string;
  readonly name: string;
  readonly defaultCurrency: string;
}

export interface BillingAddress {
  line1?: string | undefined;
  line2?: string | undefined;
  country: string;
  region?: string | undefined;
  county?: string | undefined;
  city?: string | undefined;
  postalCode?: string | undefined;
  districts?: string[] | undefined;
}

export interface CustomerRecord {
  id: string;
  externalId: string | null;
  name: string | null;
  email: string | null;
  currency: string;
  timezone: string;
  /** `districts` is always given back (`[]` when the address names none). */
  address: BillingAddress;
  taxExempt: 'none' | 'exempt' | 'reverse';
  taxExemptions: { jurisdictionId: string; certificateId: string }[];
  taxIds: string[];
  /** Stripe's sign: negative = credit the customer holds. */
  balance: number;
  metadata: Record<string, string>;
  createdAt: string;
  updatedAt: string;
}

export interface ProductRecord {
  id: string;
  name: string;
  description: string | null;
  taxCategory: string;
  active: boolean;
  metadata: Record<string, string>;
  createdAt: string;
  updatedAt: string;
}

export interface PriceTier {
  upTo: number | null;
  unitAmount: number;
  flatAmount: number;
}

export interface PriceRecord {
  id: string;
  productId: string;
  currency: string;
  nickname: string | null;
  lookupKey: string | null;
  active: boolean;
  billingScheme: 'flat' | 'per_unit' | 'tiered';
  flatAmount: number | null;
  unitAmount: number | null;
  tiersMode: 'graduated' | 'volume' | null;
  tiers: PriceTier[] | null;
  recurring: { interval: 'day' | 'week' | 'month' | 'year'; intervalCount: number } | null;
  taxBehavior: 'inclusive' | 'exclusive';
  createdAt: string;
  updatedAt: string;
}

/** The tenant's whole tax rate table, replaced as a unit (id is always `tax_table`). */
export interface TaxTableRecord {
  id: 'tax_table';
  /** The table exactly as @billkit/tax reads it. */
  table: Record<string, unknown>;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface DiscountRecord {
  id: string;
  name: string | null;
  /** The @billkit/discount definition. */
  definition: Record<string, unknown>;
  active: boolean;
  maxRedemptions: number | null;
  timesRedeemed: number;
  createdAt: string;
  updatedAt: string;
}

/**
 * A customer-facing code (`FIRSTMONTHFREE`) that redeems the discount `discountId`. Codes are kept upper case
 * (unique per tenant, so matched case-insensitively), as db's discount repository keeps them: list by
 * `code` with the upper-case form. The table has no `updatedAt` or metadata column.
 */
export interface PromotionCodeRecord {
  id: string;
  code: string;
  discountId: string;
  active: boolean;
  /** `null`: no limit. */
  maxRedemptions: number | null;
  timesRedeemed: number;
  /** No redemption at or after this instant; `null`: never expires. */
  expiresAt: string | null;
  createdAt: string;
}

export type SubscriptionStatus = Subscription['status'];
export type InvoiceStatus = Invoice['status'];

/**
 * A billing-core subscription plus what the API keeps beside it. Its discounts carry `creditRemaining` (what
 * is left of a `credit` discount, minor units; `null` for other discounts), always given back.
 */
export type SubscriptionRecord = Subscription & {
  metadata: Record<string, string>;
  updatedAt: string;
};

/** A billing-core invoice plus its payment tracking. */
export type InvoiceRecord = Invoice & {
  /** The gateway payment intent that paid (or is paying) it. */
  paymentIntentId: string | null;
  lastPaymentError: string | null;
  /** Payment attempts so far (each has its own attempt id at the gateway). */
  paymentAttempts: number;
  /** The gateway payment method of the last attempt: dunning retries charge it again (always given back). */
  paymentMethodId?: string | null;
  /** The gateway customer owning that payment method, when one was given (always given back). */
  gatewayCustomerId?: string | null;
  updatedAt: string;
};

export type CreditNoteRecord = CreditNote & { memo: string | null; updatedAt: string };

export interface BillingRunRecord {
  id: string;
  upTo: string;
  status: 'running' | 'completed' | 'failed';
  considered: number;
  renewed: number;
  skipped: number;
  failed: number;
  invoiceIds: string[];
  errors: { subscriptionId: string; code: string; message: string }[];
  createdAt: string;
  completedAt: string | null;
  updatedAt: string;
  /** Stored for optimistic concurrency (`update(…, expectedVersion)`); 0 when absent. */
  version?: number;
}

/**
 * An entry of a customer's balance ledger (Stripe's customer balance transaction), as db's
 * `customerBalance` repository reads it. Entries are written with `insert`; `update` may change only
 * `description` and `metadata`. The store does not move `Customer.balance` for an entry: the same
 * transaction updates the customer to `endingBalance` (db's `customerBalance.append` does both).
 */
export type CustomerBalanceTransactionRecord = CustomerBalanceTransaction;

export interface WebhookEventRecord {
  id: string;
  provider: 'tilled';
  /** The provider's event id (dedupe key). */
  eventId: string;
  type: string;
  rawBody: string;
  signature: string | null;
  receivedAt: string;
  processedAt: string | null;
  processingError: string | null;
  createdAt: string;
  updatedAt: string;
}

/** Where a payment attempt is: `pending` and `processing` are in flight (at most one per invoice). */
export type PaymentAttemptStatus =
  | 'pending'
  | 'processing'
  | 'succeeded'
  | 'failed'
  | 'canceled'
  | 'refunded';

/**
 * One payment attempt of an invoice at a gateway (db's `Payment` row). Reserved (`pending`) under the
 * invoice's row lock before the gateway is called, so there is at most one attempt in flight per invoice;
 * its id, `<invoice>_attempt_<n>`, is the gateway's idempotency key, so the gateway finds the attempt's
 * intent again after a crash. Amounts are minor units of `currency`.
 */
export interface PaymentAttemptRecord {
  id: string;
  invoiceId: string;
  customerId: string;
  /** The gateway (`tilled`), or `out_of_band` for a payment recorded as made outside billkit. */
  gateway: string;
  status: PaymentAttemptStatus;
  amount: number;
  currency: string;
  paymentMethodId: string | null;
  gatewayCustomerId: string | null;
  /** The gateway's payment intent, once known. */
  paymentIntentId: string | null;
  /**
   * Gateway calls made for the attempt: each lease holder (the reserver, then whoever resumes it after its
   * lease ran out) makes one, so a holder whose lease was taken over sees another number and steps back.
   */
  gatewayCalls: number;
  /** While `pending`: until when its holder may call the gateway undisturbed; then it may be resumed. */
  leaseUntil: string | null;
  /** The gateway's failure code, a gateway error summary, or why a charge was refunded. */
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
}

/** Every entity kind the API stores, with its record type and id prefix. */
export interface EntityMap {
  customer: CustomerRecord;
  product: ProductRecord;
  price: PriceRecord;
  tax_table: TaxTableRecord;
  discount: DiscountRecord;
  promotion_code: PromotionCodeRecord;
  subscription: SubscriptionRecord;
  invoice: InvoiceRecord;
  credit_note: CreditNoteRecord;
  billing_run: BillingRunRecord;
  balance_transaction: CustomerBalanceTransactionRecord;
  webhook_event: WebhookEventRecord;
  payment_attempt: PaymentAttemptRecord;
}
export type EntityKind = keyof EntityMap;

export const ID_PREFIX: Readonly<Record<EntityKind, string>> = {
  customer: 'cus',
  product: 'prod',
  price: 'price',
  tax_table: 'taxtbl',
  discount: 'disc',
  promotion_code: 'promo',
  subscription: 'sub',
  invoice: 'in',
  credit_note: 'cn',
  billing_run: 'brun',
  balance_transaction: 'cbtxn',
  webhook_event: 'whevt',
  // Attempt ids are `<invoice id>_attempt_<n>`.
  payment_attempt: 'in',
};

export interface AuditEventRecord {
  readonly id: string;
  readonly seq: number;
  readonly type: string;
  /** The API key id that caused it (`system` for webhooks and runs without a key). */
  readonly actor: string | null;
  readonly entityType: string;
  readonly entityId: string;
  /** `{ before, after, requestId, ... }` */
  readonly data: Record<string, unknown>;
  readonly occurredAt: string;
  readonly prevHash: string;
  readonly hash: string;
}

export type AuditEventInput = Omit<AuditEventRecord, 'id' | 'seq' | 'prevHash' | 'hash'>;

// Errors

// Configuration, time, facade
export {
  type BillingConfig,
  type BillingConfigInput,
  billingConfigSchema,
  PRORATION_BEHAVIORS,
  type ProrationBehavior,
  resolveBillingConfig,
} from './billing-config.js';
// Audit trail and payments
export {
  BILLING_EVENT_TYPES,
  type BillingEvent,
  type BillingEventType,
  billingEvent,
  billingEventSchema,
} from './billing-event.js';
export { BillingService } from './billing-service.js';
export { type Catalog, type CatalogInput, catalogSchema, findPrice, findProduct } from './catalog.js';
export { COUNTRY_CODES, countryCodeSchema, isCountryCode } from './countries.js';
// Credit notes
export {
  CREDIT_NOTE_REASONS,
  type CreditNote,
  type CreditNoteLine,
  type CreditNoteReason,
  type CreditNoteTaxAmount,
  creditNoteLineSchema,
  creditNoteSchema,
  creditNoteTaxAmountSchema,
} from './credit-note.js';
export {
  type CreateCreditNoteInput,
  type CreditNoteLineInput,
  createCreditNote,
} from './credit-note-builder.js';
// Catalog and customers (zod schemas are the source of the types)
export {
  type BillingAddress,
  billingAddressSchema,
  type Customer,
  type CustomerInput,
  customerSchema,
  type TaxExemption,
  taxExemptionSchema,
  timeZoneSchema,
} from './customer.js';
export { type CustomerBalanceTransaction, customerBalanceTransaction } from './customer-balance.js';
export type { DiscountState, InvoiceAppliedDiscount, InvoiceRejectedDiscount } from './discount-step.js';
export { BillingError, type BillingErrorCode, isBillingError } from './errors.js';
export {
  EXPLANATION_SOURCES,
  type ExplanationEntry,
  type ExplanationSource,
  explanationEntrySchema,
} from './explanation.js';
// Invariants
export {
  assertCreditNoteInvariants,
  assertInvoiceInvariants,
  checkCreditNoteInvariants,
  checkInvoiceInvariants,
  type InvariantViolation,
} from './invariants.js';
// Invoices
export {
  BILLING_REASONS,
  type BillingReason,
  type DiscountAmount,
  discountAmountSchema,
  INVOICE_STATUSES,
  type Invoice,
  type InvoiceDiscountTotal,
  type InvoiceLine,
  type InvoiceStatus,
  type InvoiceTaxTotal,
  invoiceDiscountTotalSchema,
  invoiceLineSchema,
  invoiceSchema,
  invoiceTaxTotalSchema,
  type TaxAmount,
  taxAmountSchema,
} from './invoice.js';
export {
  type BillingEnvironment,
  type BuildInvoiceInput,
  buildInvoice,
  type InvoiceBuildResult,
  type InvoiceItemInput,
  previewInvoice,
} from './invoice-builder.js';
export {
  canTransitionInvoice,
  finalizeInvoice,
  type InvoiceTransition,
  markInvoiceUncollectible,
  payInvoice,
  recordInvoicePaymentFailure,
  voidInvoice,
  withStartingBalance,
} from './invoice-lifecycle.js';
export { formatInvoiceTable } from './invoice-table.js';
export { assertInstantInRange } from './parse-input.js';
export type {
  PaymentGateway,
  PaymentIntent,
  PaymentIntentStatus,
  PaymentMetadata,
  Refund,
} from './payment-gateway.js';
export {
  type Price,
  type PriceInput,
  type PriceTier,
  priceSchema,
  priceTierSchema,
  type Recurring,
  recurringSchema,
} from './price.js';
export { computePriceAmount, type PriceAmount, type TierCharge } from './pricing.js';
export { type Product, type ProductInput, productSchema } from './product.js';
export {
  INSTANT_RANGE,
  inputInstantSchema,
  isInstantInRange,
  isoInstantSchema,
  periodSchema,
} from './schemas.js';
// Subscriptions
export {
  type BilledLine,
  billedLineSchema,
  type PendingInvoiceItem,
  pendingInvoiceItemSchema,
  SUBSCRIPTION_STATUSES,
  type Subscription,
  type SubscriptionInput,
  type SubscriptionItem,
  type SubscriptionStatus,
  subscriptionItemSchema,
  subscriptionSchema,
} from './subscription.js';
export {
  type SubscriptionDiscount,
  type SubscriptionDiscountInput,
  subscriptionDiscountSchema,
} from './subscription-discount.js';
export {
  applyDiscountToSubscription,
  type CallerDiscountState,
  type CancelSubscriptionInput,
  type ChangeSubscriptionInput,
  type CreateSubscriptionInput,
  cancelSubscription,
  changeSubscription,
  createSubscription,
  markSubscriptionPastDue,
  markSubscriptionRecovered,
  pauseSubscription,
  previewRenewal,
  previewSubscriptionChange,
  type RenewSubscriptionInput,
  renewSubscription,
  resumeCanceledAtPeriodEnd,
  resumeSubscription,
  type SubscriptionTransition,
} from './subscription-lifecycle.js';
export { type TaxSource, toTaxCustomer } from './tax-step.js';
export {
  addCalendarDays,
  type BillingPeriod,
  isTimeZone,
  localDate,
  type RecurringInterval,
} from './time.js';

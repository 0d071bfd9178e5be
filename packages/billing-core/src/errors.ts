/**
 * Every way billing-core can refuse its input or detect its own bug. Callers switch on `code`.
 * `BILLING_INVARIANT_VIOLATION` is never the caller's fault: it means an invoice failed a consistency
 * check and was withheld rather than returned wrong.
 *
 * A tax refusal (`TAX_UNKNOWN_JURISDICTION`, `TAX_NO_RATE_IN_FORCE`: the rate table does not cover the
 * customer on the tax date) is the tax package's own `TaxError`, let through as it is: it is a
 * configuration gap the caller fixes in its rate table, not a failure of billing-core.
 */
export type BillingErrorCode =
  /** `details.field` is the caller's path to the offending value (`discounts[0].percentOff`). */
  | 'BILLING_INVALID_INPUT'
  /**
   * An instant given as a date alone (`2026-04-01`): billkit never guesses its time zone (midnight UTC
   * is the evening before in Chicago). `details.suggestion` is the customer's midnight with its offset.
   */
  | 'BILLING_DATE_WITHOUT_TIME'
  | 'BILLING_CURRENCY_MISMATCH'
  | 'BILLING_UNKNOWN_PRICE'
  | 'BILLING_UNKNOWN_PRODUCT'
  | 'BILLING_UNKNOWN_INVOICE_LINE'
  | 'BILLING_INVALID_QUANTITY'
  | 'BILLING_INVALID_TIMEZONE'
  | 'BILLING_ILLEGAL_INVOICE_TRANSITION'
  | 'BILLING_ILLEGAL_SUBSCRIPTION_TRANSITION'
  | 'BILLING_PAYMENT_EXCEEDS_AMOUNT_DUE'
  | 'BILLING_CREDIT_EXCEEDS_INVOICE'
  /** An amount (price × quantity, a sum, a tax) would exceed 2^53−1 minor units; `details.issues` names the input. */
  | 'BILLING_AMOUNT_OVERFLOW'
  | 'BILLING_ENGINE_FAILURE'
  | 'BILLING_INVARIANT_VIOLATION';

/** The single error class of `@billkit/billing-core`; `details` carries the offending values. */
export class BillingError extends Error {
  override readonly name = 'BillingError';
  readonly code: BillingErrorCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(
    code: BillingErrorCode,
    message: string,
    details: Record<string, unknown> = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.code = code;
    this.details = details;
  }
}

/** True when `error` is a {@link BillingError}, optionally with the given code. */
export function isBillingError(error: unknown, code?: BillingErrorCode): error is BillingError {
  return error instanceof BillingError && (code === undefined || error.code === code);
}

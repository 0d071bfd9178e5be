/** Every way the discount engine can refuse its input. Callers switch on `code`, never on `message`. */
export type DiscountErrorCode =
  | 'DISCOUNT_INVALID_INPUT'
  /** An instant given as a date alone (`2025-03-01`): it names no instant; pass a time and an offset. */
  | 'DISCOUNT_DATE_WITHOUT_TIME'
  | 'DISCOUNT_DUPLICATE_ID'
  | 'DISCOUNT_CURRENCY_MISMATCH'
  | 'DISCOUNT_PROMOTION_CODE_NOT_FOUND'
  | 'DISCOUNT_PROMOTION_CODE_INACTIVE'
  | 'DISCOUNT_PROMOTION_CODE_NOT_STARTED'
  | 'DISCOUNT_PROMOTION_CODE_EXPIRED'
  | 'DISCOUNT_PROMOTION_CODE_EXHAUSTED'
  | 'DISCOUNT_PROMOTION_CODE_CUSTOMER_RESTRICTED'
  | 'DISCOUNT_PROMOTION_CODE_FIRST_TIME_ONLY'
  | 'DISCOUNT_PROMOTION_CODE_MINIMUM_NOT_MET'
  | 'DISCOUNT_PROMOTION_CODE_DUPLICATE';

/** The single error class of `@billkit/discount`; `details` carries the offending values. */
export class DiscountError extends Error {
  override readonly name = 'DiscountError';
  readonly code: DiscountErrorCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: DiscountErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.code = code;
    this.details = details;
  }
}

/** True when `error` is a {@link DiscountError}, optionally with the given code. */
export function isDiscountError(error: unknown, code?: DiscountErrorCode): error is DiscountError {
  return error instanceof DiscountError && (code === undefined || error.code === code);
}

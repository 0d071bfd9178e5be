/** Every way the proration engine can refuse its input. Callers switch on `code`, never on `message`. */
export type ProrationErrorCode =
  | 'PRORATION_INVALID_REQUEST'
  /** An instant given as a date alone (`2024-01-31`): it names no instant; pass a time and an offset. */
  | 'PRORATION_DATE_WITHOUT_TIME'
  | 'PRORATION_INVALID_PERIOD'
  | 'PRORATION_CHANGE_OUTSIDE_PERIOD'
  | 'PRORATION_SLICE_OUTSIDE_PERIOD'
  | 'PRORATION_UNKNOWN_INTERVAL'
  | 'PRORATION_UNKNOWN_CONFIGURATION'
  | 'PRORATION_NEGATIVE_QUANTITY'
  | 'PRORATION_CURRENCY_MISMATCH'
  | 'PRORATION_INVALID_TIME_ZONE'
  | 'PRORATION_TOO_MANY_PERIODS';

/** The single error class of `@billkit/proration`; `details` carries the offending values. */
export class ProrationError extends Error {
  override readonly name = 'ProrationError';
  readonly code: ProrationErrorCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ProrationErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.code = code;
    this.details = details;
  }
}

/** True when `error` is a {@link ProrationError}, optionally with the given code. */
export function isProrationError(error: unknown, code?: ProrationErrorCode): error is ProrationError {
  return error instanceof ProrationError && (code === undefined || error.code === code);
}

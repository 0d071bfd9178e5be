/** Every way a money operation can refuse its input. Callers switch on `code`, never on `message`. */
export type MoneyErrorCode =
  /** A value of the wrong type where a Money (or a list of them) was expected; `details.field` names it. */
  | 'MONEY_INVALID_INPUT'
  | 'MONEY_UNKNOWN_CURRENCY'
  | 'MONEY_CURRENCY_MISMATCH'
  | 'MONEY_NOT_SAFE_INTEGER'
  | 'MONEY_INVALID_DECIMAL'
  | 'MONEY_PRECISION_LOSS'
  | 'MONEY_INVALID_WEIGHTS'
  | 'MONEY_DIVISION_BY_ZERO'
  | 'MONEY_INVALID_ROUNDING_MODE';

/** The single error class of `@billkit/money`; `details` carries the offending values. */
export class MoneyError extends Error {
  override readonly name = 'MoneyError';
  readonly code: MoneyErrorCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: MoneyErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.code = code;
    this.details = details;
  }
}

/** True when `error` is a {@link MoneyError}, optionally with the given code. */
export function isMoneyError(error: unknown, code?: MoneyErrorCode): error is MoneyError {
  return error instanceof MoneyError && (code === undefined || error.code === code);
}

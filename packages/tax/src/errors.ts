/** Every way the tax engine can refuse its input. Callers switch on `code`, never on `message`. */
export type TaxErrorCode =
  | 'TAX_INVALID_TABLE'
  | 'TAX_INVALID_REQUEST'
  | 'TAX_UNKNOWN_JURISDICTION'
  | 'TAX_UNKNOWN_TAX_CATEGORY'
  | 'TAX_NO_RATE_IN_FORCE'
  | 'TAX_CURRENCY_MISMATCH';

export const TAX_ERROR_CODES: readonly TaxErrorCode[] = [
  'TAX_INVALID_TABLE',
  'TAX_INVALID_REQUEST',
  'TAX_UNKNOWN_JURISDICTION',
  'TAX_UNKNOWN_TAX_CATEGORY',
  'TAX_NO_RATE_IN_FORCE',
  'TAX_CURRENCY_MISMATCH',
];

/** The single error class of `@billkit/tax`; `details` carries the offending values. */
export class TaxError extends Error {
  override readonly name = 'TaxError';
  readonly code: TaxErrorCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: TaxErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.code = code;
    this.details = details;
  }
}

/** True when `error` is a {@link TaxError}, optionally with the given code. */
export function isTaxError(error: unknown, code?: TaxErrorCode): error is TaxError {
  return error instanceof TaxError && (code === undefined || error.code === code);
}

/** Every way the Tilled adapter can fail. Callers switch on `code`, never on `message`. */
export type TilledErrorCode =
  // HTTP answers from Tilled
  | 'TILLED_UNAUTHENTICATED'
  | 'TILLED_FORBIDDEN'
  | 'TILLED_NOT_FOUND'
  | 'TILLED_INVALID_REQUEST'
  | 'TILLED_RATE_LIMITED'
  | 'TILLED_SERVER_ERROR'
  // no usable answer
  | 'TILLED_TIMEOUT'
  | 'TILLED_NETWORK'
  | 'TILLED_INVALID_RESPONSE'
  // refused before any request
  | 'TILLED_AMOUNT_NOT_CHARGEABLE'
  | 'TILLED_CONFIG_MISSING'
  | 'TILLED_CONFIG_INVALID'
  | 'TILLED_IDEMPOTENCY_CONFLICT'
  | 'TILLED_INVALID_DUNNING_SCHEDULE'
  // webhooks
  | 'TILLED_WEBHOOK_MISSING_HEADER'
  | 'TILLED_WEBHOOK_MALFORMED_HEADER'
  | 'TILLED_WEBHOOK_TIMESTAMP_TOO_OLD'
  | 'TILLED_WEBHOOK_TIMESTAMP_IN_FUTURE'
  | 'TILLED_WEBHOOK_NO_MATCHING_SIGNATURE'
  | 'TILLED_WEBHOOK_INVALID_PAYLOAD';

/** Codes after which the same request may succeed if simply sent again. */
const TRANSIENT: ReadonlySet<TilledErrorCode> = new Set([
  'TILLED_RATE_LIMITED',
  'TILLED_SERVER_ERROR',
  'TILLED_TIMEOUT',
  'TILLED_NETWORK',
]);

export interface TilledErrorOptions {
  /** HTTP status of Tilled's answer, when there was one. */
  readonly status?: number;
  /** Tilled's `request-id` response header: quote it to Tilled support. */
  readonly requestId?: string;
  /** Tilled's own error code from the body, when it sent one (e.g. a validation code). */
  readonly tilledCode?: string;
  /** Secret-free values that explain the failure (never keys, secrets or signatures). */
  readonly details?: Readonly<Record<string, unknown>>;
  readonly cause?: unknown;
}

/**
 * The single error class of `@billkit/tilled`. It never carries an API key or webhook secret: messages
 * are written from secret-free values only, and `toJSON` is what a logger sees.
 *
 * @example
 * try { await client.getPaymentIntent('pi_x'); }
 * catch (e) { if (isTilledError(e, 'TILLED_NOT_FOUND')) { ... } }
 */
export class TilledError extends Error {
  override readonly name = 'TilledError';
  readonly code: TilledErrorCode;
  readonly status: number | undefined;
  readonly requestId: string | undefined;
  readonly tilledCode: string | undefined;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: TilledErrorCode, message: string, options: TilledErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status;
    this.requestId = options.requestId;
    this.tilledCode = options.tilledCode;
    this.details = options.details ?? {};
  }

  /** True when sending the same request again later may succeed (timeouts, 429, 5xx, network). */
  get transient(): boolean {
    return TRANSIENT.has(this.code);
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      status: this.status,
      requestId: this.requestId,
      tilledCode: this.tilledCode,
      details: this.details,
    };
  }
}

/** True when `error` is a {@link TilledError}, optionally with the given code. */
export function isTilledError(error: unknown, code?: TilledErrorCode): error is TilledError {
  return error instanceof TilledError && (code === undefined || error.code === code);
}

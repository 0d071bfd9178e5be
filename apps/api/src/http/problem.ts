import type { WorkflowErrorCode } from '@billkit/workflows';
import { z } from 'zod';

/** The API code each workflow code is answered with: the same meaning under the API's prefix. */
export const API_CODE_OF_WORKFLOW: Readonly<Record<WorkflowErrorCode, ApiErrorCode>> = {
  WORKFLOW_NOT_FOUND: 'API_NOT_FOUND',
  WORKFLOW_VALIDATION_FAILED: 'API_VALIDATION_FAILED',
  WORKFLOW_INVALID_STATE: 'API_INVALID_STATE',
  WORKFLOW_CONFLICT: 'API_CONFLICT',
  WORKFLOW_PAYMENT_FAILED: 'API_PAYMENT_FAILED',
  WORKFLOW_PAYMENTS_DISABLED: 'API_INVALID_STATE',
  WORKFLOW_IDEMPOTENCY_KEY_REUSED: 'API_IDEMPOTENCY_KEY_REUSED',
  WORKFLOW_IDEMPOTENCY_IN_PROGRESS: 'API_IDEMPOTENCY_IN_PROGRESS',
  WORKFLOW_GATEWAY_EVENT_REJECTED: 'API_WEBHOOK_SIGNATURE_INVALID',
};

/** One offending field: a JSON-pointer-like path into body/query/params/headers and what is wrong. */
export interface ProblemField {
  readonly location: 'body' | 'query' | 'params' | 'headers';
  readonly path: string;
  readonly message: string;
}

/** The one error class of apps/api. Handlers throw it; the error handler renders it. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly details: { readonly fields?: readonly ProblemField[]; readonly [key: string]: unknown } = {},
  ) {
    super(message);
  }
}

/** The codes the API itself raises, with their HTTP status. */
const API_STATUS = {
  API_VALIDATION_FAILED: 400,
  API_MALFORMED_JSON: 400,
  API_JSON_TOO_DEEP: 400,
  API_INVALID_IDEMPOTENCY_KEY: 400,
  API_UNAUTHENTICATED: 401,
  API_WEBHOOK_SIGNATURE_INVALID: 401,
  API_FORBIDDEN_SCOPE: 403,
  API_NOT_FOUND: 404,
  API_ROUTE_NOT_FOUND: 404,
  API_BAD_URL: 400,
  API_URI_TOO_LONG: 414,
  API_WEBHOOK_UNKNOWN_ACCOUNT: 404,
  API_METHOD_NOT_ALLOWED: 405,
  API_CONFLICT: 409,
  API_IDEMPOTENCY_IN_PROGRESS: 409,
  API_INVALID_STATE: 409,
  API_BODY_TOO_LARGE: 413,
  API_UNSUPPORTED_MEDIA_TYPE: 415,
  API_IDEMPOTENCY_KEY_REUSED: 422,
  API_PAYMENT_FAILED: 402,
  API_RATE_LIMITED: 429,
  API_INTERNAL: 500,
  API_NOT_IMPLEMENTED: 501,
  API_SERVICE_UNAVAILABLE: 503,
  API_INVALID_CONFIGURATION: 500,
} as const;
export type ApiErrorCode = keyof typeof API_STATUS;

/**
 * THE mapping of every billkit error code to an HTTP status, written once. Exact codes first, then the
 * package-wide default by prefix. A code no one listed is a 500: new codes must be added here.
 */
const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  ...API_STATUS,
  // @billkit/billing-core
  BILLING_UNKNOWN_PRICE: 422,
  BILLING_UNKNOWN_PRODUCT: 422,
  BILLING_UNKNOWN_INVOICE_LINE: 422,
  BILLING_ILLEGAL_INVOICE_TRANSITION: 409,
  BILLING_ILLEGAL_SUBSCRIPTION_TRANSITION: 409,
  BILLING_INVARIANT_VIOLATION: 500,
  BILLING_ENGINE_FAILURE: 500,
  // An instant sent as a date alone: the request is malformed, as for the API's own validation.
  BILLING_DATE_WITHOUT_TIME: 400,
  PRORATION_DATE_WITHOUT_TIME: 400,
  DISCOUNT_DATE_WITHOUT_TIME: 400,
  // @billkit/db
  DB_NOT_FOUND: 404,
  DB_VERSION_CONFLICT: 409,
  DB_CONFLICT: 409,
  DB_UNIQUE_VIOLATION: 409,
  DB_DUPLICATE: 409,
  DB_ALREADY_EXISTS: 409,
  DB_CLAIM_CONFLICT: 409,
  DB_UNAVAILABLE: 503,
  DB_CONNECTION_FAILED: 503,
  DB_NOT_MIGRATED: 503,
  DB_LOCK_TIMEOUT: 409,
  // @billkit/tax
  TAX_UNKNOWN_JURISDICTION: 422,
  TAX_NO_RATE_IN_FORCE: 422,
  // @billkit/discount
  DISCOUNT_PROMOTION_CODE_NOT_FOUND: 404,
  // @billkit/tilled
  TILLED_CARD_DECLINED: 402,
  TILLED_PAYMENT_DECLINED: 402,
  TILLED_SIGNATURE_INVALID: 401,
  TILLED_WEBHOOK_SIGNATURE_INVALID: 401,
  TILLED_WEBHOOK_TIMESTAMP_OUT_OF_TOLERANCE: 401,
  TILLED_TIMEOUT: 504,
};

const STATUS_BY_PREFIX: ReadonlyArray<readonly [string, number]> = [
  ['MONEY_', 422],
  ['TAX_', 422],
  ['DISCOUNT_', 422],
  ['PRORATION_', 422],
  ['BILLING_', 422],
  ['DB_', 500],
  ['TILLED_', 502],
];

/**
 * Answers a client should simply send again later carry `Retry-After`: these codes, and any error whose
 * details say `retryable: true` (2 s) or `retryAfterSeconds` (a rate-limit window, an idempotency lease,
 * which wins). An answer with `Retry-After` is never stored under an Idempotency-Key: the retry must run.
 */
const RETRY_AFTER_SECONDS_BY_CODE: Readonly<Record<string, number>> = {
  API_RATE_LIMITED: 60,
  API_SERVICE_UNAVAILABLE: 5,
  API_IDEMPOTENCY_IN_PROGRESS: 2,
  DB_UNAVAILABLE: 2,
  DB_LOCK_TIMEOUT: 1,
};

/** The `Retry-After` seconds of the answer to `error` (whose code is `code`), or undefined when it is final. */
export function retryAfterFor(code: string, error: unknown): number | undefined {
  const details = (error as { details?: { retryAfterSeconds?: unknown; retryable?: unknown } } | null)
    ?.details;
  const given = details?.retryAfterSeconds;
  if (typeof given === 'number' && Number.isFinite(given) && given > 0) return Math.ceil(given);
  return RETRY_AFTER_SECONDS_BY_CODE[code] ?? (details?.retryable === true ? 2 : undefined);
}

/** HTTP status for a billkit error code (see the table above). */
export function statusForCode(code: string): number {
  const exact = STATUS_BY_CODE[code];
  if (exact !== undefined) return exact;
  for (const [prefix, status] of STATUS_BY_PREFIX) if (code.startsWith(prefix)) return status;
  return 500;
}

/** An error thrown by any billkit package: it has a string `code` in SCREAMING_SNAKE with a known prefix. */
export function isBillkitError(error: unknown): error is Error & { code: string; details?: unknown } {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return (
    typeof code === 'string' && /^(API|MONEY|TAX|DISCOUNT|PRORATION|BILLING|DB|TILLED)_[A-Z0-9_]+$/.test(code)
  );
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  402: 'Payment Required',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** RFC 9457 problem details, with billkit's stable `code`, the offending `errors[]` and the request id. */
export const problemSchema = z
  .object({
    type: z.string().describe('URI naming the problem type: https://billkit.dev/problems/<code>'),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().describe('The request path'),
    code: z.string().describe('Stable machine-readable code (switch on this, not on the text)'),
    request_id: z.string(),
    errors: z
      .array(z.object({ location: z.string(), path: z.string(), message: z.string() }))
      .optional()
      .describe('Offending fields, for validation problems'),
  })
  .meta({ id: 'Problem' });
export type Problem = z.infer<typeof problemSchema>;

export function problem(
  code: string,
  detail: string,
  instance: string,
  requestId: string,
  fields?: readonly ProblemField[],
): Problem {
  const status = statusForCode(code);
  return {
    type: `https://billkit.dev/problems/${code.toLowerCase().replaceAll('_', '-')}`,
    title: TITLES[status] ?? 'Error',
    status,
    detail,
    instance,
    code,
    request_id: requestId,
    ...(fields && fields.length > 0 ? { errors: fields.map((f) => ({ ...f })) } : {}),
  };
}

/** Codes @billkit/workflows raises itself. Engine (`BILLING_…`, `TAX_…`, …) and db (`DB_…`) codes pass through unchanged. */
export type WorkflowErrorCode =
  /** A referenced object does not exist for this tenant (`details.entity`, `details.id`, `fields`). */
  | 'WORKFLOW_NOT_FOUND'
  /** The input names something inconsistent (an item id the subscription does not have, …). */
  | 'WORKFLOW_VALIDATION_FAILED'
  /** The object is not in a state that allows the operation (a tenant without a tax table, …). */
  | 'WORKFLOW_INVALID_STATE'
  /** Another change won the race (`expected_version` stale, a payment in flight, …); retry after re-reading. */
  | 'WORKFLOW_CONFLICT'
  /** The gateway declined or failed the payment; the invoice records the attempt. */
  | 'WORKFLOW_PAYMENT_FAILED'
  /** No payment gateway is configured for the tenant. */
  | 'WORKFLOW_PAYMENTS_DISABLED'
  /** The idempotency key was used before with a different input. */
  | 'WORKFLOW_IDEMPOTENCY_KEY_REUSED'
  /** An operation with this idempotency key is still running. */
  | 'WORKFLOW_IDEMPOTENCY_IN_PROGRESS'
  /** A gateway event that does not verify (signature, unknown account) or does not match billkit's records. */
  | 'WORKFLOW_GATEWAY_EVENT_REJECTED';

/** One offending input field: a dotted path into the operation's input (`items.0.price`) and what is wrong. */
export interface WorkflowErrorField {
  readonly path: string;
  readonly message: string;
}

export interface WorkflowErrorDetails {
  readonly fields?: readonly WorkflowErrorField[];
  readonly [key: string]: unknown;
}

/** The one error class of @billkit/workflows: switch on `code`. */
export class WorkflowError extends Error {
  override readonly name = 'WorkflowError';
  constructor(
    readonly code: WorkflowErrorCode,
    message: string,
    readonly details: WorkflowErrorDetails = {},
  ) {
    super(message);
  }
}

export function isWorkflowError(error: unknown): error is WorkflowError {
  return error instanceof WorkflowError;
}

/**
 * `WORKFLOW_NOT_FOUND` for `entity` `id`; with `field`, the input path that named it.
 *
 * @example
 * throw notFound('customer', 'cus_1', 'customer'); // "No such customer: 'cus_1'"
 */
export function notFound(
  entity: string,
  id: string,
  field?: string,
  message = `no such ${entity}`,
): WorkflowError {
  return new WorkflowError('WORKFLOW_NOT_FOUND', `No such ${entity}: '${id}'`, {
    entity,
    id,
    ...(field !== undefined ? { fields: [{ path: field, message }] } : {}),
  });
}

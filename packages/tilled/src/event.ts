import { z } from 'zod';
import { TilledError } from './errors.js';
import type { ListParams } from './list.js';

/** The event types billkit acts on. Others are valid events too: store and acknowledge them. */
export const TILLED_EVENT_TYPES = [
  'payment_intent.succeeded',
  'payment_intent.payment_failed',
  'payment_intent.processing',
  'payment_intent.canceled',
  'payment_intent.requires_action',
  'charge.succeeded',
  'charge.failed',
  'charge.refunded',
  'charge.refund.updated',
  'dispute.created',
  'dispute.updated',
  'payment_method.attached',
  'payment_method.detached',
  'payment_method.updated',
] as const;
export type KnownTilledEventType = (typeof TILLED_EVENT_TYPES)[number];

/**
 * Tilled's event envelope. `data` is the resource itself (a payment intent, a charge, a dispute), with
 * no `data.object` wrapper. Route an event to its tenant by `account_id`.
 */
export const tilledEventSchema = z.looseObject({
  id: z.string().min(1),
  account_id: z.string().min(1),
  type: z.string().min(1),
  data: z.record(z.string(), z.unknown()),
  created_at: z.string(),
  updated_at: z.string(),
});
export type TilledEvent = z.infer<typeof tilledEventSchema>;

/** True for the event types billkit processes; false means "store and acknowledge". */
export function isKnownEventType(type: string): type is KnownTilledEventType {
  return (TILLED_EVENT_TYPES as readonly string[]).includes(type);
}

/**
 * Parse a webhook body (already verified) or an item of `GET /v1/events` into a typed event.
 * Throws `TILLED_WEBHOOK_INVALID_PAYLOAD` when it is not JSON or not an event envelope.
 *
 * @example const event = parseTilledEvent(rawBody); // { id: 'evt_…', account_id, type, data, … }
 */
export function parseTilledEvent(body: string | Uint8Array | unknown): TilledEvent {
  let value: unknown = body;
  if (typeof body === 'string' || body instanceof Uint8Array) {
    const text = typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
    try {
      value = JSON.parse(text);
    } catch (cause) {
      throw new TilledError('TILLED_WEBHOOK_INVALID_PAYLOAD', 'Webhook body is not JSON', { cause });
    }
  }
  const parsed = tilledEventSchema.safeParse(value);
  if (!parsed.success) {
    throw new TilledError('TILLED_WEBHOOK_INVALID_PAYLOAD', 'Webhook body is not a Tilled event envelope', {
      details: { issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) },
    });
  }
  return parsed.data;
}

/** Query of `GET /v1/events` (catch-up after downtime; Tilled's default window is 30 days). */
export interface ListEventsParams extends ListParams {
  readonly object_id?: string;
  readonly types?: readonly string[];
  readonly created_at_gte?: string;
  readonly created_at_lte?: string;
}

/** The metadata keys billkit writes on every payment intent it creates. */
export const BILLKIT_METADATA_KEYS = {
  invoiceId: 'billkit_invoice_id',
  attemptId: 'billkit_attempt_id',
  tenantId: 'billkit_tenant_id',
} as const;

/** billkit's ids read back from a payment intent's metadata (in a webhook or a lookup). */
export interface BillkitPaymentReference {
  readonly invoiceId: string;
  readonly attemptId: string;
  readonly tenantId?: string;
}

/**
 * billkit's invoice/attempt/tenant ids from a resource's `metadata`, or `undefined` when the resource
 * was not created by billkit (e.g. a payment taken in Tilled's dashboard).
 *
 * @example readBillkitMetadata(event.data.metadata) // { invoiceId: 'in_1', attemptId: 'att_1', tenantId: 'acme' }
 */
export function readBillkitMetadata(metadata: unknown): BillkitPaymentReference | undefined {
  if (metadata === null || typeof metadata !== 'object') return undefined;
  const record = metadata as Record<string, unknown>;
  const invoiceId = record[BILLKIT_METADATA_KEYS.invoiceId];
  const attemptId = record[BILLKIT_METADATA_KEYS.attemptId];
  const tenantId = record[BILLKIT_METADATA_KEYS.tenantId];
  if (typeof invoiceId !== 'string' || typeof attemptId !== 'string') return undefined;
  return typeof tenantId === 'string' ? { invoiceId, attemptId, tenantId } : { invoiceId, attemptId };
}

import { z } from 'zod';
import { isoInstantSchema } from './schemas.js';

export const BILLING_EVENT_TYPES = [
  'subscription.created',
  'subscription.trial_started',
  'subscription.trial_ended',
  'subscription.renewed',
  'subscription.updated',
  'subscription.paused',
  'subscription.resumed',
  'subscription.cancel_scheduled',
  'subscription.canceled',
  'subscription.past_due',
  'subscription.recovered',
  'invoice.created',
  'invoice.finalized',
  'invoice.payment_succeeded',
  'invoice.payment_failed',
  'invoice.paid',
  'invoice.voided',
  'invoice.marked_uncollectible',
  'invoice_item.created',
  'credit_note.created',
] as const;
export type BillingEventType = (typeof BILLING_EVENT_TYPES)[number];

/**
 * Something that happened to a subscription, invoice or credit note, for the append-only audit trail.
 * Every pure transition returns the events it caused; storing them is the caller's job.
 */
export const billingEventSchema = z.object({
  type: z.enum(BILLING_EVENT_TYPES),
  occurredAt: isoInstantSchema,
  subjectType: z.enum(['subscription', 'invoice', 'credit_note']),
  subjectId: z.string(),
  /** Event-specific facts (previous status, amounts, ids), JSON-serialisable. */
  data: z.record(z.string(), z.unknown()),
});
export type BillingEvent = z.infer<typeof billingEventSchema>;

/** Make an event (internal helper kept public for hosts that add their own). */
export function billingEvent(
  type: BillingEventType,
  subjectType: BillingEvent['subjectType'],
  subjectId: string,
  occurredAt: string,
  data: Record<string, unknown> = {},
): BillingEvent {
  return { type, occurredAt, subjectType, subjectId, data };
}

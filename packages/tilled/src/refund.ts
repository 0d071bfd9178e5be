import { z } from 'zod';
import { metadataSchema } from './list.js';

export const TILLED_REFUND_STATUSES = [
  'pending',
  'succeeded',
  'failed',
  'canceled',
  'requires_action',
] as const;
export type TilledRefundStatus = (typeof TILLED_REFUND_STATUSES)[number];

/** A Tilled refund. Tilled sends no `refund.*` events: refunds arrive inside `charge.refunded`. */
export const tilledRefundSchema = z.looseObject({
  id: z.string(),
  status: z.enum(TILLED_REFUND_STATUSES),
  amount: z.number().int().nonnegative(),
  currency: z.string(),
  payment_intent_id: z.string().nullish(),
  charge_id: z.string().nullish(),
  reason: z.string().nullish(),
  failure_code: z.string().nullish(),
  metadata: metadataSchema.nullish(),
  created_at: z.string().optional(),
});
export type TilledRefund = z.infer<typeof tilledRefundSchema>;

/** A charge, the `data` of `charge.*` events; `refunds` lists its refunds. */
export const tilledChargeSchema = z.looseObject({
  id: z.string(),
  status: z.string(),
  amount_captured: z.number().int().nullish(),
  amount_refunded: z.number().int().nullish(),
  payment_intent_id: z.string().nullish(),
  failure_code: z.string().nullish(),
  failure_message: z.string().nullish(),
  refunds: z.array(tilledRefundSchema).nullish(),
});
export type TilledCharge = z.infer<typeof tilledChargeSchema>;

/**
 * Body of `POST /v1/refunds`. Omit `amount` for a full refund; a partial refund is accepted only once
 * the charge is batched (after midnight US Eastern).
 */
export interface CreateRefundParams {
  readonly payment_intent_id: string;
  readonly amount?: number;
  readonly reason?: string;
  readonly metadata?: Readonly<Record<string, string>>;
}

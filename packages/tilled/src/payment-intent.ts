import { z } from 'zod';
import type { ListParams } from './list.js';
import { metadataSchema } from './list.js';
import type { PaymentMethodType } from './payment-method.js';

export const TILLED_PAYMENT_INTENT_STATUSES = [
  'requires_payment_method',
  'requires_confirmation',
  'requires_action',
  'processing',
  'requires_capture',
  'canceled',
  'succeeded',
] as const;
export type TilledPaymentIntentStatus = (typeof TILLED_PAYMENT_INTENT_STATUSES)[number];

/**
 * Why the last confirmation failed: a card decline code (`insufficient_funds`, `do_not_honor`, …) or an
 * ACH return code (`R01`…`R85`). A decline is reported here, on a 2xx answer, not as an HTTP error.
 */
export const lastPaymentErrorSchema = z.looseObject({
  charge_id: z.string().nullish(),
  code: z.string().nullish(),
  message: z.string().nullish(),
});
export type LastPaymentError = z.infer<typeof lastPaymentErrorSchema>;

/** A Tilled payment intent (`pi_…`). Amount in integer minor units, currency lower case. */
export const tilledPaymentIntentSchema = z.looseObject({
  id: z.string(),
  status: z.enum(TILLED_PAYMENT_INTENT_STATUSES),
  amount: z.number().int().nonnegative(),
  currency: z.string(),
  amount_received: z.number().int().nullish(),
  capture_method: z.string().nullish(),
  occurrence_type: z.string().nullish(),
  payment_method_types: z.array(z.string()).nullish(),
  payment_method_id: z.string().nullish(),
  payment_method: z.looseObject({ id: z.string() }).nullish(),
  last_payment_error: lastPaymentErrorSchema.nullish(),
  metadata: metadataSchema.nullish(),
  charges: z.array(z.looseObject({ id: z.string() })).nullish(),
  created_at: z.string().optional(),
  updated_at: z.string().optional(),
});
export type TilledPaymentIntent = z.infer<typeof tilledPaymentIntentSchema>;

/** `occurrence_type` values billkit uses; `merchant_recurring` is scheduled off-session billing. */
export type OccurrenceType =
  | 'merchant_recurring'
  | 'merchant_unscheduled'
  | 'consumer_ad_hoc'
  | (string & {});

/** Body of `POST /v1/payment-intents` (there is no customer id: it comes from the payment method). */
export interface CreatePaymentIntentParams {
  /** Integer minor units. */
  readonly amount: number;
  /** Lower-case ISO code; only Tilled's currencies are accepted. */
  readonly currency: string;
  readonly payment_method_types: readonly PaymentMethodType[];
  readonly payment_method_id?: string;
  /** Create and confirm in one call. */
  readonly confirm?: boolean;
  readonly capture_method?: 'automatic' | 'manual';
  readonly occurrence_type?: OccurrenceType;
  readonly metadata?: Readonly<Record<string, string>>;
  readonly statement_descriptor_suffix?: string;
}

/** Query of `GET /v1/payment-intents`: `metadata` matches every pair exactly. */
export interface ListPaymentIntentsParams extends ListParams {
  readonly metadata?: Readonly<Record<string, string>>;
  readonly status?: readonly TilledPaymentIntentStatus[];
  readonly customer_id?: string;
  readonly created_at_gte?: string;
  readonly created_at_lte?: string;
}

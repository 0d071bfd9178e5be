import { z } from 'zod';
import type { ListParams } from './list.js';
import { metadataSchema } from './list.js';

export const PAYMENT_METHOD_TYPES = ['card', 'ach_debit', 'eft_debit', 'card_present'] as const;
export type PaymentMethodType = (typeof PAYMENT_METHOD_TYPES)[number];

/** A Tilled payment method (`pm_…`). Cards show `card.last4`, ACH debits `ach_debit.last2`. */
export const tilledPaymentMethodSchema = z.looseObject({
  id: z.string(),
  type: z.string(),
  customer_id: z.string().nullish(),
  card: z
    .looseObject({
      brand: z.string().nullish(),
      last4: z.string().nullish(),
      exp_month: z.number().nullish(),
      exp_year: z.number().nullish(),
    })
    .nullish(),
  ach_debit: z.looseObject({ last2: z.string().nullish(), bank_name: z.string().nullish() }).nullish(),
  billing_details: z.looseObject({}).nullish(),
  metadata: metadataSchema.nullish(),
  created_at: z.string().optional(),
});
export type TilledPaymentMethod = z.infer<typeof tilledPaymentMethodSchema>;

/** Body of `POST /v1/payment-methods`: a Tilled.js `payment_token`, or raw details in sandbox. */
export interface CreatePaymentMethodParams {
  readonly type: PaymentMethodType;
  readonly payment_token?: string;
  readonly card?: Readonly<Record<string, unknown>>;
  readonly ach_debit?: Readonly<Record<string, unknown>>;
  readonly billing_details?: Readonly<Record<string, unknown>>;
  readonly metadata?: Readonly<Record<string, string>>;
}

/** Query of `GET /v1/payment-methods`: Tilled requires both `type` and `customer_id`. */
export interface ListPaymentMethodsParams extends ListParams {
  readonly type: PaymentMethodType;
  readonly customer_id: string;
}

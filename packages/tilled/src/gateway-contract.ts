import type { Money } from '@billkit/money';

// A copy of the gateway contract in packages/billing-core/src/payment-gateway.ts, which billing-core
// does not export yet. Kept structurally identical so that, once billing-core exports these types,
// this file becomes `export type { … } from '@billkit/billing-core'` with no other change.

/** Status of a payment intent, in Stripe's words. */
export type PaymentIntentStatus =
  | 'requires_payment_method'
  | 'requires_confirmation'
  | 'requires_action'
  | 'processing'
  | 'succeeded'
  | 'canceled';

/** What billkit writes on every payment intent. */
export interface PaymentMetadata {
  readonly invoiceId: string;
  /** Unique per attempt (retries get a new one); with the invoice id, it makes a create retry-safe. */
  readonly attemptId: string;
  readonly [key: string]: string;
}

/** A payment intent as a gateway reports it. */
export interface PaymentIntent {
  readonly id: string;
  readonly status: PaymentIntentStatus;
  readonly amount: Money;
  readonly metadata: PaymentMetadata;
  /** The gateway's decline or failure code when the payment did not succeed. */
  readonly failureCode?: string;
  readonly failureMessage?: string;
}

export interface Refund {
  readonly id: string;
  readonly paymentIntentId: string;
  readonly amount: Money;
  readonly status: 'pending' | 'succeeded' | 'failed' | 'canceled';
}

/** What billkit needs from a payment processor (billing-core's `PaymentGateway`). */
export interface PaymentGateway {
  createCustomer(input: {
    readonly customerId: string;
    readonly email?: string;
    readonly name?: string;
  }): Promise<{ readonly gatewayCustomerId: string }>;

  attachPaymentMethod(input: {
    readonly gatewayCustomerId: string;
    readonly paymentMethodToken: string;
    readonly makeDefault?: boolean;
  }): Promise<{ readonly paymentMethodId: string }>;

  createPaymentIntent(input: {
    readonly gatewayCustomerId: string;
    readonly paymentMethodId: string;
    readonly amount: Money;
    readonly metadata: PaymentMetadata;
    readonly idempotencyKey: string;
  }): Promise<PaymentIntent>;

  refund(input: {
    readonly paymentIntentId: string;
    readonly amount: Money;
    readonly reason?: string;
    readonly idempotencyKey: string;
  }): Promise<Refund>;

  getPaymentIntent(paymentIntentId: string): Promise<PaymentIntent>;
}

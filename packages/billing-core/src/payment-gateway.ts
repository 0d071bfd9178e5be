import type { Money } from '@billkit/money';

/** Status of a payment intent, in Stripe's words. */
export type PaymentIntentStatus =
  | 'requires_payment_method'
  | 'requires_confirmation'
  | 'requires_action'
  | 'processing'
  | 'succeeded'
  | 'canceled';

/** A payment intent as a gateway reports it. */
export interface PaymentIntent {
  readonly id: string;
  readonly status: PaymentIntentStatus;
  readonly amount: Money;
  /** Always carries the billkit invoice id and attempt id, so webhooks can be matched back. */
  readonly metadata: PaymentMetadata;
  /** The gateway's decline or failure code when the payment did not succeed. */
  readonly failureCode?: string;
  readonly failureMessage?: string;
}

/** What billkit writes on every payment intent. */
export interface PaymentMetadata {
  readonly invoiceId: string;
  /** Unique per attempt (retries get a new one); also used as the idempotency key. */
  readonly attemptId: string;
  readonly [key: string]: string;
}

export interface Refund {
  readonly id: string;
  readonly paymentIntentId: string;
  readonly amount: Money;
  readonly status: 'pending' | 'succeeded' | 'failed' | 'canceled';
}

/**
 * What billkit needs from a payment processor. Types only: implementations (Tilled, Stripe, a fake for
 * tests) live in their own packages; billing-core never performs I/O itself.
 */
export interface PaymentGateway {
  /** Create the customer at the gateway; returns the gateway's customer id. */
  createCustomer(input: {
    readonly customerId: string;
    readonly email?: string;
    readonly name?: string;
  }): Promise<{ readonly gatewayCustomerId: string }>;

  /** Attach a tokenised payment method (card, bank account) to the gateway customer. */
  attachPaymentMethod(input: {
    readonly gatewayCustomerId: string;
    readonly paymentMethodToken: string;
    readonly makeDefault?: boolean;
  }): Promise<{ readonly paymentMethodId: string }>;

  /** Create and confirm a payment intent for an invoice's amount due. */
  createPaymentIntent(input: {
    readonly gatewayCustomerId: string;
    readonly paymentMethodId: string;
    readonly amount: Money;
    readonly metadata: PaymentMetadata;
    readonly idempotencyKey: string;
  }): Promise<PaymentIntent>;

  /** Refund part or all of a succeeded payment intent (e.g. for a credit note). */
  refund(input: {
    readonly paymentIntentId: string;
    readonly amount: Money;
    readonly reason?: string;
    readonly idempotencyKey: string;
  }): Promise<Refund>;

  /** Fetch the current status of a payment intent (reconciliation, webhook verification). */
  getPaymentIntent(paymentIntentId: string): Promise<PaymentIntent>;
}

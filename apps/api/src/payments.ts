// The part of @billkit/billing-core's PaymentGateway the API calls (mirrors it, so the Tilled gateway fits).

export interface PaymentIntentLike {
  readonly id: string;
  readonly status:
    | 'requires_payment_method'
    | 'requires_confirmation'
    | 'requires_action'
    | 'processing'
    | 'succeeded'
    | 'canceled';
  readonly amount: { readonly amount: number; readonly currency: string };
  readonly metadata: Readonly<Record<string, string>>;
  readonly failureCode?: string;
  readonly failureMessage?: string;
}

export interface PaymentGatewayLike {
  createCustomer(input: {
    readonly customerId: string;
    readonly email?: string;
    readonly name?: string;
  }): Promise<{
    readonly gatewayCustomerId: string;
  }>;
  attachPaymentMethod(input: {
    readonly gatewayCustomerId: string;
    readonly paymentMethodToken: string;
    readonly makeDefault?: boolean;
  }): Promise<{ readonly paymentMethodId: string }>;
  createPaymentIntent(input: {
    readonly gatewayCustomerId: string;
    readonly paymentMethodId: string;
    readonly amount: { readonly amount: number; readonly currency: string };
    readonly metadata: {
      readonly invoiceId: string;
      readonly attemptId: string;
      readonly [key: string]: string;
    };
    readonly idempotencyKey: string;
  }): Promise<PaymentIntentLike>;
  getPaymentIntent(paymentIntentId: string): Promise<PaymentIntentLike>;
}

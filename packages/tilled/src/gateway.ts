import { equals, type Money } from '@billkit/money';
import { fromTilledAmount, toTilledAmount } from './amount.js';
import { TilledClient } from './client.js';
import { tilledConfigFromEnv } from './config.js';
import { TilledError } from './errors.js';
import { BILLKIT_METADATA_KEYS, readBillkitMetadata } from './event.js';
import type {
  PaymentGateway,
  PaymentIntent,
  PaymentIntentStatus,
  PaymentMetadata,
  Refund,
} from './gateway-contract.js';
import type { OccurrenceType, TilledPaymentIntent, TilledPaymentIntentStatus } from './payment-intent.js';
import type { PaymentMethodType } from './payment-method.js';
import type { TilledRefund } from './refund.js';

export interface TilledGatewayOptions {
  readonly client: TilledClient;
  /** billkit's tenant; written as `billkit_tenant_id` on every customer and payment intent. */
  readonly tenantId: string;
  /** Default `merchant_recurring`: billkit charges invoices off-session on a schedule. */
  readonly occurrenceType?: OccurrenceType;
}

// Intents are created with automatic capture, so `requires_capture` only appears for intents made
// elsewhere; it means "authorised, money not moved yet", closest to `processing`.
const STATUS: Record<TilledPaymentIntentStatus, PaymentIntentStatus> = {
  requires_payment_method: 'requires_payment_method',
  requires_confirmation: 'requires_confirmation',
  requires_action: 'requires_action',
  processing: 'processing',
  requires_capture: 'processing',
  canceled: 'canceled',
  succeeded: 'succeeded',
};

/**
 * billkit's `PaymentGateway` over Tilled, for one tenant's merchant account.
 *
 * Creating a payment intent is retry-safe without an idempotency header (Tilled has none): the
 * intent carries `billkit_invoice_id` + `billkit_attempt_id` in its metadata; before creating, and
 * after a timeout / network error / 5xx, the gateway looks for an intent with that pair and returns it
 * instead of creating another. Use a new attempt id for each dunning retry, the same one when
 * re-sending the same attempt. The look-up and the create are two calls, not one atomic step: never send
 * one attempt from two places at once (billkit's workflows hold a lease on the attempt while they call).
 *
 * @example
 * const gateway = TilledGateway.fromEnv('acme');
 * const intent = await gateway.createPaymentIntent({
 *   gatewayCustomerId: 'cus_1', paymentMethodId: 'pm_1', amount: money(4999, 'USD'),
 *   metadata: { invoiceId: 'in_1', attemptId: 'in_1-1' }, idempotencyKey: 'in_1-1',
 * });
 * if (intent.status === 'requires_payment_method') console.log('declined:', intent.failureCode);
 */
export class TilledGateway implements PaymentGateway {
  readonly client: TilledClient;
  readonly tenantId: string;
  readonly #occurrenceType: OccurrenceType;

  constructor(options: TilledGatewayOptions) {
    this.client = options.client;
    this.tenantId = options.tenantId;
    this.#occurrenceType = options.occurrenceType ?? 'merchant_recurring';
  }

  /** A gateway for a tenant configured by `TILLED_*_<TENANT>` variables (see `tilledConfigFromEnv`). */
  static fromEnv(tenantKey: string, env?: Readonly<Record<string, string | undefined>>): TilledGateway {
    return new TilledGateway({
      client: new TilledClient(tilledConfigFromEnv(tenantKey, env)),
      tenantId: tenantKey,
    });
  }

  async createCustomer(input: {
    readonly customerId: string;
    readonly email?: string;
    readonly name?: string;
  }): Promise<{ readonly gatewayCustomerId: string }> {
    const [first, ...rest] = (input.name ?? '').trim().split(/\s+/);
    const customer = await this.client.createCustomer({
      ...(input.email === undefined ? {} : { email: input.email }),
      ...(first ? { first_name: first } : {}),
      ...(rest.length > 0 ? { last_name: rest.join(' ') } : {}),
      metadata: { billkit_customer_id: input.customerId, [BILLKIT_METADATA_KEYS.tenantId]: this.tenantId },
    });
    return { gatewayCustomerId: customer.id };
  }

  /**
   * Attach a payment method to the customer. `paymentMethodToken` is either a `pm_…` id made by
   * Tilled.js (attached as is) or a Tilled.js `payment_token`, turned into a method of `type` first.
   * Tilled has no default payment method: `makeDefault` is billkit's to record.
   */
  async attachPaymentMethod(input: {
    readonly gatewayCustomerId: string;
    readonly paymentMethodToken: string;
    readonly makeDefault?: boolean;
    readonly type?: PaymentMethodType;
  }): Promise<{ readonly paymentMethodId: string }> {
    let paymentMethodId = input.paymentMethodToken;
    if (!paymentMethodId.startsWith('pm_')) {
      const created = await this.client.createPaymentMethod({
        type: input.type ?? 'card',
        payment_token: input.paymentMethodToken,
      });
      paymentMethodId = created.id;
    }
    const attached = await this.client.attachPaymentMethod(paymentMethodId, input.gatewayCustomerId);
    return { paymentMethodId: attached.id };
  }

  /**
   * Create and confirm a payment intent for an invoice attempt, or return the one that already exists
   * for this invoice + attempt. A decline comes back as `status: 'requires_payment_method'` with
   * `failureCode`; ACH debits come back `processing` and settle later by webhook.
   */
  async createPaymentIntent(input: {
    readonly gatewayCustomerId: string;
    readonly paymentMethodId: string;
    readonly amount: Money;
    readonly metadata: PaymentMetadata;
    /** Accepted for the contract; Tilled has no idempotency header, the metadata pair plays its role. */
    readonly idempotencyKey?: string;
  }): Promise<PaymentIntent> {
    const wire = toTilledAmount(input.amount);
    const { invoiceId, attemptId } = input.metadata;
    const existing = await this.findPaymentIntentForAttempt({ invoiceId, attemptId });
    if (existing !== undefined) return this.#sameCharge(existing, input.amount);

    const method = await this.client.getPaymentMethod(input.paymentMethodId);
    if (method.customer_id != null && method.customer_id !== input.gatewayCustomerId) {
      throw new TilledError('TILLED_INVALID_REQUEST', 'The payment method belongs to another customer', {
        details: { paymentMethodId: method.id, gatewayCustomerId: input.gatewayCustomerId },
      });
    }
    const { invoiceId: _i, attemptId: _a, ...extra } = input.metadata;
    try {
      const created = await this.client.createPaymentIntent({
        ...wire,
        payment_method_types: [method.type as PaymentMethodType],
        payment_method_id: method.id,
        confirm: true,
        capture_method: 'automatic',
        occurrence_type: this.#occurrenceType,
        metadata: {
          ...extra,
          [BILLKIT_METADATA_KEYS.invoiceId]: invoiceId,
          [BILLKIT_METADATA_KEYS.attemptId]: attemptId,
          [BILLKIT_METADATA_KEYS.tenantId]: this.tenantId,
        },
      });
      return toPaymentIntent(created);
    } catch (error) {
      // The create may have reached Tilled before the answer was lost: look before anyone retries.
      if (!(error instanceof TilledError) || !error.transient) throw error;
      const found = await this.findPaymentIntentForAttempt({ invoiceId, attemptId });
      if (found === undefined) throw error;
      return this.#sameCharge(found, input.amount);
    }
  }

  /** The intent Tilled holds for this invoice + attempt, if any (a metadata-filtered list call). */
  async findPaymentIntentForAttempt(ref: {
    readonly invoiceId: string;
    readonly attemptId: string;
  }): Promise<TilledPaymentIntent | undefined> {
    const page = await this.client.listPaymentIntents({
      metadata: {
        [BILLKIT_METADATA_KEYS.invoiceId]: ref.invoiceId,
        [BILLKIT_METADATA_KEYS.attemptId]: ref.attemptId,
      },
      limit: 10,
    });
    // Filter again locally: never trust a filter we cannot see to have been applied.
    return page.items.find((intent) => {
      const meta = readBillkitMetadata(intent.metadata);
      return meta?.invoiceId === ref.invoiceId && meta.attemptId === ref.attemptId;
    });
  }

  /**
   * Refund part or all of a payment intent. Tilled accepts a partial refund only once the charge is
   * batched (after midnight US Eastern); before that, only the full amount.
   */
  async refund(input: {
    readonly paymentIntentId: string;
    readonly amount: Money;
    readonly reason?: string;
    readonly idempotencyKey?: string;
  }): Promise<Refund> {
    const wire = toTilledAmount(input.amount);
    const refund = await this.client.createRefund({
      payment_intent_id: input.paymentIntentId,
      amount: wire.amount,
      ...(input.reason === undefined ? {} : { reason: input.reason }),
      metadata: {
        [BILLKIT_METADATA_KEYS.tenantId]: this.tenantId,
        ...(input.idempotencyKey === undefined ? {} : { billkit_refund_key: input.idempotencyKey }),
      },
    });
    return toRefund(refund, input.paymentIntentId);
  }

  async getPaymentIntent(paymentIntentId: string): Promise<PaymentIntent> {
    return toPaymentIntent(await this.client.getPaymentIntent(paymentIntentId));
  }

  #sameCharge(intent: TilledPaymentIntent, amount: Money): PaymentIntent {
    const mapped = toPaymentIntent(intent);
    if (!equals(mapped.amount, amount)) {
      throw new TilledError(
        'TILLED_IDEMPOTENCY_CONFLICT',
        `Payment intent ${intent.id} exists for this invoice attempt with a different amount`,
        { details: { paymentIntentId: intent.id, existing: mapped.amount, requested: amount } },
      );
    }
    return mapped;
  }
}

/**
 * A Tilled payment intent in billkit's gateway vocabulary: `Money` amount, billkit ids from metadata,
 * `failureCode` from `last_payment_error` when it has not succeeded.
 */
export function toPaymentIntent(intent: TilledPaymentIntent): PaymentIntent {
  const ref = readBillkitMetadata(intent.metadata);
  if (ref === undefined) {
    throw new TilledError(
      'TILLED_INVALID_RESPONSE',
      `Payment intent ${intent.id} carries no billkit metadata`,
      {
        details: { paymentIntentId: intent.id },
      },
    );
  }
  const {
    [BILLKIT_METADATA_KEYS.invoiceId]: _i,
    [BILLKIT_METADATA_KEYS.attemptId]: _a,
    ...rest
  } = intent.metadata ?? {};
  const error = intent.status === 'succeeded' ? undefined : intent.last_payment_error;
  return {
    id: intent.id,
    status: STATUS[intent.status],
    amount: fromTilledAmount(intent.amount, intent.currency),
    metadata: { ...rest, invoiceId: ref.invoiceId, attemptId: ref.attemptId },
    ...(error?.code == null ? {} : { failureCode: error.code }),
    ...(error?.message == null ? {} : { failureMessage: error.message }),
  };
}

function toRefund(refund: TilledRefund, paymentIntentId: string): Refund {
  return {
    id: refund.id,
    paymentIntentId: refund.payment_intent_id ?? paymentIntentId,
    amount: fromTilledAmount(refund.amount, refund.currency),
    status: refund.status === 'requires_action' ? 'pending' : refund.status,
  };
}

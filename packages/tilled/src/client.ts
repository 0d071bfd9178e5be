import { z } from 'zod';
import { toTilledAmount } from './amount.js';
import { redactSecret, type TilledConfig } from './config.js';
import { type CreateCustomerParams, type TilledCustomer, tilledCustomerSchema } from './customer.js';
import { type ListEventsParams, type TilledEvent, tilledEventSchema } from './event.js';
import { type ListParams, listSchema, type TilledList } from './list.js';
import {
  type CreatePaymentIntentParams,
  type ListPaymentIntentsParams,
  type TilledPaymentIntent,
  tilledPaymentIntentSchema,
} from './payment-intent.js';
import {
  type CreatePaymentMethodParams,
  type ListPaymentMethodsParams,
  type TilledPaymentMethod,
  tilledPaymentMethodSchema,
} from './payment-method.js';
import { type CreateRefundParams, type TilledRefund, tilledRefundSchema } from './refund.js';
import { TilledTransport } from './transport.js';
import {
  type CreateWebhookEndpointParams,
  type TilledWebhookEndpoint,
  tilledWebhookEndpointSchema,
} from './webhook-endpoint.js';

/** Options every call accepts. */
export interface CallOptions {
  /** Abort the call (in addition to the client's per-request timeout). */
  readonly signal?: AbortSignal;
}

const deleted = z.unknown();
const id = (value: string) => encodeURIComponent(value);
const opt = (options: CallOptions | undefined) =>
  options?.signal === undefined ? {} : { signal: options.signal };

/**
 * A typed HTTP client over the Tilled endpoints billkit uses. Requests and answers use Tilled's own
 * snake_case JSON; answers are validated (unknown fields kept). Every failure is a `TilledError`; a
 * card decline is not one (read the intent's `status` and `last_payment_error`). GETs are retried on
 * timeouts, network errors, 429 and 5xx; nothing that creates or moves money is retried blindly.
 *
 * @example
 * const tilled = new TilledClient({ secretKey, accountId, sandbox: true });
 * const intent = await tilled.getPaymentIntent('pi_123');
 */
export class TilledClient {
  readonly #transport: TilledTransport;
  readonly #secretHint: string;

  constructor(config: TilledConfig) {
    this.#transport = new TilledTransport(config);
    Object.defineProperty(this, Symbol.for('nodejs.util.inspect.custom'), {
      value: () => this.toJSON(),
      enumerable: false,
    });
    this.#secretHint = redactSecret(config.secretKey);
  }

  get baseUrl(): string {
    return this.#transport.baseUrl;
  }

  get accountId(): string {
    return this.#transport.accountId;
  }

  /** What a logger may see of this client: no secrets. */
  toJSON(): Record<string, string> {
    return { baseUrl: this.baseUrl, accountId: this.accountId, secretKey: this.#secretHint };
  }

  // Customers
  createCustomer(params: CreateCustomerParams, options?: CallOptions): Promise<TilledCustomer> {
    return this.#transport.request({
      method: 'POST',
      path: '/v1/customers',
      body: params,
      schema: tilledCustomerSchema,
      ...opt(options),
    });
  }

  getCustomer(customerId: string, options?: CallOptions): Promise<TilledCustomer> {
    return this.#transport.request({
      method: 'GET',
      path: `/v1/customers/${id(customerId)}`,
      schema: tilledCustomerSchema,
      ...opt(options),
    });
  }

  // Payment methods
  createPaymentMethod(
    params: CreatePaymentMethodParams,
    options?: CallOptions,
  ): Promise<TilledPaymentMethod> {
    return this.#transport.request({
      method: 'POST',
      path: '/v1/payment-methods',
      body: params,
      schema: tilledPaymentMethodSchema,
      ...opt(options),
    });
  }

  getPaymentMethod(paymentMethodId: string, options?: CallOptions): Promise<TilledPaymentMethod> {
    return this.#transport.request({
      method: 'GET',
      path: `/v1/payment-methods/${id(paymentMethodId)}`,
      schema: tilledPaymentMethodSchema,
      ...opt(options),
    });
  }

  /** Attach to a customer; a method made from a Tilled.js token is single-use until attached. */
  attachPaymentMethod(paymentMethodId: string, customerId: string, options?: CallOptions) {
    return this.#transport.request({
      method: 'PUT',
      path: `/v1/payment-methods/${id(paymentMethodId)}/attach`,
      body: { customer_id: customerId },
      schema: tilledPaymentMethodSchema,
      ...opt(options),
    });
  }

  detachPaymentMethod(paymentMethodId: string, options?: CallOptions): Promise<TilledPaymentMethod> {
    return this.#transport.request({
      method: 'PUT',
      path: `/v1/payment-methods/${id(paymentMethodId)}/detach`,
      schema: tilledPaymentMethodSchema,
      ...opt(options),
    });
  }

  /** A customer's payment methods of one type (Tilled requires both filters). */
  listPaymentMethods(
    params: ListPaymentMethodsParams,
    options?: CallOptions,
  ): Promise<TilledList<TilledPaymentMethod>> {
    return this.#transport.request({
      method: 'GET',
      path: '/v1/payment-methods',
      query: { ...params },
      schema: listSchema(tilledPaymentMethodSchema),
      ...opt(options),
    });
  }

  // Payment intents
  /**
   * Create a payment intent (with `confirm: true`, create and charge at once). The amount is checked
   * against Tilled's currencies first. NOT retried automatically: after a timeout, look the intent up
   * by its metadata (`listPaymentIntents({ metadata })`) before creating again — `TilledGateway` does.
   */
  async createPaymentIntent(
    params: CreatePaymentIntentParams,
    options?: CallOptions,
  ): Promise<TilledPaymentIntent> {
    const { amount, currency } = toTilledAmount({
      amount: params.amount,
      currency: params.currency.toUpperCase(),
    });
    return this.#transport.request({
      method: 'POST',
      path: '/v1/payment-intents',
      body: { ...params, amount, currency },
      schema: tilledPaymentIntentSchema,
      ...opt(options),
    });
  }

  getPaymentIntent(paymentIntentId: string, options?: CallOptions): Promise<TilledPaymentIntent> {
    return this.#transport.request({
      method: 'GET',
      path: `/v1/payment-intents/${id(paymentIntentId)}`,
      schema: tilledPaymentIntentSchema,
      ...opt(options),
    });
  }

  /** Payment intents filtered by exact `metadata` pairs (`?metadata[key]=value`), status, dates. */
  listPaymentIntents(params: ListPaymentIntentsParams = {}, options?: CallOptions) {
    const { status, ...rest } = params;
    return this.#transport.request({
      method: 'GET',
      path: '/v1/payment-intents',
      query: { ...rest, ...(status === undefined ? {} : { status: status.join(',') }) },
      schema: listSchema(tilledPaymentIntentSchema),
      ...opt(options),
    });
  }

  confirmPaymentIntent(
    paymentIntentId: string,
    params: { readonly payment_method_id?: string } = {},
    options?: CallOptions,
  ): Promise<TilledPaymentIntent> {
    return this.#transport.request({
      method: 'POST',
      path: `/v1/payment-intents/${id(paymentIntentId)}/confirm`,
      body: params,
      schema: tilledPaymentIntentSchema,
      ...opt(options),
    });
  }

  /** Capture a `requires_capture` intent (once only); omit the amount to capture all of it. */
  capturePaymentIntent(
    paymentIntentId: string,
    params: { readonly amount_to_capture?: number } = {},
    options?: CallOptions,
  ): Promise<TilledPaymentIntent> {
    return this.#transport.request({
      method: 'POST',
      path: `/v1/payment-intents/${id(paymentIntentId)}/capture`,
      body: params,
      schema: tilledPaymentIntentSchema,
      ...opt(options),
    });
  }

  cancelPaymentIntent(
    paymentIntentId: string,
    params: { readonly cancellation_reason?: string } = {},
    options?: CallOptions,
  ): Promise<TilledPaymentIntent> {
    return this.#transport.request({
      method: 'POST',
      path: `/v1/payment-intents/${id(paymentIntentId)}/cancel`,
      body: params,
      schema: tilledPaymentIntentSchema,
      ...opt(options),
    });
  }

  // Refunds
  createRefund(params: CreateRefundParams, options?: CallOptions): Promise<TilledRefund> {
    return this.#transport.request({
      method: 'POST',
      path: '/v1/refunds',
      body: params,
      schema: tilledRefundSchema,
      ...opt(options),
    });
  }

  getRefund(refundId: string, options?: CallOptions): Promise<TilledRefund> {
    return this.#transport.request({
      method: 'GET',
      path: `/v1/refunds/${id(refundId)}`,
      schema: tilledRefundSchema,
      ...opt(options),
    });
  }

  // Events
  /** Catch up on events (e.g. after downtime): `GET /v1/events?object_id=…&types[]=…&created_at_gte=…`. */
  listEvents(params: ListEventsParams = {}, options?: CallOptions): Promise<TilledList<TilledEvent>> {
    return this.#transport.request({
      method: 'GET',
      path: '/v1/events',
      query: { ...params },
      schema: listSchema(tilledEventSchema),
      ...opt(options),
    });
  }

  // Webhook endpoints (partner account)
  /** Create an endpoint; the answer's `secret` is the only time Tilled shows it. */
  createWebhookEndpoint(
    params: CreateWebhookEndpointParams,
    options?: CallOptions,
  ): Promise<TilledWebhookEndpoint> {
    return this.#transport.request({
      method: 'POST',
      path: '/v1/webhook-endpoints',
      body: params,
      account: 'partner',
      schema: tilledWebhookEndpointSchema,
      ...opt(options),
    });
  }

  listWebhookEndpoints(
    params: ListParams = {},
    options?: CallOptions,
  ): Promise<TilledList<TilledWebhookEndpoint>> {
    return this.#transport.request({
      method: 'GET',
      path: '/v1/webhook-endpoints',
      query: { ...params },
      account: 'partner',
      schema: listSchema(tilledWebhookEndpointSchema),
      ...opt(options),
    });
  }

  async deleteWebhookEndpoint(webhookEndpointId: string, options?: CallOptions): Promise<void> {
    await this.#transport.request({
      method: 'DELETE',
      path: `/v1/webhook-endpoints/${id(webhookEndpointId)}`,
      account: 'partner',
      schema: deleted,
      ...opt(options),
    });
  }
}

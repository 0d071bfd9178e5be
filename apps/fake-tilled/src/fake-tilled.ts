import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Delivery, type DeliveryFilter, WebhookSender, type WebhookTarget } from './webhook-sender.js';
import type {
  IntentStatus,
  Metadata,
  WireCharge,
  WireCustomer,
  WireDispute,
  WireEvent,
  WireList,
  WirePaymentIntent,
  WirePaymentMethod,
  WireRefund,
  WireWebhookEndpoint,
} from './wire.js';

export const TILLED_CURRENCIES = [
  'aud',
  'cad',
  'dkk',
  'eur',
  'hkd',
  'jpy',
  'nzd',
  'nok',
  'gbp',
  'zar',
  'sek',
  'chf',
  'usd',
] as const;
const PAYMENT_METHOD_TYPES = ['card', 'ach_debit', 'eft_debit', 'card_present'] as const;
const INTENT_STATUSES: readonly IntentStatus[] = [
  'requires_payment_method',
  'requires_confirmation',
  'requires_action',
  'processing',
  'requires_capture',
  'canceled',
  'succeeded',
];

/** Card numbers that decline, like processors' test cards; everything else succeeds. */
export const DECLINING_CARDS: Readonly<Record<string, string>> = {
  '4000000000009995': 'insufficient_funds',
  '4000000000000002': 'do_not_honor',
  '4000000000000069': 'expired_card',
};

export interface RequestMatch {
  readonly method?: string;
  /** Exact path (`/v1/payment-intents`) or a pattern. */
  readonly path?: string | RegExp;
}

/** What the next matching request (or confirmation) does instead of the normal thing. */
export type ScriptStep =
  /** The next confirmation declines: `requires_payment_method`, `last_payment_error.code`. */
  | { readonly type: 'decline'; readonly code?: string; readonly message?: string }
  /** Answer with this status and body (default a Tilled-style error body) without doing anything. */
  | {
      readonly type: 'error';
      readonly status: number;
      readonly body?: unknown;
      readonly headers?: Record<string, string>;
      readonly match?: RequestMatch;
    }
  /**
   * Never answer. With `process: true` (default) the request is carried out first, like a server
   * whose answer is lost; with `false` it is not.
   */
  | { readonly type: 'timeout'; readonly process?: boolean; readonly match?: RequestMatch }
  /** Answer after `delayMs` (the work is done first). */
  | { readonly type: 'slow'; readonly delayMs: number; readonly match?: RequestMatch };

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage['headers'];
  readonly body: unknown;
  readonly requestId: string;
}

export interface FakeTilledOptions {
  readonly apiKey: string;
  /** The merchant account (`acct_…`) accepted in `tilled-account` for merchant calls. */
  readonly accountId: string;
  /** The partner account for webhook-endpoint calls; default `accountId`. */
  readonly partnerAccountId?: string;
  /** Where to send signed webhooks (can be set later with `setWebhookUrl`). */
  readonly webhookUrl?: string;
  readonly webhookSecret: string;
  /** Added to every answer. */
  readonly latencyMs?: number;
  /** Default 0: a random free port on 127.0.0.1. */
  readonly port?: number;
  readonly host?: string;
  /** Tilled allows partial refunds only after the nightly batch; default false (not yet batched). */
  readonly chargesBatched?: boolean;
  readonly webhookMaxAttempts?: number;
  readonly webhookRetryDelayMs?: number;
}

export interface FakeTilled {
  readonly url: string;
  readonly accountId: string;
  readonly customers: ReadonlyMap<string, WireCustomer>;
  readonly paymentMethods: ReadonlyMap<string, WirePaymentMethod>;
  readonly intents: ReadonlyMap<string, WirePaymentIntent>;
  readonly refunds: ReadonlyMap<string, WireRefund>;
  readonly webhookEndpoints: ReadonlyMap<string, WireWebhookEndpoint>;
  /** Every event, oldest first. */
  readonly events: readonly WireEvent[];
  /** Every webhook delivery attempt, oldest first. */
  readonly deliveries: readonly Delivery[];
  /** Every API request received, oldest first. */
  readonly requests: readonly RecordedRequest[];
  /** Queue a scripted outcome; each step is used once, by the first request it matches. */
  script(...steps: ScriptStep[]): void;
  setWebhookUrl(url: string | undefined): void;
  /** Make a payment method directly (no token), optionally attached and/or declining. */
  seedPaymentMethod(input: {
    type?: 'card' | 'ach_debit';
    customerId?: string;
    declineCode?: string;
  }): WirePaymentMethod;
  /** Settle a `processing` ACH intent: it succeeds, or the bank returns it (`R01`…). */
  settleAch(
    intentId: string,
    outcome: { readonly outcome: 'succeeded' } | { readonly outcome: 'returned'; readonly code: string },
  ): WirePaymentIntent;
  /** Move a pending refund to its final status (`charge.refund.updated`). */
  settleRefund(refundId: string, status: 'succeeded' | 'failed'): WireRefund;
  /** Run the nightly batch: partial refunds become possible. */
  batchCharges(): void;
  /** Open a dispute on a succeeded intent's charge (`dispute.created`). */
  createDispute(intentId: string, reason?: string): WireDispute;
  /** Emit any event (e.g. a type billkit does not know) and deliver it. */
  emit(type: string, data: object): WireEvent;
  /** Wait for a delivery attempt matching the filter (past ones count). */
  waitForDelivery(filter: DeliveryFilter, timeoutMs?: number): Promise<Delivery>;
  /** Deliver an already emitted event again (a duplicate, freshly signed). */
  redeliver(eventId: string): Promise<Delivery[]>;
  /** Stop delivering; events queue up until `releaseDeliveries`. */
  holdDeliveries(): void;
  /** Deliver the held events one by one, in creation order or reversed. */
  releaseDeliveries(order?: 'created' | 'reverse'): Promise<Delivery[]>;
  /** Resolves when no delivery is under way. */
  deliveriesIdle(): Promise<void>;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** Tilled's error body is undocumented; the fake answers in the common `{ statusCode, message, error }`. */
function errorBody(status: number, message: string, code?: string) {
  return { statusCode: status, message, error: STATUS_TEXT[status] ?? 'Error', ...(code ? { code } : {}) };
}

const newId = (prefix: string) => `${prefix}_${randomBytes(10).toString('hex')}`;
const nowIso = () => new Date().toISOString();

function pathMatches(match: RequestMatch | undefined, method: string, path: string): boolean {
  if (match === undefined) return true;
  if (match.method !== undefined && match.method.toUpperCase() !== method) return false;
  if (match.path === undefined) return true;
  return typeof match.path === 'string' ? match.path === path : match.path.test(path);
}

function asRecord(value: unknown, what: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new HttpError(400, `${what} must be an object`);
  return value as Record<string, unknown>;
}

function optionalString(body: Record<string, unknown>, key: string): string | null {
  const value = body[key];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw new HttpError(400, `${key} must be a string`);
  return value;
}

function readMetadata(body: Record<string, unknown>): Metadata {
  const value = body.metadata;
  if (value === undefined || value === null) return {};
  const record = asRecord(value, 'metadata');
  for (const [k, v] of Object.entries(record)) {
    if (typeof v !== 'string') throw new HttpError(400, `metadata.${k} must be a string`);
  }
  return record as Metadata;
}

/** Query filters `metadata[key]=value` (the form Tilled documents). */
function metadataFilter(query: URLSearchParams): [string, string][] {
  const out: [string, string][] = [];
  for (const [key, value] of query) {
    const m = /^metadata\[(.+)\]$/.exec(key);
    if (m?.[1] !== undefined) out.push([m[1], value]);
  }
  return out;
}

function paginate<T>(all: T[], query: URLSearchParams): WireList<T> {
  const offset = Math.max(0, Number(query.get('offset') ?? 0) || 0);
  const limit = Math.min(100, Math.max(1, Number(query.get('limit') ?? 30) || 30));
  const items = all.slice(offset, offset + limit);
  return { items, has_more: offset + items.length < all.length, limit, offset, total: all.length };
}

/**
 * Start a fake Tilled on loopback: the REST endpoints billkit's adapter uses, with Tilled's shapes,
 * auth headers, `request-id` on every answer, scripted failures, and signed webhooks.
 *
 * @example
 * const tilled = await startFakeTilled({ apiKey: 'sk_test', accountId: 'acct_1', webhookSecret: 'whsec' });
 * // … point the adapter at tilled.url …
 * await tilled.close();
 */
export async function startFakeTilled(options: FakeTilledOptions): Promise<FakeTilled> {
  const partnerAccountId = options.partnerAccountId ?? options.accountId;
  const customers = new Map<string, WireCustomer>();
  const paymentMethods = new Map<string, WirePaymentMethod>();
  const declineCodes = new Map<string, string>();
  const intents = new Map<string, WirePaymentIntent>();
  const refunds = new Map<string, WireRefund>();
  const disputes = new Map<string, WireDispute>();
  const webhookEndpoints = new Map<string, WireWebhookEndpoint & { secret: string }>();
  const batched = new Set<string>();
  const events: WireEvent[] = [];
  const requests: RecordedRequest[] = [];
  let script: ScriptStep[] = [];
  let webhookUrl = options.webhookUrl;
  let batchAll = options.chargesBatched ?? false;

  const sender = new WebhookSender({
    targets: (): WebhookTarget[] => [
      ...(webhookUrl === undefined
        ? []
        : [{ url: webhookUrl, secret: options.webhookSecret, enabledEvents: ['*'] }]),
      ...[...webhookEndpoints.values()].map((e) => ({
        url: e.url,
        secret: e.secret,
        enabledEvents: e.enabled_events,
      })),
    ],
    ...(options.webhookMaxAttempts === undefined ? {} : { maxAttempts: options.webhookMaxAttempts }),
    ...(options.webhookRetryDelayMs === undefined ? {} : { retryDelayMs: options.webhookRetryDelayMs }),
  });

  function emit(type: string, data: object): WireEvent {
    const at = nowIso();
    const event: WireEvent = {
      id: newId('evt'),
      account_id: options.accountId,
      type,
      data: structuredClone(data),
      created_at: at,
      updated_at: at,
    };
    events.push(event);
    sender.enqueue(event);
    return event;
  }

  function takeStep(predicate: (s: ScriptStep) => boolean): ScriptStep | undefined {
    const index = script.findIndex(predicate);
    if (index < 0) return undefined;
    const [step] = script.splice(index, 1);
    return step;
  }

  // ---- domain operations -------------------------------------------------------------------------

  function intentOf(id: string): WirePaymentIntent {
    const intent = intents.get(id);
    if (intent === undefined) throw new HttpError(404, `No payment intent ${id}`);
    return intent;
  }

  function touch<T extends { updated_at: string }>(o: T): T {
    o.updated_at = nowIso();
    return o;
  }

  function confirm(intent: WirePaymentIntent, paymentMethodId: string | null): void {
    const pmId = paymentMethodId ?? intent.payment_method?.id ?? null;
    if (pmId === null) throw new HttpError(400, 'payment_method_id is required to confirm');
    const pm = paymentMethods.get(pmId);
    if (pm === undefined) throw new HttpError(400, `No payment method ${pmId}`, 'resource_missing');
    if (!intent.payment_method_types.includes(pm.type)) {
      throw new HttpError(400, `payment method type ${pm.type} is not in payment_method_types`);
    }
    if (!['requires_payment_method', 'requires_confirmation'].includes(intent.status)) {
      throw new HttpError(400, `Cannot confirm a payment intent in status ${intent.status}`);
    }
    intent.payment_method = structuredClone(pm);
    const scripted = takeStep((s) => s.type === 'decline');
    const declineCode =
      scripted?.type === 'decline' ? (scripted.code ?? 'insufficient_funds') : declineCodes.get(pm.id);
    const at = nowIso();
    const charge: WireCharge = {
      id: newId('ch'),
      payment_intent_id: intent.id,
      status: 'pending',
      amount_captured: 0,
      amount_refunded: 0,
      failure_code: null,
      failure_message: null,
      refunds: [],
      created_at: at,
      updated_at: at,
    };
    intent.charges.push(charge);
    touch(intent);
    if (declineCode !== undefined) {
      const message =
        (scripted?.type === 'decline' ? scripted.message : undefined) ??
        `Your card was declined (${declineCode}).`;
      charge.status = 'failed';
      charge.failure_code = declineCode;
      charge.failure_message = message;
      intent.status = 'requires_payment_method';
      intent.last_payment_error = { charge_id: charge.id, code: declineCode, message };
      emit('charge.failed', charge);
      emit('payment_intent.payment_failed', intent);
      return;
    }
    intent.last_payment_error = null;
    if (pm.type === 'ach_debit' || pm.type === 'eft_debit') {
      intent.status = 'processing';
      emit('payment_intent.processing', intent);
      return;
    }
    if (intent.capture_method === 'manual') {
      intent.status = 'requires_capture';
      return;
    }
    succeed(intent, charge, intent.amount);
  }

  function succeed(intent: WirePaymentIntent, charge: WireCharge, amount: number): void {
    charge.status = 'succeeded';
    charge.amount_captured = amount;
    touch(charge);
    intent.status = 'succeeded';
    intent.amount_received = amount;
    touch(intent);
    emit('charge.succeeded', charge);
    emit('payment_intent.succeeded', intent);
  }

  function lastCharge(intent: WirePaymentIntent): WireCharge {
    const charge = intent.charges.at(-1);
    if (charge === undefined) throw new HttpError(400, `Payment intent ${intent.id} has no charge`);
    return charge;
  }

  function createPaymentMethod(
    type: WirePaymentMethod['type'],
    details: { last4?: string; billing?: Record<string, unknown> | null; metadata?: Metadata },
  ): WirePaymentMethod {
    const at = nowIso();
    const pm: WirePaymentMethod = {
      id: newId('pm'),
      type,
      customer_id: null,
      card:
        type === 'card' || type === 'card_present'
          ? {
              brand: 'visa',
              last4: details.last4 ?? '1111',
              exp_month: 12,
              exp_year: new Date().getUTCFullYear() + 3,
            }
          : null,
      ach_debit:
        type === 'ach_debit' ? { last2: '89', bank_name: 'FAKE BANK', account_type: 'checking' } : null,
      billing_details: details.billing ?? null,
      metadata: details.metadata ?? {},
      created_at: at,
      updated_at: at,
    };
    paymentMethods.set(pm.id, pm);
    return pm;
  }

  // ---- routes ------------------------------------------------------------------------------------

  type Handler = (ctx: {
    body: Record<string, unknown>;
    query: URLSearchParams;
    params: string[];
  }) => [number, unknown];
  const routes: { method: string; pattern: RegExp; account: 'merchant' | 'partner'; handler: Handler }[] = [];
  const route = (
    method: string,
    pattern: RegExp,
    handler: Handler,
    account: 'merchant' | 'partner' = 'merchant',
  ) => routes.push({ method, pattern, handler, account });

  route('POST', /^\/v1\/customers$/, ({ body }) => {
    const at = nowIso();
    const customer: WireCustomer = {
      id: newId('cus'),
      account_id: options.accountId,
      email: optionalString(body, 'email'),
      first_name: optionalString(body, 'first_name'),
      last_name: optionalString(body, 'last_name'),
      phone: optionalString(body, 'phone'),
      metadata: readMetadata(body),
      created_at: at,
      updated_at: at,
    };
    customers.set(customer.id, customer);
    return [201, customer];
  });
  route('GET', /^\/v1\/customers\/([^/]+)$/, ({ params: [id] }) => {
    const customer = customers.get(id!);
    if (customer === undefined) throw new HttpError(404, `No customer ${id}`);
    return [200, customer];
  });

  route('POST', /^\/v1\/payment-methods$/, ({ body }) => {
    const type = body.type;
    if (!PAYMENT_METHOD_TYPES.includes(type as never)) {
      throw new HttpError(400, `type must be one of ${PAYMENT_METHOD_TYPES.join(', ')}`);
    }
    const token = optionalString(body, 'payment_token');
    const card = body.card === undefined ? undefined : asRecord(body.card, 'card');
    const ach = body.ach_debit === undefined ? undefined : asRecord(body.ach_debit, 'ach_debit');
    if (token === null && card === undefined && ach === undefined) {
      throw new HttpError(400, 'payment_token or the payment details are required');
    }
    const billing =
      body.billing_details === undefined ? null : asRecord(body.billing_details, 'billing_details');
    if (type === 'ach_debit' && billing === null)
      throw new HttpError(400, 'billing_details is required for ach_debit');
    const number = typeof card?.number === 'string' ? card.number.replace(/\s+/g, '') : undefined;
    const pm = createPaymentMethod(type as WirePaymentMethod['type'], {
      ...(number === undefined ? {} : { last4: number.slice(-4) }),
      billing,
      metadata: readMetadata(body),
    });
    const decline = number === undefined ? undefined : DECLINING_CARDS[number];
    if (decline !== undefined) declineCodes.set(pm.id, decline);
    return [201, pm];
  });
  route('GET', /^\/v1\/payment-methods\/([^/]+)$/, ({ params: [id] }) => {
    const pm = paymentMethods.get(id!);
    if (pm === undefined) throw new HttpError(404, `No payment method ${id}`);
    return [200, pm];
  });
  route('PUT', /^\/v1\/payment-methods\/([^/]+)\/attach$/, ({ params: [id], body }) => {
    const pm = paymentMethods.get(id!);
    if (pm === undefined) throw new HttpError(404, `No payment method ${id}`);
    const customerId = optionalString(body, 'customer_id');
    if (customerId === null) throw new HttpError(400, 'customer_id is required');
    if (!customers.has(customerId)) throw new HttpError(400, `No customer ${customerId}`, 'resource_missing');
    if (pm.customer_id !== null && pm.customer_id !== customerId) {
      throw new HttpError(400, `Payment method ${pm.id} is attached to another customer`);
    }
    pm.customer_id = customerId;
    touch(pm);
    emit('payment_method.attached', pm);
    return [200, pm];
  });
  route('PUT', /^\/v1\/payment-methods\/([^/]+)\/detach$/, ({ params: [id] }) => {
    const pm = paymentMethods.get(id!);
    if (pm === undefined) throw new HttpError(404, `No payment method ${id}`);
    if (pm.customer_id === null) throw new HttpError(400, `Payment method ${pm.id} is not attached`);
    pm.customer_id = null;
    touch(pm);
    emit('payment_method.detached', pm);
    return [200, pm];
  });
  route('GET', /^\/v1\/payment-methods$/, ({ query }) => {
    const type = query.get('type');
    const customerId = query.get('customer_id');
    if (!type || !customerId) throw new HttpError(400, 'type and customer_id are required');
    const all = [...paymentMethods.values()].filter(
      (pm) => pm.type === type && pm.customer_id === customerId,
    );
    return [200, paginate(all, query)];
  });

  route('POST', /^\/v1\/payment-intents$/, ({ body }) => {
    const amount = body.amount;
    if (typeof amount !== 'number' || !Number.isSafeInteger(amount) || amount <= 0) {
      throw new HttpError(400, 'amount must be a positive integer in the smallest currency unit');
    }
    const currency = body.currency;
    if (typeof currency !== 'string' || !TILLED_CURRENCIES.includes(currency as never)) {
      throw new HttpError(400, `currency must be one of ${TILLED_CURRENCIES.join(', ')}`);
    }
    const types = body.payment_method_types;
    if (
      !Array.isArray(types) ||
      types.length === 0 ||
      !types.every((t) => PAYMENT_METHOD_TYPES.includes(t))
    ) {
      throw new HttpError(400, 'payment_method_types must be a non-empty list of payment method types');
    }
    const capture = body.capture_method ?? 'automatic';
    if (capture !== 'automatic' && capture !== 'manual')
      throw new HttpError(400, 'capture_method is invalid');
    const pmId = optionalString(body, 'payment_method_id');
    const pm = pmId === null ? null : (paymentMethods.get(pmId) ?? null);
    if (pmId !== null && pm === null)
      throw new HttpError(400, `No payment method ${pmId}`, 'resource_missing');
    const at = nowIso();
    const intent: WirePaymentIntent = {
      id: newId('pi'),
      account_id: options.accountId,
      amount,
      amount_received: 0,
      currency,
      status: pm === null ? 'requires_payment_method' : 'requires_confirmation',
      capture_method: capture,
      occurrence_type: optionalString(body, 'occurrence_type'),
      payment_method_types: types as string[],
      payment_method: pm === null ? null : structuredClone(pm),
      last_payment_error: null,
      metadata: readMetadata(body),
      charges: [],
      canceled_at: null,
      created_at: at,
      updated_at: at,
    };
    intents.set(intent.id, intent);
    if (body.confirm === true) confirm(intent, pmId);
    return [201, intent];
  });
  route('GET', /^\/v1\/payment-intents\/([^/]+)$/, ({ params: [id] }) => [200, intentOf(id!)]);
  route('GET', /^\/v1\/payment-intents$/, ({ query }) => {
    const pairs = metadataFilter(query);
    const statuses = query
      .getAll('status')
      .flatMap((s) => s.split(','))
      .filter((s) => s !== '');
    for (const s of statuses) {
      if (!INTENT_STATUSES.includes(s as IntentStatus)) throw new HttpError(400, `Unknown status ${s}`);
    }
    const all = [...intents.values()]
      .filter((pi) => pairs.every(([k, v]) => pi.metadata[k] === v))
      .filter((pi) => statuses.length === 0 || statuses.includes(pi.status))
      .reverse();
    return [200, paginate(all, query)];
  });
  route('POST', /^\/v1\/payment-intents\/([^/]+)\/confirm$/, ({ params: [id], body }) => {
    const intent = intentOf(id!);
    confirm(intent, optionalString(body, 'payment_method_id'));
    return [200, intent];
  });
  route('POST', /^\/v1\/payment-intents\/([^/]+)\/capture$/, ({ params: [id], body }) => {
    const intent = intentOf(id!);
    if (intent.status !== 'requires_capture') {
      throw new HttpError(400, `Cannot capture a payment intent in status ${intent.status}`);
    }
    const requested = body.amount_to_capture ?? intent.amount;
    if (
      typeof requested !== 'number' ||
      !Number.isSafeInteger(requested) ||
      requested <= 0 ||
      requested > intent.amount
    ) {
      throw new HttpError(400, 'amount_to_capture must be a positive integer no larger than amount');
    }
    succeed(intent, lastCharge(intent), requested);
    return [200, intent];
  });
  route('POST', /^\/v1\/payment-intents\/([^/]+)\/cancel$/, ({ params: [id] }) => {
    const intent = intentOf(id!);
    if (
      !['requires_payment_method', 'requires_capture', 'requires_confirmation', 'requires_action'].includes(
        intent.status,
      )
    ) {
      throw new HttpError(400, `Cannot cancel a payment intent in status ${intent.status}`);
    }
    intent.status = 'canceled';
    intent.canceled_at = nowIso();
    touch(intent);
    emit('payment_intent.canceled', intent);
    return [200, intent];
  });

  route('POST', /^\/v1\/refunds$/, ({ body }) => {
    const intentId = optionalString(body, 'payment_intent_id');
    if (intentId === null) throw new HttpError(400, 'payment_intent_id is required');
    const intent = intentOf(intentId);
    if (intent.status !== 'succeeded')
      throw new HttpError(400, `Payment intent ${intent.id} has not succeeded`);
    const charge = lastCharge(intent);
    const remaining = charge.amount_captured - charge.amount_refunded;
    const amount = body.amount ?? remaining;
    if (typeof amount !== 'number' || !Number.isSafeInteger(amount) || amount <= 0 || amount > remaining) {
      throw new HttpError(400, `amount must be a positive integer no larger than ${remaining}`);
    }
    if (amount !== charge.amount_captured && !batchAll && !batched.has(charge.id)) {
      throw new HttpError(
        400,
        'Partial refunds are available once the charge has been batched',
        'charge_not_batched',
      );
    }
    const at = nowIso();
    const refund: WireRefund = {
      id: newId('rf'),
      amount,
      currency: intent.currency,
      status: 'pending',
      payment_intent_id: intent.id,
      charge_id: charge.id,
      reason: optionalString(body, 'reason'),
      failure_code: null,
      metadata: readMetadata(body),
      created_at: at,
      updated_at: at,
    };
    refunds.set(refund.id, refund);
    charge.refunds.push(refund);
    charge.amount_refunded += amount;
    touch(charge);
    emit('charge.refunded', charge);
    return [201, refund];
  });
  route('GET', /^\/v1\/refunds\/([^/]+)$/, ({ params: [id] }) => {
    const refund = refunds.get(id!);
    if (refund === undefined) throw new HttpError(404, `No refund ${id}`);
    return [200, refund];
  });

  route('GET', /^\/v1\/events$/, ({ query }) => {
    const objectId = query.get('object_id');
    const types = [...query.getAll('types[]'), ...query.getAll('types')].flatMap((t) => t.split(','));
    const gte = query.get('created_at_gte');
    const lte = query.get('created_at_lte');
    const all = events
      .filter((e) => objectId === null || (e.data as { id?: unknown }).id === objectId)
      .filter((e) => types.length === 0 || types.includes(e.type))
      .filter((e) => gte === null || Date.parse(e.created_at) >= Date.parse(gte))
      .filter((e) => lte === null || Date.parse(e.created_at) <= Date.parse(lte))
      .reverse();
    return [200, paginate(all, query)];
  });

  route(
    'POST',
    /^\/v1\/webhook-endpoints$/,
    ({ body }) => {
      const url = optionalString(body, 'url');
      if (url === null || !/^https?:\/\//.test(url)) throw new HttpError(400, 'url must be an http(s) URL');
      const enabled = body.enabled_events;
      if (!Array.isArray(enabled) || enabled.length === 0 || !enabled.every((e) => typeof e === 'string')) {
        throw new HttpError(400, 'enabled_events must be a non-empty list');
      }
      const endpoint = {
        id: newId('we'),
        account_id: partnerAccountId,
        url,
        enabled_events: enabled as string[],
        description: optionalString(body, 'description'),
        secret: randomBytes(24).toString('hex'),
        created_at: nowIso(),
      };
      webhookEndpoints.set(endpoint.id, endpoint);
      return [201, endpoint];
    },
    'partner',
  );
  route(
    'GET',
    /^\/v1\/webhook-endpoints$/,
    ({ query }) => [
      200,
      paginate(
        [...webhookEndpoints.values()].map(({ secret: _s, ...e }) => e),
        query,
      ),
    ],
    'partner',
  );
  route(
    'DELETE',
    /^\/v1\/webhook-endpoints\/([^/]+)$/,
    ({ params: [id] }) => {
      if (!webhookEndpoints.delete(id!)) throw new HttpError(404, `No webhook endpoint ${id}`);
      return [200, {}];
    },
    'partner',
  );

  // ---- HTTP plumbing -----------------------------------------------------------------------------

  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  function send(
    res: ServerResponse,
    status: number,
    payload: unknown,
    requestId: string,
    headers: Record<string, string> = {},
  ) {
    const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
    res.writeHead(status, {
      'content-type': typeof payload === 'string' ? 'text/plain' : 'application/json',
      'request-id': requestId,
      ...headers,
    });
    res.end(text);
  }

  async function readBody(req: IncomingMessage): Promise<unknown> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    if (text === '') return {};
    try {
      return JSON.parse(text);
    } catch {
      throw new HttpError(400, 'Body is not valid JSON');
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://fake-tilled.local');
    const path = url.pathname;
    let body: unknown = {};
    try {
      body = await readBody(req);
    } catch (error) {
      send(res, 400, errorBody(400, (error as Error).message), requestId);
      return;
    }
    requests.push({ method, path, query: url.searchParams, headers: req.headers, body, requestId });

    if (options.latencyMs) await sleep(options.latencyMs);
    const step = takeStep((s) => s.type !== 'decline' && pathMatches(s.match, method, path));
    if (step?.type === 'error') {
      send(
        res,
        step.status,
        step.body ?? errorBody(step.status, 'Scripted failure'),
        requestId,
        step.headers ?? {},
      );
      return;
    }
    if (step?.type === 'timeout' && step.process === false) return; // never answered, nothing done

    let status: number;
    let payload: unknown;
    try {
      [status, payload] = dispatch(method, path, url.searchParams, body, req.headers);
    } catch (error) {
      if (!(error instanceof HttpError)) throw error;
      [status, payload] = [error.status, errorBody(error.status, error.message, error.code)];
    }
    if (step?.type === 'timeout') return; // carried out, answer lost
    if (step?.type === 'slow') await sleep(step.delayMs);
    send(res, status, payload, requestId);
  }

  function dispatch(
    method: string,
    path: string,
    query: URLSearchParams,
    body: unknown,
    headers: IncomingMessage['headers'],
  ): [number, unknown] {
    if (headers['tilled-api-key'] !== options.apiKey) throw new HttpError(401, 'Unauthenticated');
    const candidates = routes.filter((r) => r.pattern.test(path));
    if (candidates.length === 0) throw new HttpError(404, `Cannot ${method} ${path}`);
    const match = candidates.find((r) => r.method === method);
    if (match === undefined) throw new HttpError(404, `Cannot ${method} ${path}`);
    const expected = match.account === 'partner' ? partnerAccountId : options.accountId;
    const account = headers['tilled-account'];
    if (account === undefined) throw new HttpError(400, 'tilled-account header is required');
    if (account !== expected) throw new HttpError(403, 'Forbidden');
    const params = match.pattern.exec(path)!.slice(1).map(decodeURIComponent);
    return match.handler({ body: asRecord(body, 'body'), query, params });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, errorBody(500, String(error)), randomUUID());
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return {
    url: `http://${host}:${address.port}`,
    accountId: options.accountId,
    customers,
    paymentMethods,
    intents,
    refunds,
    webhookEndpoints,
    events,
    deliveries: sender.deliveries,
    requests,
    script: (...steps) => {
      script = [...script, ...steps];
    },
    setWebhookUrl: (next) => {
      webhookUrl = next;
    },
    seedPaymentMethod: ({ type = 'card', customerId, declineCode }) => {
      if (customerId !== undefined && !customers.has(customerId))
        throw new Error(`No customer ${customerId}`);
      const pm = createPaymentMethod(type, type === 'ach_debit' ? { billing: { name: 'Fake Holder' } } : {});
      if (customerId !== undefined) pm.customer_id = customerId;
      if (declineCode !== undefined) declineCodes.set(pm.id, declineCode);
      return pm;
    },
    settleAch: (intentId, outcome) => {
      const intent = intentOf(intentId);
      if (intent.status !== 'processing')
        throw new Error(`Payment intent ${intentId} is ${intent.status}, not processing`);
      const charge = lastCharge(intent);
      if (outcome.outcome === 'succeeded') {
        succeed(intent, charge, intent.amount);
        return intent;
      }
      const message = `ACH return ${outcome.code}`;
      charge.status = 'failed';
      charge.failure_code = outcome.code;
      charge.failure_message = message;
      touch(charge);
      intent.status = 'requires_payment_method';
      intent.last_payment_error = { charge_id: charge.id, code: outcome.code, message };
      touch(intent);
      emit('charge.failed', charge);
      emit('payment_intent.payment_failed', intent);
      return intent;
    },
    settleRefund: (refundId, status) => {
      const refund = refunds.get(refundId);
      if (refund === undefined) throw new Error(`No refund ${refundId}`);
      if (refund.status !== 'pending') throw new Error(`Refund ${refundId} is already ${refund.status}`);
      refund.status = status;
      if (status === 'failed') refund.failure_code = 'refund_failed';
      touch(refund);
      const charge = lastCharge(intentOf(refund.payment_intent_id));
      const inCharge = charge.refunds.find((r) => r.id === refund.id);
      if (inCharge !== undefined) Object.assign(inCharge, refund);
      if (status === 'failed') charge.amount_refunded -= refund.amount;
      emit('charge.refund.updated', refund);
      return refund;
    },
    batchCharges: () => {
      batchAll = true;
      for (const intent of intents.values()) for (const charge of intent.charges) batched.add(charge.id);
    },
    createDispute: (intentId, reason = 'fraudulent') => {
      const intent = intentOf(intentId);
      if (intent.status !== 'succeeded') throw new Error(`Payment intent ${intentId} has not succeeded`);
      const charge = lastCharge(intent);
      const at = nowIso();
      const dispute: WireDispute = {
        id: newId('dp'),
        account_id: options.accountId,
        charge_id: charge.id,
        payment_intent_id: intent.id,
        amount: charge.amount_captured,
        currency: intent.currency,
        status: 'needs_response',
        reason,
        created_at: at,
        updated_at: at,
      };
      disputes.set(dispute.id, dispute);
      emit('dispute.created', dispute);
      return dispute;
    },
    emit,
    waitForDelivery: (filter, timeoutMs) => sender.waitFor(filter, timeoutMs),
    redeliver: (eventId) => {
      const event = events.find((e) => e.id === eventId);
      if (event === undefined) throw new Error(`No event ${eventId}`);
      return sender.send(event);
    },
    holdDeliveries: () => sender.hold(),
    releaseDeliveries: (order) => sender.release(order),
    deliveriesIdle: () => sender.idle(),
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

import { toBigInt, toDate, toDateOrNull, toIso, toIsoOrNull, toMinorUnits } from '../codec.js';
import { DbError, isUniqueViolation } from '../errors.js';
import { atomicWithRetry, newId, type Scope } from '../scope.js';
import { generateApiKey, hashApiKey } from '../store/api-key-secret.js';

// API keys, idempotency records, received webhook events and payments: the operational rows around billing.

export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
}

export interface ApiKeyRepository {
  /** Creates a key; the secret is returned once and only its SHA-256 is stored. */
  create(
    tenantId: string,
    input: { name: string; scopes: string[]; expiresAt?: string },
  ): Promise<{ apiKey: ApiKey; secret: string }>;
  /** The tenant and key for a presented secret, or null when unknown, revoked or expired. Records last use. */
  authenticate(
    secret: string,
    options?: { at?: string },
  ): Promise<{ tenantId: string; apiKey: ApiKey } | null>;
  revoke(tenantId: string, id: string, options?: { at?: string }): Promise<void>;
  list(tenantId: string): Promise<ApiKey[]>;
}

type ApiKeyRow = Awaited<ReturnType<Scope['client']['apiKey']['findFirstOrThrow']>>;
const apiKeyFromRow = (row: ApiKeyRow): ApiKey => ({
  id: row.id,
  name: row.name,
  prefix: row.prefix,
  scopes: JSON.parse(row.scopes) as string[],
  createdAt: toIso(row.createdAt),
  lastUsedAt: toIsoOrNull(row.lastUsedAt),
  expiresAt: toIsoOrNull(row.expiresAt),
  revokedAt: toIsoOrNull(row.revokedAt),
});

export function apiKeyRepository(scope: Scope): ApiKeyRepository {
  return {
    async create(tenantId, input) {
      const { secret, prefix, hashedKey } = generateApiKey();
      const row = await scope.client.apiKey.create({
        data: {
          id: newId('key'),
          tenantId,
          name: input.name,
          prefix,
          hashedKey,
          scopes: JSON.stringify(input.scopes),
          expiresAt: toDateOrNull(input.expiresAt),
        },
      });
      return { apiKey: apiKeyFromRow(row), secret };
    },
    async authenticate(secret, options = {}) {
      const at = toDate(options.at ?? new Date().toISOString());
      const row = await scope.client.apiKey.findUnique({ where: { hashedKey: hashApiKey(secret) } });
      if (!row || row.revokedAt !== null || (row.expiresAt !== null && row.expiresAt <= at)) return null;
      await scope.client.apiKey.update({ where: { id: row.id }, data: { lastUsedAt: at } });
      return { tenantId: row.tenantId, apiKey: apiKeyFromRow({ ...row, lastUsedAt: at }) };
    },
    async revoke(tenantId, id, options = {}) {
      const updated = await scope.client.apiKey.updateMany({
        where: { id, tenantId, revokedAt: null },
        data: { revokedAt: toDate(options.at ?? new Date().toISOString()) },
      });
      if (updated.count === 0 && !(await scope.client.apiKey.findFirst({ where: { id, tenantId } }))) {
        throw new DbError('DB_NOT_FOUND', `No API key ${id}`);
      }
    },
    async list(tenantId) {
      return (await scope.client.apiKey.findMany({ where: { tenantId }, orderBy: { createdAt: 'asc' } })).map(
        apiKeyFromRow,
      );
    },
  };
}

/** A stored response for an `Idempotency-Key`. `responseStatus` is null while the first request runs. */
export interface IdempotencyRecord {
  key: string;
  requestHash: string;
  method: string;
  path: string;
  responseStatus: number | null;
  responseBody: string | null;
  createdAt: string;
  completedAt: string | null;
  expiresAt: string;
  /**
   * While the request runs: until when its holder has the claim (it keeps extending it with `renew`); after
   * that the holder counts as dead and the next `begin` takes the claim over. Null for a finished request.
   */
  leaseUntil: string | null;
}

export type IdempotencyBegin =
  /**
   * Run the request, then call `complete` (or `release`), and `renew` the lease while it runs. `takenOver`:
   * an earlier request with this key died before finishing (its lease ran out); whatever it did may have
   * happened, so the request must be safe to run again (the gateway is asked for its attempt's charge first).
   */
  | { outcome: 'started'; record: IdempotencyRecord; takenOver: boolean }
  /** Same key and same request, finished: replay `record.responseStatus` / `responseBody`. */
  | { outcome: 'replay'; record: IdempotencyRecord }
  /** Same key and same request, still running elsewhere (until `record.leaseUntil` at least): answer 409, retry later. */
  | { outcome: 'in_progress'; record: IdempotencyRecord };

/** How long a claim is its holder's without being renewed: a dead holder's claim is taken over after this. */
export const IDEMPOTENCY_LEASE_SECONDS = 30;

export interface IdempotencyRepository {
  /**
   * Claims `key` for a request. A key reused with a different `requestHash` throws `DB_IDEMPOTENCY_KEY_REUSED`.
   * An expired record is replaced; a running one whose lease (`leaseSeconds`, default
   * {@link IDEMPOTENCY_LEASE_SECONDS}) ran out unrenewed is taken over. `formerRequestHash`: the same
   * request's fingerprint as billkit computed it before RFC 8785 (the second of `requestFingerprints`), so a
   * key claimed before the upgrade still matches its retry.
   */
  begin(
    tenantId: string,
    input: {
      key: string;
      requestHash: string;
      formerRequestHash?: string;
      method: string;
      path: string;
      ttlSeconds?: number;
      leaseSeconds?: number;
      at?: string;
    },
  ): Promise<IdempotencyBegin>;
  /**
   * Extends a running claim's lease to `leaseSeconds` from now: its holder calls this while it works (every
   * third of the lease, say). False when there is no running claim any more (completed, released, expired).
   */
  renew(tenantId: string, key: string, options?: { leaseSeconds?: number; at?: string }): Promise<boolean>;
  complete(
    tenantId: string,
    key: string,
    response: { status: number; body: string; at?: string },
  ): Promise<IdempotencyRecord>;
  /** Forgets a key whose request failed before producing a response worth replaying. */
  release(tenantId: string, key: string): Promise<void>;
  /** Deletes expired records of every tenant; returns how many. */
  purgeExpired(at?: string): Promise<number>;
}

type IdemRow = Awaited<ReturnType<Scope['client']['idempotencyRecord']['findFirstOrThrow']>>;
const idemFromRow = (row: IdemRow): IdempotencyRecord => ({
  key: row.key,
  requestHash: row.requestHash,
  method: row.method,
  path: row.path,
  responseStatus: row.responseStatus,
  responseBody: row.responseBody,
  createdAt: toIso(row.createdAt),
  completedAt: toIsoOrNull(row.completedAt),
  expiresAt: toIso(row.expiresAt),
  leaseUntil: row.responseStatus === null ? toIso(leaseEnd(row, IDEMPOTENCY_LEASE_SECONDS)) : null,
});

/** When a running claim's lease ends; a claim written without one (before leases, or in a transaction) gets the default from its creation. */
function leaseEnd(row: { leaseUntil: Date | null; createdAt: Date }, leaseSeconds: number): Date {
  return row.leaseUntil ?? new Date(row.createdAt.getTime() + leaseSeconds * 1000);
}

export function idempotencyRepository(scope: Scope): IdempotencyRepository {
  return {
    async begin(tenantId, input) {
      const at = toDate(input.at ?? new Date().toISOString());
      const expiresAt = new Date(at.getTime() + (input.ttlSeconds ?? 24 * 3600) * 1000);
      const leaseSeconds = input.leaseSeconds ?? IDEMPOTENCY_LEASE_SECONDS;
      const leaseUntil = new Date(at.getTime() + leaseSeconds * 1000);
      await scope.client.idempotencyRecord.deleteMany({
        where: { tenantId, key: input.key, expiresAt: { lte: at } },
      });
      // A record released between a failed insert and the read is claimed on the next turn.
      for (let turn = 0; ; turn++) {
        try {
          const row = await scope.client.idempotencyRecord.create({
            data: {
              id: newId('idem'),
              tenantId,
              key: input.key,
              requestHash: input.requestHash,
              method: input.method,
              path: input.path,
              createdAt: at,
              expiresAt,
              leaseUntil,
            },
          });
          return { outcome: 'started', record: idemFromRow(row), takenOver: false };
        } catch (error) {
          if (!isUniqueViolation(error)) throw error;
        }
        const existing = await scope.client.idempotencyRecord.findFirst({
          where: { tenantId, key: input.key },
        });
        if (!existing) {
          if (turn < 2) continue;
          throw new DbError('DB_VERSION_CONFLICT', `Idempotency key ${input.key} is changing hands; retry`, {
            reason: 'idempotency_key_claimed',
          });
        }
        if (existing.requestHash !== input.requestHash && existing.requestHash !== input.formerRequestHash) {
          throw new DbError(
            'DB_IDEMPOTENCY_KEY_REUSED',
            `Idempotency key ${input.key} was used for a different request`,
            { key: input.key },
          );
        }
        if (existing.responseStatus !== null) return { outcome: 'replay', record: idemFromRow(existing) };
        if (leaseEnd(existing, leaseSeconds) > at)
          return { outcome: 'in_progress', record: idemFromRow(existing) };
        // Its holder died (the lease ran out unrenewed): take the claim over, unless another retry just did.
        const taken = await scope.client.idempotencyRecord.updateMany({
          where: { id: existing.id, responseStatus: null, leaseUntil: existing.leaseUntil },
          data: { leaseUntil },
        });
        const now = await scope.client.idempotencyRecord.findFirstOrThrow({ where: { id: existing.id } });
        if (taken.count === 1) return { outcome: 'started', record: idemFromRow(now), takenOver: true };
        return { outcome: now.responseStatus === null ? 'in_progress' : 'replay', record: idemFromRow(now) };
      }
    },
    async renew(tenantId, key, options = {}) {
      const at = toDate(options.at ?? new Date().toISOString());
      const leaseUntil = new Date(at.getTime() + (options.leaseSeconds ?? IDEMPOTENCY_LEASE_SECONDS) * 1000);
      const renewed = await scope.client.idempotencyRecord.updateMany({
        where: { tenantId, key, responseStatus: null, expiresAt: { gt: at } },
        data: { leaseUntil },
      });
      return renewed.count > 0;
    },
    async complete(tenantId, key, response) {
      const updated = await scope.client.idempotencyRecord.updateMany({
        where: { tenantId, key },
        data: {
          responseStatus: response.status,
          responseBody: response.body,
          completedAt: toDate(response.at ?? new Date().toISOString()),
          leaseUntil: null,
        },
      });
      if (updated.count === 0) throw new DbError('DB_NOT_FOUND', `No idempotency record ${key}`);
      return idemFromRow(await scope.client.idempotencyRecord.findFirstOrThrow({ where: { tenantId, key } }));
    },
    async release(tenantId, key) {
      await scope.client.idempotencyRecord.deleteMany({ where: { tenantId, key, responseStatus: null } });
    },
    async purgeExpired(at) {
      const result = await scope.client.idempotencyRecord.deleteMany({
        where: { expiresAt: { lte: toDate(at ?? new Date().toISOString()) } },
      });
      return result.count;
    },
  };
}

/** A webhook received from a gateway; `rawBody` is kept exactly as received. */
export interface WebhookEvent {
  id: string;
  provider: string;
  eventId: string;
  type: string;
  rawBody: string;
  signature: string | null;
  receivedAt: string;
  processedAt: string | null;
  processingError: string | null;
}

export interface WebhookEventRepository {
  /** Stores a received event; a redelivery (same provider and event id) returns the stored one with `duplicate: true`. */
  record(
    tenantId: string,
    input: {
      provider: string;
      eventId: string;
      type: string;
      rawBody: string;
      signature?: string;
      receivedAt?: string;
    },
  ): Promise<{ event: WebhookEvent; duplicate: boolean }>;
  markProcessed(tenantId: string, id: string, outcome?: { error?: string; at?: string }): Promise<void>;
  get(tenantId: string, id: string): Promise<WebhookEvent | null>;
  listUnprocessed(tenantId: string, limit?: number): Promise<WebhookEvent[]>;
}

type WebhookRow = Awaited<ReturnType<Scope['client']['webhookEvent']['findFirstOrThrow']>>;
const webhookFromRow = (row: WebhookRow): WebhookEvent => ({
  id: row.id,
  provider: row.provider,
  eventId: row.eventId,
  type: row.type,
  rawBody: row.rawBody,
  signature: row.signature,
  receivedAt: toIso(row.receivedAt),
  processedAt: toIsoOrNull(row.processedAt),
  processingError: row.processingError,
});

export function webhookEventRepository(scope: Scope): WebhookEventRepository {
  return {
    async record(tenantId, input) {
      try {
        const row = await scope.client.webhookEvent.create({
          data: {
            id: newId('whe'),
            tenantId,
            provider: input.provider,
            eventId: input.eventId,
            type: input.type,
            rawBody: input.rawBody,
            signature: input.signature ?? null,
            receivedAt: toDate(input.receivedAt ?? new Date().toISOString()),
          },
        });
        return { event: webhookFromRow(row), duplicate: false };
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        const row = await scope.client.webhookEvent.findFirstOrThrow({
          where: { tenantId, provider: input.provider, eventId: input.eventId },
        });
        return { event: webhookFromRow(row), duplicate: true };
      }
    },
    async markProcessed(tenantId, id, outcome = {}) {
      const updated = await scope.client.webhookEvent.updateMany({
        where: { id, tenantId },
        data: {
          processedAt: toDate(outcome.at ?? new Date().toISOString()),
          processingError: outcome.error ?? null,
        },
      });
      if (updated.count === 0) throw new DbError('DB_NOT_FOUND', `No webhook event ${id}`);
    },
    async get(tenantId, id) {
      const row = await scope.client.webhookEvent.findFirst({ where: { id, tenantId } });
      return row ? webhookFromRow(row) : null;
    },
    async listUnprocessed(tenantId, limit = 100) {
      const rows = await scope.client.webhookEvent.findMany({
        where: { tenantId, processedAt: null },
        orderBy: { receivedAt: 'asc' },
        take: limit,
      });
      return rows.map(webhookFromRow);
    },
  };
}

export type PaymentStatus = 'pending' | 'processing' | 'succeeded' | 'failed' | 'canceled' | 'refunded';

/**
 * A payment at a gateway. `amount` is minor units of `currency`. The workflows keep their payment attempts
 * here (the tenant store's `payment_attempt`): `pending` and `processing` payments of an invoice are in
 * flight, and the database holds at most one in flight per invoice.
 */
export interface Payment {
  id: string;
  customerId: string;
  invoiceId: string | null;
  gateway: string;
  gatewayPaymentId: string | null;
  gatewayCustomerId: string | null;
  /** The gateway payment method charged. */
  paymentMethodId: string | null;
  status: PaymentStatus;
  amount: number;
  currency: string;
  attempts: number;
  lastError: string | null;
  nextAttemptAt: string | null;
  /** While `pending`: until when the process that reserved it may call the gateway undisturbed. */
  leaseUntil: string | null;
  createdAt: string;
}

const IN_FLIGHT: ReadonlySet<PaymentStatus> = new Set(['pending', 'processing']);
/** The unique `inFlightInvoiceId` column: the invoice while the payment is in flight, else null. */
const inFlightInvoiceId = (status: PaymentStatus, invoiceId: string | null) =>
  IN_FLIGHT.has(status) ? invoiceId : null;

export interface PaymentRepository {
  create(
    tenantId: string,
    input: Omit<
      Payment,
      | 'id'
      | 'createdAt'
      | 'attempts'
      | 'lastError'
      | 'nextAttemptAt'
      | 'status'
      | 'paymentMethodId'
      | 'leaseUntil'
    > & {
      id?: string;
      status?: PaymentStatus;
      paymentMethodId?: string | null;
    },
  ): Promise<Payment>;
  /** Records one gateway attempt: increments `attempts`, sets status, gateway id, error and next retry. */
  recordAttempt(
    tenantId: string,
    id: string,
    attempt: {
      status: PaymentStatus;
      gatewayPaymentId?: string;
      error?: string | null;
      nextAttemptAt?: string | null;
    },
  ): Promise<Payment>;
  get(tenantId: string, id: string): Promise<Payment | null>;
  findByGatewayId(tenantId: string, gateway: string, gatewayPaymentId: string): Promise<Payment | null>;
  listForInvoice(tenantId: string, invoiceId: string): Promise<Payment[]>;
}

type PaymentRow = Awaited<ReturnType<Scope['client']['payment']['findFirstOrThrow']>>;
const paymentFromRow = (row: PaymentRow): Payment => ({
  id: row.id,
  customerId: row.customerId,
  invoiceId: row.invoiceId,
  gateway: row.gateway,
  gatewayPaymentId: row.gatewayPaymentId,
  gatewayCustomerId: row.gatewayCustomerId,
  paymentMethodId: row.paymentMethodId,
  status: row.status as PaymentStatus,
  amount: toMinorUnits(row.amount, 'Payment.amount'),
  currency: row.currency,
  attempts: row.attempts,
  lastError: row.lastError,
  nextAttemptAt: toIsoOrNull(row.nextAttemptAt),
  leaseUntil: toIsoOrNull(row.leaseUntil),
  createdAt: toIso(row.createdAt),
});

export function paymentRepository(scope: Scope): PaymentRepository {
  const load = async (tenantId: string, id: string) => {
    const row = await scope.client.payment.findFirst({ where: { id, tenantId } });
    return row ? paymentFromRow(row) : null;
  };
  return {
    async create(tenantId, input) {
      const customer = await scope.client.customer.findFirst({ where: { id: input.customerId, tenantId } });
      if (!customer) throw new DbError('DB_NOT_FOUND', `No customer ${input.customerId}`);
      const status = input.status ?? 'pending';
      try {
        const row = await scope.client.payment.create({
          data: {
            id: input.id ?? newId('pay'),
            tenantId,
            customerId: input.customerId,
            invoiceId: input.invoiceId,
            gateway: input.gateway,
            gatewayPaymentId: input.gatewayPaymentId,
            gatewayCustomerId: input.gatewayCustomerId,
            paymentMethodId: input.paymentMethodId ?? null,
            inFlightInvoiceId: inFlightInvoiceId(status, input.invoiceId),
            status,
            amount: toBigInt(input.amount, 'Payment.amount'),
            currency: input.currency,
          },
        });
        return paymentFromRow(row);
      } catch (error) {
        if (isUniqueViolation(error))
          throw new DbError(
            'DB_DUPLICATE',
            'Payment or gateway payment id exists, or the invoice has a payment in flight',
          );
        throw error;
      }
    },
    recordAttempt(tenantId, id, attempt) {
      return atomicWithRetry(scope, async (tx) => {
        const current = await tx.client.payment.findFirst({
          where: { id, tenantId },
          select: { invoiceId: true },
        });
        if (!current) throw new DbError('DB_NOT_FOUND', `No payment ${id}`);
        const updated = await tx.client.payment.updateMany({
          where: { id, tenantId },
          data: {
            attempts: { increment: 1 },
            status: attempt.status,
            inFlightInvoiceId: inFlightInvoiceId(attempt.status, current.invoiceId),
            ...(attempt.gatewayPaymentId !== undefined ? { gatewayPaymentId: attempt.gatewayPaymentId } : {}),
            lastError: attempt.error ?? null,
            nextAttemptAt: toDateOrNull(attempt.nextAttemptAt ?? null),
          },
        });
        if (updated.count === 0) throw new DbError('DB_NOT_FOUND', `No payment ${id}`);
        return paymentFromRow(await tx.client.payment.findFirstOrThrow({ where: { id, tenantId } }));
      });
    },
    get: load,
    async findByGatewayId(tenantId, gateway, gatewayPaymentId) {
      const row = await scope.client.payment.findFirst({ where: { tenantId, gateway, gatewayPaymentId } });
      return row ? paymentFromRow(row) : null;
    },
    async listForInvoice(tenantId, invoiceId) {
      const rows = await scope.client.payment.findMany({
        where: { tenantId, invoiceId },
        orderBy: { createdAt: 'asc' },
      });
      return rows.map(paymentFromRow);
    },
  };
}

// Gateway events: Tilled's webhooks, verified, stored once by event id, then applied idempotently.
//
// Framework-free by design: `receive` takes the raw body and the signature header as received (any
// HTTP framework can hand them over) plus the routing of Tilled account ids to tenants and their
// webhook secrets, which stays the host's configuration. A host's own endpoint answers 200 once
// `receive` resolves and then calls `apply` (at once or from a queue); `replay` re-applies what a crash
// left unprocessed.

import type { PaymentIntent } from '@billkit/billing-core';
import type { InvoiceRecord, PaymentAttemptRecord, WebhookEventRecord } from '@billkit/db';
import { BILLKIT_METADATA_KEYS, verifyWebhookSignature } from '@billkit/tilled';
import { type Deps, mutate, type OperationContext, type Recorder, recorderFor, tenantOf } from './context.js';
import { WorkflowError } from './errors.js';
import { newId } from './ids.js';
import {
  type AttemptSettlement,
  applyAttemptOutcome,
  attemptInFlight,
  paymentOutcomeOf,
  refundUnapplied,
  settleInvoicePayment,
} from './payment-attempts.js';

/** Where a Tilled account's events go: the tenant and the webhook secrets accepted (several during rotation). */
export interface GatewayAccountRoute {
  readonly tenantId: string;
  readonly secrets: readonly string[];
}

/** A webhook delivery as received: the raw body the signature was computed over, and the signature header. */
export interface ReceiveGatewayEventInput {
  readonly rawBody: string;
  /** The `tilled-signature` header as received. */
  readonly signature: string | readonly string[] | null | undefined;
  /** The tenant and secrets of a Tilled account id (`acct_…`); null: no tenant receives its events. */
  readonly routing: (accountId: string) => GatewayAccountRoute | null | Promise<GatewayAccountRoute | null>;
  /** Real time for the signature's freshness (default: the system clock, whatever the business clock says). */
  readonly now?: Date | undefined;
}

/** A verified and stored delivery. */
export interface GatewayEventReceipt {
  readonly tenantId: string;
  /** The provider's event id (`evt_…`). */
  readonly eventId: string;
  readonly type: string;
  /** The event id was stored before (a redelivery): `stored` is the first delivery's record. */
  readonly duplicate: boolean;
  /** The stored event; while its `processedAt` is null, `apply` it. */
  readonly stored: WebhookEventRecord;
}

/** Why `receive` rejected a delivery (`details.reason` of its `WORKFLOW_GATEWAY_EVENT_REJECTED`). */
export type GatewayEventRejection = 'malformed' | 'unknown_account' | 'invalid_signature';

/** What applying one stored event did. */
export interface GatewayEventApplication {
  /** False when it had been processed already (nothing was applied twice) or was rejected. */
  readonly applied: boolean;
  /**
   * Why the event was not applied although it verified: its payment intent, fetched from the gateway, is
   * unknown there or does not match billkit's records (amount, currency, invoice, tenant, attempt). Kept on
   * the stored event (`processingError`) and in the audit trail (`gateway_event.rejected`).
   */
  readonly rejection?: string;
  readonly type: string;
  /** Seconds from the event's creation at the gateway to its processing, when the event says when it was created. */
  readonly lagSeconds: number | null;
}

/** Which stored events to replay. */
export interface ReplayGatewayEventsInput {
  /** Only this tenant (default: every tenant). */
  readonly tenant?: string | undefined;
  /** Only events received at or after this instant. */
  readonly since?: string | undefined;
  /** Only the event with this provider event id (`evt_…`). */
  readonly eventId?: string | undefined;
}

/** What a replay did. */
export interface GatewayEventReplaySummary {
  readonly selected: number;
  /** Events that were unprocessed (or had failed) and are now processed. */
  readonly processed: number;
  /** Events already processed: left alone, so nothing is applied twice. */
  readonly alreadyProcessed: number;
  readonly failed: readonly { readonly tenant: string; readonly eventId: string; readonly error: string }[];
}

/** Tilled's event envelope, as far as billkit reads it. */
interface Envelope {
  readonly id: string;
  readonly account_id: string;
  readonly type: string;
  readonly data: {
    readonly id?: string;
    readonly amount?: unknown;
    readonly currency?: unknown;
    readonly metadata?: Record<string, unknown> | null;
    readonly last_payment_error?: { code?: string; message?: string };
  };
  readonly created_at?: string;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isId = (value: unknown): value is string => typeof value === 'string' && value.length > 0;

/** The envelope of a raw body, or null when it is not JSON or not a Tilled event. */
function parseEnvelope(rawBody: string): Envelope | null {
  let value: unknown;
  try {
    value = JSON.parse(rawBody);
  } catch {
    return null;
  }
  if (!isObject(value) || !isId(value.id) || !isId(value.account_id) || !isId(value.type)) return null;
  const data = value.data;
  if (!isObject(data)) return null;
  if (data.id !== undefined && typeof data.id !== 'string') return null;
  if (data.metadata !== undefined && data.metadata !== null && !isObject(data.metadata)) return null;
  if (value.created_at !== undefined && typeof value.created_at !== 'string') return null;
  return value as unknown as Envelope;
}

/**
 * The envelopes `receive` parsed, by the record it stored (and hands to `apply` in its receipt), so a
 * delivery's body is parsed once; kept with the body it was parsed from, which must still be the record's.
 */
const parsedBodies = new WeakMap<
  WebhookEventRecord,
  { readonly rawBody: string; readonly envelope: Envelope }
>();

/** The envelope of a stored event's body: the one `receive` parsed for this record, else parsed now. */
function envelopeOf(record: WebhookEventRecord): Envelope | null {
  const parsed = parsedBodies.get(record);
  return parsed !== undefined && parsed.rawBody === record.rawBody
    ? parsed.envelope
    : parseEnvelope(record.rawBody);
}

function rejected(
  reason: GatewayEventRejection,
  message: string,
  details: Record<string, unknown> = {},
): WorkflowError {
  return new WorkflowError('WORKFLOW_GATEWAY_EVENT_REJECTED', message, { reason, ...details });
}

const ACTOR = 'webhook:tilled';

/** Payment-intent events that move an invoice, once the intent is fetched from the gateway. */
const PAYMENT_EVENTS: ReadonlySet<string> = new Set([
  'payment_intent.succeeded',
  'payment_intent.payment_failed',
]);

/**
 * Whether applying the event can move an invoice: a payment-intent event naming a billkit invoice. Any other
 * event is only recorded, so `receive` stores it processed and no transaction applies it later.
 */
function movesInvoice(event: Envelope): boolean {
  return (
    typeof event.data.metadata?.[BILLKIT_METADATA_KEYS.invoiceId] === 'string' &&
    PAYMENT_EVENTS.has(event.type)
  );
}

/** The event's payment intent as the gateway holds it, or why the event cannot be applied. */
type Fetched = { readonly intent: PaymentIntent } | { readonly rejection: string };

/**
 * Fetches the event's payment intent from the tenant's gateway: the event's own copy is never trusted.
 * Unknown at the gateway (or not billkit's) is a rejection; any other failure is thrown, so the event stays
 * unprocessed and a replay tries again.
 */
async function fetchIntent(deps: Deps, tenantId: string, intentId: string | undefined): Promise<Fetched> {
  if (intentId === undefined) return { rejection: 'the event names no payment intent' };
  const gateway = await deps.gateways(tenantId);
  if (!gateway) return { rejection: 'no payment gateway is configured for the tenant' };
  try {
    return { intent: await gateway.getPaymentIntent(intentId) };
  } catch (error) {
    const { code, status } = (error ?? {}) as { code?: unknown; status?: unknown };
    if (status === 404 || (typeof code === 'string' && code.endsWith('_NOT_FOUND')))
      return { rejection: `the gateway has no payment intent ${intentId}` };
    if (code === 'TILLED_INVALID_RESPONSE')
      return { rejection: `payment intent ${intentId} carries no billkit invoice and attempt` };
    throw error;
  }
}

/** Why the fetched intent does not match the event or billkit's records; null when it does. */
function mismatchOf(
  tenantId: string,
  event: Envelope,
  intent: PaymentIntent,
  invoice: InvoiceRecord | null,
  attempt: PaymentAttemptRecord | null,
): string | null {
  const claimed = event.data.metadata?.[BILLKIT_METADATA_KEYS.invoiceId];
  if (intent.id !== event.data.id) return `the gateway answered with payment intent ${intent.id}`;
  if (intent.metadata.invoiceId !== claimed)
    return `payment intent ${intent.id} is for invoice ${intent.metadata.invoiceId}, not ${String(claimed)}`;
  const owner = intent.metadata[BILLKIT_METADATA_KEYS.tenantId];
  if (owner !== undefined && owner !== tenantId)
    return `payment intent ${intent.id} belongs to another tenant`;
  if (!invoice) return `no invoice ${intent.metadata.invoiceId}`;
  if (intent.amount.currency !== invoice.currency)
    return `payment intent ${intent.id} is in ${intent.amount.currency}, invoice ${invoice.id} in ${invoice.currency}`;
  if (typeof event.data.amount === 'number' && event.data.amount !== intent.amount.amount)
    return `the event says amount ${event.data.amount}, the gateway ${intent.amount.amount}`;
  if (attempt) {
    if (attempt.invoiceId !== invoice.id) return `attempt ${attempt.id} is not of invoice ${invoice.id}`;
    if (attempt.amount !== intent.amount.amount || attempt.currency !== intent.amount.currency)
      return `payment intent ${intent.id} is for ${intent.amount.amount}, attempt ${attempt.id} for ${attempt.amount}`;
    if (attempt.paymentIntentId !== null && attempt.paymentIntentId !== intent.id)
      return `attempt ${attempt.id} is payment intent ${attempt.paymentIntentId}, not ${intent.id}`;
    return null;
  }
  // An attempt billkit has no row for (made before attempts were recorded): an open invoice takes only
  // its full amount; on an invoice that can no longer take it, it is refunded (see settleUnrecorded).
  if (
    invoice.status === 'open' &&
    invoice.paymentIntentId !== intent.id &&
    intent.amount.amount !== invoice.amountRemaining.amount
  )
    return `payment intent ${intent.id} is for ${intent.amount.amount}, invoice ${invoice.id} has ${invoice.amountRemaining.amount} remaining`;
  return null;
}

/** An intent of an attempt billkit has no row for: settled on the open invoice as before attempts had rows. */
async function settleUnrecorded(
  deps: Deps,
  tx: Parameters<typeof settleInvoicePayment>[1],
  record: Recorder,
  invoice: InvoiceRecord,
  intent: PaymentIntent,
): Promise<AttemptSettlement['refund']> {
  const outcome = paymentOutcomeOf(intent, intent.metadata.attemptId);
  if (outcome.status === 'pending') return null;
  if (outcome.status === 'failed') {
    // Recorded already when the gateway answered the payment: do not count it twice.
    const recorded = invoice.paymentIntentId === intent.id && invoice.lastPaymentError !== null;
    if (invoice.status === 'open' && !recorded)
      await settleInvoicePayment(deps, tx, record, invoice, outcome);
    return null;
  }
  if (invoice.paymentIntentId === intent.id && invoice.status === 'paid') return null; // applied already
  if (invoice.status === 'open' && !(await attemptInFlight(tx, invoice.id))) {
    await settleInvoicePayment(deps, tx, record, invoice, outcome);
    return null;
  }
  const reason = invoice.status === 'open' ? 'another_payment_in_flight' : `invoice_${invoice.status}`;
  await record({
    type: 'invoice.payment_unapplied',
    entityType: 'invoice',
    entityId: invoice.id,
    before: null,
    after: null,
    extra: {
      paymentIntentId: intent.id,
      attemptId: intent.metadata.attemptId,
      amount: intent.amount.amount,
      reason,
    },
  });
  return {
    paymentIntentId: intent.id,
    amount: intent.amount.amount,
    currency: intent.amount.currency,
    reason,
  };
}

/**
 * Applies one stored event. A payment-intent event is applied only after its intent is fetched from the
 * gateway and matches the event and billkit's records (amount, currency, invoice, tenant, attempt); the
 * gateway's intent, not the event, says what happened. A mismatch (or an intent the gateway does not
 * have) is kept on the stored event as its processing error and audited (`gateway_event.rejected`), and
 * the invoice is left unchanged. Idempotent: an event already processed is skipped (its processedAt mark is
 * set in the same transaction as its effects), and an attempt is settled once. Other types are only
 * marked processed (`receive` stores them so; older rows are marked here).
 */
async function applyStored(
  deps: Deps,
  ctx: OperationContext,
  id: string,
  known?: WebhookEventRecord,
): Promise<GatewayEventApplication> {
  const at = deps.clock().toISOString();
  // `known` (the receipt's record) only spares a read: the transaction reads the event again under its lock.
  const stored = known?.id === id ? known : await tenantOf(deps, ctx).get('webhook_event', id);
  const peeked = stored && !stored.processedAt ? envelopeOf(stored) : null;
  // I/O before the transaction and outside its locks: the gateway's own view of the intent.
  const prefetched =
    peeked && movesInvoice(peeked)
      ? { intentId: peeked.data.id, fetched: await fetchIntent(deps, ctx.tenantId, peeked.data.id) }
      : null;
  let type = '';
  let createdAt: string | undefined;
  let refund: {
    attemptId: string;
    invoiceId: string;
    refund: NonNullable<AttemptSettlement['refund']>;
  } | null = null;
  const result = await mutate(deps, ctx, 'gatewayEvents.apply', { id }, async (tx) => {
    refund = null;
    const current = await tx.getForUpdate('webhook_event', id);
    if (!current) return { applied: false };
    // The body is stored once and never changed: what was peeked at is what the locked row holds.
    const event =
      peeked !== null && stored !== null && current.rawBody === stored.rawBody
        ? peeked
        : parseEnvelope(current.rawBody);
    type = event?.type ?? current.type;
    createdAt = event?.created_at;
    if (current.processedAt) return { applied: false };
    if (!event) throw rejected('malformed', 'The webhook body is not a Tilled event');
    const audit = recorderFor(
      { ...deps, clock: () => new Date(at) },
      { ...ctx, actor: ctx.actor ?? ACTOR },
      tx,
    );
    const record: Recorder = (entry) =>
      audit({ ...entry, extra: { webhookEventId: event.id, ...(entry.extra ?? {}) } });
    const invoiceId = event.data.metadata?.[BILLKIT_METADATA_KEYS.invoiceId];
    let rejection: string | null = null;
    if (typeof invoiceId === 'string' && movesInvoice(event)) {
      const verified =
        prefetched !== null && prefetched.intentId === event.data.id
          ? prefetched.fetched
          : await fetchIntent(deps, ctx.tenantId, event.data.id);
      const invoice = await tx.getForUpdate('invoice', invoiceId);
      if ('rejection' in verified) rejection = verified.rejection;
      else {
        const { intent } = verified;
        const attempt = invoice ? await tx.getForUpdate('payment_attempt', intent.metadata.attemptId) : null;
        rejection = mismatchOf(ctx.tenantId, event, intent, invoice, attempt);
        if (rejection === null && invoice) {
          const due = attempt
            ? (
                await applyAttemptOutcome(
                  deps,
                  tx,
                  record,
                  invoice,
                  attempt,
                  paymentOutcomeOf(intent, attempt.id),
                )
              ).refund
            : await settleUnrecorded(deps, tx, record, invoice, intent);
          if (due) refund = { attemptId: intent.metadata.attemptId, invoiceId: invoice.id, refund: due };
        }
      }
      if (rejection !== null) {
        await record({
          type: 'gateway_event.rejected',
          entityType: invoice ? 'invoice' : 'webhook_event',
          entityId: invoice ? invoice.id : current.id,
          before: null,
          after: null,
          extra: {
            eventId: event.id,
            eventType: event.type,
            paymentIntentId: event.data.id ?? null,
            reason: rejection,
          },
        });
      }
    }
    await tx.update('webhook_event', {
      ...current,
      processedAt: at,
      processingError: rejection,
      updatedAt: at,
    });
    return rejection === null ? { applied: true } : { applied: false, rejection };
  });
  const due = refund as typeof refund;
  const gateway = due ? await deps.gateways(ctx.tenantId) : null;
  if (due && gateway) await refundUnapplied(deps, ctx, gateway, due);
  const lagSeconds =
    createdAt !== undefined ? Math.max(0, (Date.parse(at) - Date.parse(createdAt)) / 1000) : null;
  return {
    ...result,
    type,
    lagSeconds: lagSeconds !== null && Number.isNaN(lagSeconds) ? null : lagSeconds,
  };
}

/**
 * Gateway events (Tilled webhooks): `receive` verifies a delivery (tenant by account id, signature over
 * the raw body with any of the account's secrets, 300 s tolerance) and stores it once by event id;
 * `apply` applies a stored event idempotently (a succeeded or failed payment intent settles its open
 * invoice); `replay` re-applies stored events that were never processed.
 *
 * @example
 * // In a host's webhook endpoint (any framework):
 * const receipt = await billing.gatewayEvents.receive({ rawBody, signature: headers['tilled-signature'], routing });
 * respond(200);
 * if (!receipt.stored.processedAt) await billing.gatewayEvents.apply({ tenantId: receipt.tenantId }, receipt.stored);
 */
export function gatewayEventOperations(deps: Deps) {
  return {
    /**
     * Verifies and stores a delivery. A body that is not a Tilled event, an account no tenant receives
     * and a bad signature are `WORKFLOW_GATEWAY_EVENT_REJECTED` with `details.reason` (`malformed`,
     * `unknown_account`, `invalid_signature`) and, once known, `details.type`; nothing is stored then.
     * An event with nothing to apply (anything but a payment-intent event naming a billkit invoice) is
     * stored processed: `stored.processedAt` is set and there is nothing to `apply`.
     */
    async receive(input: ReceiveGatewayEventInput): Promise<GatewayEventReceipt> {
      const parsed = parseEnvelope(input.rawBody);
      if (!parsed) throw rejected('malformed', 'The webhook body is not a Tilled event');
      const route = await input.routing(parsed.account_id);
      if (!route) {
        throw rejected('unknown_account', `No tenant receives events of account ${parsed.account_id}`, {
          type: parsed.type,
          accountId: parsed.account_id,
        });
      }
      const verification = verifyWebhookSignature({
        rawBody: input.rawBody,
        header: input.signature,
        secrets: route.secrets,
        // The signature's timestamp is real time, whatever the business clock says.
        now: input.now ?? new Date(),
      });
      if (!verification.valid) {
        throw rejected('invalid_signature', `Signature rejected: ${verification.error.code}`, {
          type: parsed.type,
        });
      }
      const now = deps.clock().toISOString();
      const stored: WebhookEventRecord = {
        id: newId('whevt'),
        provider: 'tilled',
        eventId: parsed.id,
        type: parsed.type,
        rawBody: input.rawBody,
        signature: String(input.signature),
        receivedAt: now,
        // Nothing to apply (not a payment-intent event naming an invoice): recorded as processed already.
        processedAt: movesInvoice(parsed) ? null : now,
        processingError: null,
        createdAt: now,
        updatedAt: now,
      };
      const result = await deps.store.forTenant(route.tenantId).recordWebhook(stored);
      if (result.stored) parsedBodies.set(stored, { rawBody: stored.rawBody, envelope: parsed });
      return {
        tenantId: route.tenantId,
        eventId: parsed.id,
        type: parsed.type,
        duplicate: !result.stored,
        stored: result.existing ?? stored,
      };
    },

    /**
     * Applies the stored event `event` (a `webhook_event` id, or the receipt's `stored` record, which
     * spares reading it before the transaction reads it under its lock) of `ctx.tenantId`. Idempotent: an
     * event already processed is left alone (`applied: false`). When applying fails, the error is kept on
     * the stored event (`processingError`) and thrown.
     */
    async apply(ctx: OperationContext, event: string | WebhookEventRecord): Promise<GatewayEventApplication> {
      const id = typeof event === 'string' ? event : event.id;
      try {
        return await applyStored(deps, ctx, id, typeof event === 'string' ? undefined : event);
      } catch (error) {
        const tenant = tenantOf(deps, ctx);
        const current = await tenant.get('webhook_event', id);
        if (current) {
          await tenant.transaction((tx) =>
            tx.update('webhook_event', {
              ...current,
              processingError: String((error as Error).message ?? error),
            }),
          );
        }
        throw error;
      }
    },

    /**
     * Re-applies the stored events that match `filter`, oldest first, across tenants (an operator's
     * command, e.g. after a crash). Idempotent: an event already processed is skipped, so replaying a
     * log twice applies nothing twice. A failing event is reported in `failed`; the others still run.
     *
     * @example
     * const summary = await billing.gatewayEvents.replay({ tenant: 'demo', since: '2026-03-01T00:00:00Z' });
     */
    async replay(
      filter: ReplayGatewayEventsInput = {},
      onProgress: (done: number, total: number) => void = () => {},
    ): Promise<GatewayEventReplaySummary> {
      const tenants =
        filter.tenant !== undefined ? [filter.tenant] : (await deps.store.listTenants()).map((t) => t.id);
      const work: { tenant: string; event: WebhookEventRecord }[] = [];
      for (const tenant of tenants)
        for (const event of await storedEvents(deps, tenant, filter)) work.push({ tenant, event });
      let processed = 0;
      let alreadyProcessed = 0;
      const failed: { tenant: string; eventId: string; error: string }[] = [];
      onProgress(0, work.length);
      for (const [index, { tenant, event }] of work.entries()) {
        try {
          if (!event.processedAt && (await applyStored(deps, { tenantId: tenant }, event.id)).applied)
            processed += 1;
          else alreadyProcessed += 1;
        } catch (error) {
          failed.push({ tenant, eventId: event.eventId, error: String((error as Error).message ?? error) });
        }
        onProgress(index + 1, work.length);
      }
      return { selected: work.length, processed, alreadyProcessed, failed };
    },
  };
}

async function storedEvents(
  deps: Deps,
  tenantId: string,
  filter: ReplayGatewayEventsInput,
): Promise<WebhookEventRecord[]> {
  const out: WebhookEventRecord[] = [];
  let startingAfter: string | undefined;
  for (;;) {
    const page = await deps.store.forTenant(tenantId).list('webhook_event', {
      limit: 200,
      ...(filter.eventId !== undefined ? { where: { eventId: filter.eventId } } : {}),
      ...(startingAfter !== undefined ? { startingAfter } : {}),
    });
    for (const event of page.data) {
      if (filter.since !== undefined && Date.parse(event.receivedAt) < Date.parse(filter.since)) continue;
      out.push(event);
    }
    if (!page.hasMore) break;
    startingAfter = page.data.at(-1)?.id;
  }
  return out.sort((a, b) => (a.receivedAt < b.receivedAt ? -1 : a.receivedAt > b.receivedAt ? 1 : 0));
}

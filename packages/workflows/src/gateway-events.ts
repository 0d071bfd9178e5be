// Gateway events: Tilled's webhooks, verified, stored once by event id, then applied idempotently.
//
// Framework-free by design: `receive` takes the raw body and the signature header as received (any
// HTTP framework can hand them over) plus the routing of Tilled account ids to tenants and their
// webhook secrets, which stays the host's configuration. A host's own endpoint answers 200 once
// `receive` resolves and then calls `apply` (at once or from a queue); `replay` re-applies what a crash
// left unprocessed.

import type { WebhookEventRecord } from '@billkit/db';
import { BILLKIT_METADATA_KEYS, verifyWebhookSignature } from '@billkit/tilled';
import { type Deps, mutate, type OperationContext, recorderFor, tenantOf } from './context.js';
import { WorkflowError } from './errors.js';
import { newId } from './ids.js';
import { settleInvoicePayment } from './invoices.js';

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
  /** False when it had been processed already (nothing was applied twice). */
  readonly applied: boolean;
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

function rejected(
  reason: GatewayEventRejection,
  message: string,
  details: Record<string, unknown> = {},
): WorkflowError {
  return new WorkflowError('WORKFLOW_GATEWAY_EVENT_REJECTED', message, { reason, ...details });
}

const ACTOR = 'webhook:tilled';

/**
 * Applies one stored event in one transaction. Idempotent: an event already processed is skipped (its
 * processedAt mark is set in the same transaction as its effects), and only open invoices move.
 * Unknown types are only marked processed.
 */
async function applyStored(deps: Deps, ctx: OperationContext, id: string): Promise<GatewayEventApplication> {
  const at = deps.clock().toISOString();
  let type = '';
  let createdAt: string | undefined;
  const applied = await mutate(deps, ctx, 'gatewayEvents.apply', { id }, async (tx) => {
    const current = await tx.getForUpdate('webhook_event', id);
    if (!current) return false;
    const event = parseEnvelope(current.rawBody);
    type = event?.type ?? current.type;
    createdAt = event?.created_at;
    if (current.processedAt) return false;
    if (!event) throw rejected('malformed', 'The webhook body is not a Tilled event');
    const audit = recorderFor(
      { ...deps, clock: () => new Date(at) },
      { ...ctx, actor: ctx.actor ?? ACTOR },
      tx,
    );
    const record = (entry: Parameters<typeof audit>[0]) =>
      audit({ ...entry, extra: { webhookEventId: event.id, ...(entry.extra ?? {}) } });
    const invoiceId = event.data.metadata?.[BILLKIT_METADATA_KEYS.invoiceId];
    if (
      typeof invoiceId === 'string' &&
      (event.type === 'payment_intent.succeeded' || event.type === 'payment_intent.payment_failed')
    ) {
      const invoice = await tx.getForUpdate('invoice', invoiceId);
      // The API already recorded this attempt's failure when the gateway answered: do not count it twice.
      const alreadyRecorded =
        event.type === 'payment_intent.payment_failed' &&
        invoice?.paymentIntentId === (event.data.id ?? null) &&
        invoice?.lastPaymentError !== null;
      if (invoice && invoice.status === 'open' && !alreadyRecorded) {
        const failure = event.data.last_payment_error;
        await settleInvoicePayment(deps, tx, record, invoice, {
          status: event.type === 'payment_intent.succeeded' ? 'succeeded' : 'failed',
          paymentIntentId: event.data.id ?? null,
          attemptId: String(event.data.metadata?.[BILLKIT_METADATA_KEYS.attemptId] ?? 'webhook'),
          ...(failure ? { failure: failure.code ?? failure.message ?? 'payment_failed' } : {}),
        });
      }
    }
    await tx.update('webhook_event', { ...current, processedAt: at, processingError: null, updatedAt: at });
    return true;
  });
  const lagSeconds =
    createdAt !== undefined ? Math.max(0, (Date.parse(at) - Date.parse(createdAt)) / 1000) : null;
  return { applied, type, lagSeconds: lagSeconds !== null && Number.isNaN(lagSeconds) ? null : lagSeconds };
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
 * if (!receipt.stored.processedAt) await billing.gatewayEvents.apply({ tenantId: receipt.tenantId }, receipt.stored.id);
 */
export function gatewayEventOperations(deps: Deps) {
  return {
    /**
     * Verifies and stores a delivery. A body that is not a Tilled event, an account no tenant receives
     * and a bad signature are `WORKFLOW_GATEWAY_EVENT_REJECTED` with `details.reason` (`malformed`,
     * `unknown_account`, `invalid_signature`) and, once known, `details.type`; nothing is stored then.
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
        processedAt: null,
        processingError: null,
        createdAt: now,
        updatedAt: now,
      };
      const result = await deps.store.forTenant(route.tenantId).recordWebhook(stored);
      return {
        tenantId: route.tenantId,
        eventId: parsed.id,
        type: parsed.type,
        duplicate: !result.stored,
        stored: result.existing ?? stored,
      };
    },

    /**
     * Applies the stored event `id` (a `webhook_event` id) of `ctx.tenantId`. Idempotent: an event
     * already processed is left alone (`applied: false`). When applying fails, the error is kept on the
     * stored event (`processingError`) and thrown.
     */
    async apply(ctx: OperationContext, id: string): Promise<GatewayEventApplication> {
      try {
        return await applyStored(deps, ctx, id);
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

import { BILLKIT_METADATA_KEYS, verifyWebhookSignature } from '@billkit/tilled';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ApiError } from '../http/problem.js';
import { newId } from '@billkit/workflows';
import type { WebhookEventRecord } from '@billkit/db';
import type { RouteContext } from './context.js';
import { settleInvoicePayment } from './invoices.js';

const envelopeSchema = z.looseObject({
  id: z.string().min(1),
  account_id: z.string().min(1),
  type: z.string().min(1),
  data: z.looseObject({ id: z.string().optional(), metadata: z.record(z.string(), z.unknown()).nullish() }),
  created_at: z.string().optional(),
});
type Envelope = z.infer<typeof envelopeSchema>;

/** In-flight background processing, so graceful shutdown can wait for it. */
const pending = new Set<Promise<unknown>>();

/**
 * Applies one stored event. Idempotent: an invoice already paid stays paid, a processed event is skipped.
 * Unknown types are only marked processed.
 */
async function processEvent(
  ctx: RouteContext,
  tenantId: string,
  stored: WebhookEventRecord,
  event: Envelope,
): Promise<boolean> {
  const tenant = ctx.store.forTenant(tenantId);
  const at = ctx.clock().toISOString();
  const applied = await tenant.transaction(async (tx) => {
    const current = await tx.getForUpdate('webhook_event', stored.id);
    if (!current || current.processedAt) return false;
    const record = async (entry: {
      type: string;
      entityType: string;
      entityId: string;
      before: unknown;
      after: unknown;
      extra?: Record<string, unknown>;
    }) => {
      await tx.appendAudit({
        type: entry.type,
        actor: 'webhook:tilled',
        entityType: entry.entityType,
        entityId: entry.entityId,
        occurredAt: at,
        data: {
          before: entry.before ?? null,
          after: entry.after ?? null,
          webhookEventId: event.id,
          ...(entry.extra ?? {}),
        },
      });
    };
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
        const failure = (event.data as { last_payment_error?: { code?: string; message?: string } })
          .last_payment_error;
        await settleInvoicePayment(ctx, tx, record, invoice, {
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
  if (event.created_at) {
    ctx.metrics.webhookLag.observe(
      { type: event.type },
      Math.max(0, (Date.parse(at) - Date.parse(event.created_at)) / 1000),
    );
  }
  return applied;
}

/**
 * Processes one stored event again from its raw body (the replay CLI). Idempotent: an event already
 * processed is left alone and `false` is returned; the handlers themselves only move open invoices.
 */
export async function processStoredEvent(
  ctx: RouteContext,
  tenantId: string,
  stored: WebhookEventRecord,
): Promise<boolean> {
  if (stored.processedAt) return false;
  const event = envelopeSchema.parse(JSON.parse(stored.rawBody));
  return processEvent(ctx, tenantId, stored, event);
}

export async function webhookRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  app.addHook('preClose', async () => {
    await Promise.allSettled([...pending]);
  });

  // Encapsulated: only this route keeps the body as the raw string the signature was computed over.
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));

    scope.post(
      '/v1/webhooks/tilled',
      {
        config: { scope: 'none' },
        schema: {
          tags: ['webhooks'],
          summary: 'Tilled webhook receiver (tilled-signature verified over the raw body)',
          description:
            'Verifies `tilled-signature` (HMAC-SHA256 of `<t>.<raw body>`, t in ms, 300 s tolerance, any of the account secrets), stores the raw event, answers 200, then processes it idempotently by event id.',
          security: [],
        },
      },
      async (request, reply) => {
        const raw = typeof request.body === 'string' ? request.body : '';
        let parsed: Envelope;
        try {
          parsed = envelopeSchema.parse(JSON.parse(raw));
        } catch {
          throw new ApiError('API_MALFORMED_JSON', 'The webhook body is not a Tilled event');
        }
        const route = ctx.webhookRouting(parsed.account_id);
        if (!route) {
          ctx.metrics.webhooksReceived.inc({ type: parsed.type, outcome: 'unknown_account' });
          throw new ApiError(
            'API_WEBHOOK_UNKNOWN_ACCOUNT',
            `No tenant receives events of account ${parsed.account_id}`,
          );
        }
        const verification = verifyWebhookSignature({
          rawBody: raw,
          header: request.headers['tilled-signature'],
          secrets: route.secrets,
          // The signature's timestamp is real time, whatever the business clock says.
          now: ctx.wallClock(),
        });
        if (!verification.valid) {
          ctx.metrics.webhooksReceived.inc({ type: parsed.type, outcome: 'invalid_signature' });
          throw new ApiError(
            'API_WEBHOOK_SIGNATURE_INVALID',
            `Signature rejected: ${verification.error.code}`,
          );
        }
        const now = ctx.clock().toISOString();
        const stored: WebhookEventRecord = {
          id: newId('whevt'),
          provider: 'tilled',
          eventId: parsed.id,
          type: parsed.type,
          rawBody: raw,
          signature: String(request.headers['tilled-signature']),
          receivedAt: now,
          processedAt: null,
          processingError: null,
          createdAt: now,
          updatedAt: now,
        };
        const tenant = ctx.store.forTenant(route.tenantId);
        const result = await tenant.recordWebhook(stored);
        const target = result.existing ?? stored;
        ctx.metrics.webhooksReceived.inc({
          type: parsed.type,
          outcome: result.stored ? 'stored' : 'duplicate',
        });
        if (!target.processedAt) {
          const work = processEvent(ctx, route.tenantId, target, parsed)
            .catch(async (error: unknown) => {
              request.log.error({ err: error, event: parsed.id }, 'webhook processing failed');
              const current = await tenant.get('webhook_event', target.id);
              if (current) {
                await tenant.transaction((tx) =>
                  tx.update('webhook_event', {
                    ...current,
                    processingError: String((error as Error).message ?? error),
                  }),
                );
              }
            })
            .finally(() => pending.delete(work));
          pending.add(work);
        }
        return reply.code(200).send({ received: true, duplicate: !result.stored, event: parsed.id });
      },
    );
  });
}

/** Test/demo support: resolves when every accepted webhook has been processed. */
export async function webhooksSettled(): Promise<void> {
  await Promise.allSettled([...pending]);
}

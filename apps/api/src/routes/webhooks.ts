import { isWorkflowError } from '@billkit/workflows';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ApiError } from '../http/problem.js';
import type { RouteContext } from './context.js';

/** In-flight background processing, so graceful shutdown can wait for it. */
const pending = new Set<Promise<unknown>>();

/** A rejected delivery as the API's problem: 400 malformed, 404 unknown account, 401 bad signature. */
function rejection(error: unknown, ctx: RouteContext): unknown {
  if (!isWorkflowError(error) || error.code !== 'WORKFLOW_GATEWAY_EVENT_REJECTED') return error;
  const { reason, type } = error.details as { reason?: string; type?: string };
  if (reason === 'malformed') return new ApiError('API_MALFORMED_JSON', error.message);
  ctx.metrics.webhooksReceived.inc({ type: type ?? 'unknown', outcome: String(reason) });
  if (reason === 'unknown_account') return new ApiError('API_WEBHOOK_UNKNOWN_ACCOUNT', error.message);
  return new ApiError('API_WEBHOOK_SIGNATURE_INVALID', error.message);
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
          operationId: 'receiveTilledWebhook',
          summary: 'Tilled webhook receiver (tilled-signature verified over the raw body)',
          description:
            'Verifies `tilled-signature` (HMAC-SHA256 of `<t>.<raw body>`, t in ms, 300 s tolerance, any of the account secrets), stores the raw event, answers 200, then processes it idempotently by event id.',
          security: [],
          response: {
            200: z.object({
              received: z.literal(true),
              duplicate: z.boolean().describe('The event id was delivered before; nothing is applied twice'),
              event: z.string().describe('The gateway event id'),
            }),
          },
        },
      },
      async (request, reply) => {
        const receipt = await ctx.billing.gatewayEvents
          .receive({
            rawBody: typeof request.body === 'string' ? request.body : '',
            signature: request.headers['tilled-signature'],
            routing: ctx.webhookRouting,
            // The signature's timestamp is real time, whatever the business clock says.
            now: ctx.wallClock(),
          })
          .catch((error: unknown) => {
            throw rejection(error, ctx);
          });
        ctx.metrics.webhooksReceived.inc({
          type: receipt.type,
          outcome: receipt.duplicate ? 'duplicate' : 'stored',
        });
        if (!receipt.stored.processedAt) {
          const work = ctx.billing.gatewayEvents
            .apply({ tenantId: receipt.tenantId }, receipt.stored)
            .then(({ type, lagSeconds }) => {
              if (lagSeconds !== null) ctx.metrics.webhookLag.observe({ type }, lagSeconds);
            })
            .catch((error: unknown) => {
              // The error is kept on the stored event (processingError); `billkit webhooks replay` retries it.
              request.log.error({ err: error, event: receipt.eventId }, 'webhook processing failed');
            })
            .finally(() => pending.delete(work));
          pending.add(work);
        }
        return reply.code(200).send({ received: true, duplicate: receipt.duplicate, event: receipt.eventId });
      },
    );
  });
}

/** Test/demo support: resolves when every accepted webhook has been processed. */
export async function webhooksSettled(): Promise<void> {
  await Promise.allSettled([...pending]);
}

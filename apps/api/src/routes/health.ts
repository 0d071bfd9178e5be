import { z } from 'zod';
import type { RouteContext, TypedApp } from './context.js';

/** How long /readyz waits for the database before it answers "not ready" (ms). */
const READINESS_DEADLINE_MS = 1_500;

export async function healthRoutes(app: TypedApp, ctx: RouteContext): Promise<void> {
  app.get(
    '/healthz',
    {
      schema: {
        tags: ['operations'],
        summary: 'Liveness: the process is up',
        response: { 200: z.object({ status: z.literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        tags: ['operations'],
        summary: 'Readiness: the database answers and the server is not shutting down',
        response: {
          200: z.object({ status: z.literal('ready'), database: z.string() }),
          503: z.object({ status: z.literal('unavailable'), reason: z.string() }),
        },
      },
    },
    async (_request, reply) => {
      if (ctx.shuttingDown)
        return reply.code(503).send({ status: 'unavailable' as const, reason: 'shutting down' });
      // A load balancer needs the answer in time: a database that does not answer within the
      // deadline is as unready as one that refuses.
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          ctx.store.ping(),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error('timeout')), READINESS_DEADLINE_MS);
          }),
        ]);
        return { status: 'ready' as const, database: ctx.store.provider };
      } catch {
        return reply.code(503).send({ status: 'unavailable' as const, reason: 'database unreachable' });
      } finally {
        clearTimeout(timer);
      }
    },
  );

  app.get(
    '/metrics',
    { schema: { tags: ['operations'], summary: 'Prometheus metrics', hide: false } },
    async (_r, reply) => {
      reply.type(ctx.metrics.registry.contentType);
      return ctx.metrics.registry.metrics();
    },
  );

  app.get(
    '/openapi.json',
    { schema: { tags: ['operations'], summary: 'This OpenAPI 3.1 document' } },
    async () => app.swagger(),
  );
}

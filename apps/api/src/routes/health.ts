import { z } from 'zod';
import { ApiError, problemSchema } from '../http/problem.js';
import { metricsTokenMatches } from '../metrics.js';
import type { RouteContext, TypedApp } from './context.js';

/** How long /readyz waits for the database before it answers "not ready" (ms). */
const READINESS_DEADLINE_MS = 1_500;

export async function healthRoutes(app: TypedApp, ctx: RouteContext): Promise<void> {
  app.get(
    '/healthz',
    {
      schema: {
        tags: ['operations'],
        operationId: 'checkLiveness',
        summary: 'Liveness: the process is up',
        security: [],
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
        operationId: 'checkReadiness',
        summary: 'Readiness: the database answers and the server is not shutting down',
        security: [],
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

  // On the public port only behind METRICS_TOKEN; otherwise 404 (Prometheus scrapes METRICS_PORT).
  const token = ctx.config.METRICS_TOKEN;
  if (token !== undefined) {
    app.get(
      '/metrics',
      {
        schema: {
          tags: ['operations'],
          operationId: 'getMetrics',
          summary: 'Prometheus metrics (Authorization: Bearer <METRICS_TOKEN>)',
          security: [{ metricsToken: [] }],
          response: {
            200: {
              description: 'Prometheus text exposition format',
              content: { 'text/plain': { schema: z.string() } },
            },
            401: problemSchema,
          },
        },
        onRequest: async (request) => {
          if (!metricsTokenMatches(token, request.headers.authorization)) {
            throw new ApiError(
              'API_UNAUTHENTICATED',
              'Send the metrics token as `Authorization: Bearer <token>`',
            );
          }
        },
      },
      async (_r, reply) => {
        reply.type(ctx.metrics.registry.contentType);
        return ctx.metrics.registry.metrics();
      },
    );
  }

  app.get(
    '/openapi.json',
    {
      schema: {
        tags: ['operations'],
        operationId: 'getOpenApiDocument',
        summary: 'This OpenAPI 3.1 document',
        security: [],
      },
    },
    async () => app.swagger(),
  );
}

import { createHash, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import type { Config } from './config.js';

/** The API's Prometheus metrics, on a registry of its own (several apps can live in one process). */
export interface ApiMetrics {
  readonly registry: Registry;
  readonly httpDuration: Histogram<'method' | 'route' | 'status_code'>;
  readonly invoicesCreated: Counter<'billing_reason'>;
  readonly webhookLag: Histogram<'type'>;
  readonly webhooksReceived: Counter<'type' | 'outcome'>;
}

export function createMetrics(options: { readonly defaultMetrics?: boolean } = {}): ApiMetrics {
  const registry = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'billkit_api_' });
  return {
    registry,
    httpDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request latency by route template',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    invoicesCreated: new Counter({
      name: 'billkit_invoices_created_total',
      help: 'Invoices created, by billing reason',
      labelNames: ['billing_reason'],
      registers: [registry],
    }),
    webhookLag: new Histogram({
      name: 'billkit_webhook_lag_seconds',
      help: 'Delay between a gateway event being created and billkit processing it',
      labelNames: ['type'],
      buckets: [0.05, 0.1, 0.5, 1, 5, 30, 60, 300, 3600],
      registers: [registry],
    }),
    webhooksReceived: new Counter({
      name: 'billkit_webhooks_received_total',
      help: 'Webhook deliveries by event type and outcome',
      labelNames: ['type', 'outcome'],
      registers: [registry],
    }),
  };
}

/**
 * The Prometheus listener for METRICS_PORT: `GET /metrics` and nothing else, asking for METRICS_TOKEN
 * when it is set. Share `app.metrics` with the API so both report the same registry.
 *
 * @example
 * const metricsApp = buildMetricsApp(app.metrics, config);
 * await metricsApp.listen({ port: config.METRICS_PORT, host: config.METRICS_HOST ?? config.HOST });
 */
export function buildMetricsApp(metrics: ApiMetrics, config: Pick<Config, 'METRICS_TOKEN'>): FastifyInstance {
  const app = Fastify({ logger: false, return503OnClosing: true });
  app.get('/metrics', async (request, reply) => {
    if (!metricsTokenMatches(config.METRICS_TOKEN, request.headers.authorization)) {
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer')
        .type('text/plain; charset=utf-8')
        .send('Send the metrics token as Authorization: Bearer <METRICS_TOKEN>\n');
    }
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });
  return app;
}

/**
 * Whether an Authorization header carries the metrics token (`Bearer <token>`); compared in constant
 * time. `expected` undefined: no token is configured and every caller passes.
 *
 * @example
 * metricsTokenMatches(config.METRICS_TOKEN, request.headers.authorization);
 */
export function metricsTokenMatches(expected: string | undefined, header: string | undefined): boolean {
  if (expected === undefined) return true;
  const given = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
  if (!given) return false;
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

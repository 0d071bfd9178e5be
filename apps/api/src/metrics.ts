import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

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

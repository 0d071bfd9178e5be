// Runs the API server alone: `pnpm --filter @billkit/api start`.

import { createBilling } from '@billkit/workflows';
import { buildApp } from './app.js';
import { ConfigError, loadConfig, openConfiguredStore, tilledCredentialsFromEnv } from './config.js';
import { buildMetricsApp } from './metrics.js';
import { configuredTilledWiring } from './tilled-wiring.js';

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  let credentials: ReturnType<typeof tilledCredentialsFromEnv>;
  try {
    config = loadConfig();
    credentials = tilledCredentialsFromEnv();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  const store = await openConfiguredStore(config);
  const tenantId = config.BOOTSTRAP_TENANT ?? process.env.BILLKIT_BOOTSTRAP_TENANT ?? 'demo';
  await store.addTenant({ id: tenantId, name: tenantId, defaultCurrency: 'USD' });
  // A tenant without an unrevoked key (in its first page of keys) gets an admin key, audited like any other.
  const bootstrap = { tenantId, actor: 'bootstrap' };
  const keys = createBilling({ db: store }).apiKeys;
  const existing = await keys.list(bootstrap, { limit: 100 });
  const key =
    existing.hasMore || existing.data.some((k) => k.revokedAt === null)
      ? null
      : await keys.create(bootstrap, { name: 'bootstrap', scopes: ['admin'] });
  const app = await buildApp({ config, store, ...configuredTilledWiring(config, store, credentials) });
  await app.listen({ port: config.PORT, host: config.HOST });
  // Prometheus on a port of its own (not published with the API's); the public port has /metrics only
  // behind METRICS_TOKEN.
  let metricsApp: ReturnType<typeof buildMetricsApp> | null = null;
  if (config.METRICS_PORT !== undefined) {
    const host = config.METRICS_HOST ?? config.HOST;
    metricsApp = buildMetricsApp(app.metrics, config);
    await metricsApp.listen({ port: config.METRICS_PORT, host });
    app.log.info({ port: config.METRICS_PORT, host }, 'metrics listening');
  }
  app.log.info({ tenant: tenantId, store: store.provider }, 'billing_db open');
  if (key)
    process.stdout.write(`bootstrap admin API key for tenant ${tenantId} (shown once): ${key.secret}\n`);

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down: finishing in-flight requests');
    const timer = setTimeout(() => {
      app.log.error('shutdown timed out; exiting');
      process.exit(1);
    }, config.SHUTDOWN_TIMEOUT_MS);
    timer.unref();
    Promise.all([app.close(), metricsApp?.close()])
      .then(() => store.close())
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        app.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

void main();

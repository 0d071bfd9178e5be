// Runs the API server alone: `pnpm --filter @billkit/api start`.
import { buildApp } from './app.js';
import { ConfigError, loadConfig, tilledCredentialsFromEnv } from './config.js';
import { MemoryStore } from './store/memory-store.js';
import { tilledWiring } from './tilled-wiring.js';

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
  // TODO(db): switch to the @billkit/db adapter (src/store/db-store.ts) once it lands; until then the
  // server keeps its data in memory and bootstraps one tenant with an admin key printed once.
  const store = new MemoryStore();
  const tenantId = process.env.BILLKIT_BOOTSTRAP_TENANT ?? 'demo';
  store.addTenant({ id: tenantId, name: tenantId, defaultCurrency: 'USD' });
  const key = store.addApiKey(tenantId, ['admin'], 'bootstrap');
  const wiring = tilledWiring(
    credentials.map((c) => ({ ...c, tenantId: c.tenantKey.toLowerCase() })),
    { baseUrl: config.TILLED_BASE_URL, sandbox: config.TILLED_SANDBOX },
  );
  const app = await buildApp({ config, store, ...wiring });
  await app.listen({ port: config.PORT, host: config.HOST });
  app.log.warn({ tenant: tenantId, store: store.provider }, 'in-memory store: data is lost on restart');
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
    app
      .close()
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

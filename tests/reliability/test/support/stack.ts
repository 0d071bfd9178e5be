import { type BillingDatabase, openDatabase } from '@billkit/db';
import { type FakeTilled, startFakeTilled } from '@billkit/fake-tilled';
import { type Call, client } from './http.js';
import { createScratchDatabase, type ScratchDatabase } from './mariadb.js';
import { type ApiProcess, startApi } from './server.js';
import { registerSecret } from './summary.js';

export const TENANT_A = 'rel_a';
export const TENANT_B = 'rel_b';
export const ACCOUNT_A = 'acct_rel_tenant_a';

export interface Keys {
  /** Tenant A's bootstrap admin key. */
  readonly admin: string;
  readonly write: string;
  readonly read: string;
  /** A key of tenant A holding no scope at all. */
  readonly none: string;
  /** Tenant B's admin key. */
  readonly otherTenant: string;
}

export interface StackOptions {
  /** Extra environment for the API process. */
  readonly env?: Record<string, string>;
  /** Webhook secrets of tenant A's Tilled account (first one is the fake's). */
  readonly webhookSecrets?: readonly string[];
}

export interface Stack {
  readonly name: string;
  readonly db: ScratchDatabase;
  readonly tilled: FakeTilled;
  readonly webhookSecret: string;
  /** Opened through @billkit/db's public API, for fixtures the HTTP API cannot create and for checks. */
  readonly billing: BillingDatabase;
  readonly keys: Keys;
  api: ApiProcess;
  /** Tenant A as admin / write / read; tenant B as admin. */
  readonly as: (key: keyof Keys) => Call;
  readonly env: Record<string, string>;
  /** SIGKILL the API process and start it again on the same database and port. */
  crashAndRestart(): Promise<void>;
  /** Starts another API process on the same database (a second worker). */
  startAnother(name: string, extraEnv?: Record<string, string>): Promise<ApiProcess>;
  close(): Promise<void>;
}

const rand = () => Math.random().toString(36).slice(2, 10);

/**
 * Everything one suite needs: a scratch MariaDB database, the fake Tilled, the real API process (which
 * migrates the database and prints the bootstrap key of tenant A), then tenant B and scoped keys
 * created through @billkit/db — the API has no endpoints for tenants or keys.
 */
export async function startStack(name: string, options: StackOptions = {}): Promise<Stack> {
  const db = await createScratchDatabase(name);
  const tilledKey = `sk_rel_${rand()}${rand()}`;
  const webhookSecret = options.webhookSecrets?.[0] ?? `whsec_rel_${rand()}${rand()}`;
  registerSecret('tilled secret key', tilledKey);
  for (const s of options.webhookSecrets ?? [webhookSecret]) registerSecret('webhook secret', s);
  const tilled = await startFakeTilled({
    apiKey: tilledKey,
    accountId: ACCOUNT_A,
    webhookSecret,
    webhookRetryDelayMs: 50,
  });
  const env: Record<string, string> = {
    DATABASE_URL_BILLING: db.url,
    DATA_DIR: `/tmp/billkit-rel-${name}-${rand()}`,
    BILLKIT_BOOTSTRAP_TENANT: TENANT_A,
    TILLED_SANDBOX: 'true',
    TILLED_BASE_URL: tilled.url,
    TILLED_SECRET_KEY_REL_A: tilledKey,
    TILLED_ACCOUNT_ID_REL_A: ACCOUNT_A,
    TILLED_WEBHOOK_SECRET_REL_A: (options.webhookSecrets ?? [webhookSecret]).join(','),
    ...(options.env ?? {}),
  };
  let api: ApiProcess;
  try {
    api = await startApi(name, env);
  } catch (error) {
    await tilled.close();
    await db.drop();
    throw error;
  }
  if (!api.bootstrapKey) {
    await api.kill();
    throw new Error(
      'The API printed no bootstrap admin key for BILLKIT_BOOTSTRAP_TENANT on a fresh database',
    );
  }
  tilled.setWebhookUrl(`${api.url}/v1/webhooks/tilled`);
  const billing = await openDatabase({ url: db.url, migrate: false, pool: { connectionLimit: 2 } });
  await billing.tenants.create({ id: TENANT_B, name: 'Reliability tenant B', defaultCurrency: 'USD' });
  const mk = async (tenant: string, scopes: string[]) =>
    (await billing.apiKeys.create(tenant, { name: `rel ${scopes.join('+') || 'none'}`, scopes })).secret;
  const keys: Keys = {
    admin: api.bootstrapKey,
    write: await mk(TENANT_A, ['write']),
    read: await mk(TENANT_A, ['read']),
    none: await mk(TENANT_A, []),
    otherTenant: await mk(TENANT_B, ['admin']),
  };
  for (const k of Object.values(keys)) registerSecret('api key', k);
  const stack: Stack = {
    name,
    db,
    tilled,
    webhookSecret,
    billing,
    keys,
    api,
    env,
    as: (key) => client(stack.api.url, keys[key]),
    async crashAndRestart() {
      const port = stack.api.port;
      await stack.api.kill();
      stack.api = await startApi(name, env, port);
    },
    startAnother: (label, extraEnv = {}) => startApi(`${name}-${label}`, { ...env, ...extraEnv }),
    async close() {
      await stack.api.stop().catch(() => undefined);
      await billing.close().catch(() => undefined);
      await tilled.close().catch(() => undefined);
      await db.drop().catch(() => undefined);
    },
  };
  return stack;
}

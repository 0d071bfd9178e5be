import { isIP } from 'node:net';
import { openStore } from '@billkit/db';
import { z } from 'zod';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const booleanFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

/**
 * Every environment variable the API reads, validated once at start. Per-tenant Tilled credentials
 * follow the original plan's naming (`TILLED_SECRET_KEY_<TENANT>`, `TILLED_ACCOUNT_ID_<TENANT>`,
 * `TILLED_WEBHOOK_SECRET_<TENANT>`) and are collected separately by {@link tilledCredentialsFromEnv}.
 */
export const configSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  /** `mysql://user:password@host:3306/billing_db`; unset = embedded SQLite under DATA_DIR. */
  DATABASE_URL_BILLING: z
    .string()
    .regex(/^(mysql|mariadb|file):/, 'must start with mysql://, mariadb:// or file:')
    .optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  /**
   * Apply @billkit/db's pending migrations when the server starts. Default: on for SQLite (the embedded
   * database just works), off for MySQL (run `billkit-db migrate` in the deploy step instead).
   */
  MIGRATE_ON_START: booleanFlag.optional(),
  /** The tenant `start` creates if missing, with an admin key printed once when it has no key yet. */
  BOOTSTRAP_TENANT: z
    .string()
    .regex(/^[a-z0-9_-]{1,64}$/, 'lowercase letters, digits, - and _')
    .optional(),
  /** Maximum accepted request body, bytes. */
  BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).max(10_485_760).default(262_144),
  /** Comma-separated allowed origins; empty = CORS closed (no Access-Control-Allow-Origin at all). */
  CORS_ORIGINS: z.string().default(''),
  /** Requests per API key (or client address, before auth) per minute; every answer counts, 4xx included. */
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(600),
  /**
   * `redis://host:6379/0`: share the rate limit's counts between API processes (and across restarts)
   * in Redis. Unset = in the process's memory. Needs the `ioredis` package next to the API.
   */
  RATE_LIMIT_REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')
    .optional(),
  /** Prefix of the rate limit's Redis keys (one per deployment sharing a Redis). */
  RATE_LIMIT_REDIS_PREFIX: z.string().min(1).max(100).default('billkit-rate-limit:'),
  /** Failed authentications allowed per client address per minute (a valid key is never refused by it). */
  AUTH_FAILURE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(20),
  /**
   * The proxies in front of the API, whose `X-Forwarded-For` names the client (Fastify's `trustProxy`):
   * `false` (default: the socket address is the client), `true` (trust every hop: only when nothing
   * else can reach the API), or the proxies' comma-separated addresses / CIDRs / `loopback`,
   * `linklocal`, `uniquelocal` (e.g. `10.0.0.0/8,loopback`). Hop counts are not accepted: Fastify
   * cannot check the immediate peer with them.
   */
  TRUST_PROXY: z
    .string()
    .default('false')
    .transform((text): boolean | string[] => {
      const value = text.trim();
      if (value === 'false') return false;
      if (value === 'true') return true;
      return value.split(',').map((entry) => entry.trim());
    })
    .refine(
      (value) => !Array.isArray(value) || value.every(isProxyAddress),
      'true, false, or comma-separated IP addresses, CIDRs, loopback, linklocal, uniquelocal',
    ),
  /** How long a stored idempotent response is kept, hours. */
  IDEMPOTENCY_TTL_HOURS: z.coerce.number().int().min(1).default(24),
  /** Graceful shutdown: how long in-flight requests may take before the process exits anyway, ms. */
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
  /** Days between retries of a failed payment (`1,3,5`: retry 1, 3 and 5 days after each failure). */
  DUNNING_SCHEDULE_DAYS: z
    .string()
    .regex(/^\d+(\.\d+)?(,\d+(\.\d+)?)*$/, 'comma-separated positive numbers of days, e.g. 1,3,5')
    .default('1,3,5')
    .transform((text) => text.split(',').map(Number))
    .refine((days) => days.every((d) => d > 0), 'every delay must be more than 0 days'),
  /** After the last failed retry the invoice is uncollectible and the subscription is canceled or left past_due. */
  DUNNING_FINAL_ACTION: z.enum(['cancel', 'leave_past_due']).default('cancel'),
  /**
   * A second listener that serves only `GET /metrics` (Prometheus), for the internal network; unset =
   * none. The Docker image sets 9464. Bound to METRICS_HOST (default: HOST).
   */
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  METRICS_HOST: z.string().min(1).optional(),
  /**
   * Bearer token for `/metrics`: when set, the public port serves `/metrics` to
   * `Authorization: Bearer <METRICS_TOKEN>` (and METRICS_PORT asks for it too). Unset = `/metrics` is
   * not on the public port (404). Not an API key: metrics span every tenant.
   */
  METRICS_TOKEN: z.string().min(32, 'at least 32 characters (openssl rand -hex 32)').optional(),
  TILLED_SANDBOX: booleanFlag.default(true),
  /** Overrides the Tilled base URL (the local fake in tests and the demo). */
  TILLED_BASE_URL: z.url().optional(),
});
export type Config = z.infer<typeof configSchema>;

/** An entry proxy-addr (Fastify's trustProxy) accepts: a named range, an address, or address/prefix. */
function isProxyAddress(entry: string): boolean {
  if (['loopback', 'linklocal', 'uniquelocal'].includes(entry)) return true;
  const [address = '', prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  return prefix === undefined || (/^\d+$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128));
}

/** The config could not be read; `message` names every missing or malformed variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'API_INVALID_CONFIGURATION' as const;
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/**
 * Reads and validates the configuration from `env` (default `process.env`).
 *
 * @example
 * const config = loadConfig({ PORT: '8080', LOG_LEVEL: 'debug' });
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const picked: Record<string, string> = {};
  for (const key of Object.keys(configSchema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') picked[key] = value;
  }
  const result = configSchema.safeParse(picked);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => {
        const name = issue.path.join('.');
        const shown =
          picked[name] === undefined
            ? 'missing'
            : `got ${JSON.stringify(redactIfSecret(name, picked[name]))}`;
        return `${name}: ${issue.message} (${shown})`;
      }),
    );
  }
  return result.data;
}

/** billing_db as configured: DATABASE_URL_BILLING (mysql://…) or the SQLite file under DATA_DIR. */
export function openConfiguredStore(config: Config) {
  return openStore({
    dataDir: config.DATA_DIR,
    ...(config.DATABASE_URL_BILLING !== undefined ? { url: config.DATABASE_URL_BILLING } : {}),
    ...(config.MIGRATE_ON_START !== undefined ? { migrate: config.MIGRATE_ON_START } : {}),
  });
}

function redactIfSecret(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return value;
  if (/SECRET|PASSWORD|KEY|TOKEN|DATABASE_URL|REDIS_URL/.test(name)) return '<redacted>';
  return value;
}

/** Per-tenant Tilled credentials from `TILLED_SECRET_KEY_<T>` / `TILLED_ACCOUNT_ID_<T>` / `TILLED_WEBHOOK_SECRET_<T>`. */
export interface TilledCredentials {
  readonly tenantKey: string;
  readonly secretKey: string;
  readonly accountId: string;
  /** Several during rotation (comma-separated in the variable). */
  readonly webhookSecrets: readonly string[];
}

/**
 * Collects every tenant's Tilled credentials. A tenant with some but not all three variables is a
 * configuration error naming the missing ones.
 */
export function tilledCredentialsFromEnv(
  env: Record<string, string | undefined> = process.env,
): TilledCredentials[] {
  const tenants = new Set<string>();
  for (const key of Object.keys(env)) {
    const match = /^TILLED_(SECRET_KEY|ACCOUNT_ID|WEBHOOK_SECRET)_(.+)$/.exec(key);
    if (match?.[2]) tenants.add(match[2]);
  }
  const problems: string[] = [];
  const result: TilledCredentials[] = [];
  for (const tenantKey of [...tenants].sort()) {
    const secretKey = env[`TILLED_SECRET_KEY_${tenantKey}`];
    const accountId = env[`TILLED_ACCOUNT_ID_${tenantKey}`];
    const webhook = env[`TILLED_WEBHOOK_SECRET_${tenantKey}`];
    const missing = [
      secretKey ? null : `TILLED_SECRET_KEY_${tenantKey}`,
      accountId ? null : `TILLED_ACCOUNT_ID_${tenantKey}`,
      webhook ? null : `TILLED_WEBHOOK_SECRET_${tenantKey}`,
    ].filter((name): name is string => name !== null);
    if (missing.length > 0) {
      problems.push(`${missing.join(', ')}: missing (the other TILLED_*_${tenantKey} variables are set)`);
      continue;
    }
    if (accountId && !accountId.startsWith('acct_')) {
      problems.push(`TILLED_ACCOUNT_ID_${tenantKey}: must start with acct_`);
      continue;
    }
    result.push({
      tenantKey,
      secretKey: secretKey as string,
      accountId: accountId as string,
      webhookSecrets: (webhook as string)
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    });
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return result;
}

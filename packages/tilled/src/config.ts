import { TilledError } from './errors.js';

export const TILLED_PRODUCTION_URL = 'https://api.tilled.com';
export const TILLED_SANDBOX_URL = 'https://sandbox-api.tilled.com';

/** How safe (GET) requests are retried after a timeout, a network error, a 429 or a 5xx. */
export interface RetryPolicy {
  /** Retries after the first try; 0 disables retrying. Default 2. */
  readonly maxRetries?: number;
  /** First back-off; doubles each retry. Default 250 ms. */
  readonly baseDelayMs?: number;
  /** Upper bound for one back-off, including a `Retry-After` Tilled sends. Default 5000 ms. */
  readonly maxDelayMs?: number;
}

/** Everything the client needs to talk to one Tilled merchant account. */
export interface TilledConfig {
  /** Secret API key, sent as `tilled-api-key`. Never logged. */
  readonly secretKey: string;
  /** Merchant account (`acct_…`), sent as `tilled-account` on merchant calls. */
  readonly accountId: string;
  /** Partner account for webhook-endpoint calls; defaults to `accountId`. */
  readonly partnerAccountId?: string;
  /** Pick Tilled's sandbox host (default) or production. Ignored when `baseUrl` is set. */
  readonly sandbox?: boolean;
  /** Explicit base URL (the fake Tilled in tests, a proxy); wins over `sandbox`. */
  readonly baseUrl?: string;
  /** Per-request timeout, covering the response body too. Default 15000 ms. */
  readonly timeoutMs?: number;
  readonly retry?: RetryPolicy;
  /**
   * A `fetch` implementation to send every request with (a test double, a proxying fetch). Default:
   * node:http(s) with kept-alive connections, which answers as the global `fetch` does at about half its CPU.
   */
  readonly fetch?: typeof fetch;
}

/** A tenant's Tilled credentials, as read from the environment. */
export interface TilledTenantConfig extends TilledConfig {
  readonly tenantKey: string;
  /** Every accepted webhook signing secret (several during a rotation). Never logged. */
  readonly webhookSecrets: readonly string[];
  readonly sandbox: boolean;
}

/**
 * The base URL a config points at: `baseUrl` when given, else the sandbox host unless `sandbox` is
 * explicitly `false`. Defaulting to the sandbox means a missing flag never charges real cards.
 *
 * @example resolveBaseUrl({ sandbox: false }) // 'https://api.tilled.com'
 */
export function resolveBaseUrl(config: Pick<TilledConfig, 'sandbox' | 'baseUrl'>): string {
  if (config.baseUrl !== undefined) {
    let url: URL;
    try {
      url = new URL(config.baseUrl);
    } catch (cause) {
      throw new TilledError('TILLED_CONFIG_INVALID', `baseUrl is not a URL: ${config.baseUrl}`, { cause });
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new TilledError('TILLED_CONFIG_INVALID', `baseUrl must be http(s): ${config.baseUrl}`);
    }
    return config.baseUrl.replace(/\/+$/, '');
  }
  return config.sandbox === false ? TILLED_PRODUCTION_URL : TILLED_SANDBOX_URL;
}

/**
 * The environment-variable suffix of a tenant key: upper case, every run of other characters an `_`.
 *
 * @example tenantEnvSuffix('acme-co') // 'ACME_CO'
 */
export function tenantEnvSuffix(tenantKey: string): string {
  const suffix = tenantKey
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (suffix === '') {
    throw new TilledError(
      'TILLED_CONFIG_INVALID',
      `tenant key ${JSON.stringify(tenantKey)} has no letters or digits`,
    );
  }
  return suffix;
}

function parseSandbox(raw: string | undefined): boolean {
  if (raw === undefined || raw.trim() === '') return true;
  const value = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(value)) return true;
  if (['0', 'false', 'no', 'off'].includes(value)) return false;
  throw new TilledError(
    'TILLED_CONFIG_INVALID',
    `TILLED_SANDBOX must be true or false, got ${JSON.stringify(raw)}`,
  );
}

/**
 * A tenant's Tilled config from environment variables: `TILLED_SECRET_KEY_<TENANT>`,
 * `TILLED_ACCOUNT_ID_<TENANT>`, `TILLED_WEBHOOK_SECRET_<TENANT>` (comma-separated during a rotation),
 * plus the shared `TILLED_SANDBOX` (default true) and optional `TILLED_BASE_URL` (e.g. the fake Tilled)
 * and `TILLED_PARTNER_ACCOUNT_ID`. Missing variables are named in a `TILLED_CONFIG_MISSING` error; values
 * never appear in errors, and `JSON.stringify` / `console.log` of the result show secrets redacted.
 *
 * @example
 * const config = tilledConfigFromEnv('acme', process.env);
 * const client = new TilledClient(config);
 */
export function tilledConfigFromEnv(
  tenantKey: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): TilledTenantConfig {
  const suffix = tenantEnvSuffix(tenantKey);
  const names = {
    secretKey: `TILLED_SECRET_KEY_${suffix}`,
    accountId: `TILLED_ACCOUNT_ID_${suffix}`,
    webhookSecret: `TILLED_WEBHOOK_SECRET_${suffix}`,
  };
  const read = (name: string) => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const missing = Object.values(names).filter((name) => read(name) === undefined);
  if (missing.length > 0) {
    throw new TilledError('TILLED_CONFIG_MISSING', `Missing environment variables: ${missing.join(', ')}`, {
      details: { tenantKey, missing },
    });
  }
  const webhookSecrets = read(names.webhookSecret)!
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const baseUrl = read('TILLED_BASE_URL');
  const partnerAccountId = read('TILLED_PARTNER_ACCOUNT_ID');
  const config: TilledTenantConfig = {
    tenantKey,
    secretKey: read(names.secretKey)!,
    accountId: read(names.accountId)!,
    webhookSecrets,
    sandbox: parseSandbox(env.TILLED_SANDBOX),
    ...(baseUrl === undefined ? {} : { baseUrl: resolveBaseUrl({ baseUrl }) }),
    ...(partnerAccountId === undefined ? {} : { partnerAccountId }),
  };
  return withRedaction(config);
}

/** The config with every secret replaced by a marker that keeps only the key's prefix. */
export function redactTilledConfig(config: TilledConfig & { webhookSecrets?: readonly string[] }) {
  const { fetch: _fetch, ...rest } = config;
  return {
    ...rest,
    secretKey: redactSecret(config.secretKey),
    ...(config.webhookSecrets === undefined
      ? {}
      : { webhookSecrets: config.webhookSecrets.map(() => '[redacted]') }),
  };
}

/** `sk_test_abc…` → `sk_test_[redacted]`: enough to tell sandbox from live keys, nothing more. */
export function redactSecret(secret: string): string {
  const prefix = /^([a-z]+_(?:test_|live_)?)/i.exec(secret)?.[1] ?? '';
  return `${prefix}[redacted]`;
}

function withRedaction<T extends TilledConfig & { webhookSecrets?: readonly string[] }>(config: T): T {
  const redacted = () => redactTilledConfig(config);
  Object.defineProperty(config, 'toJSON', { value: redacted, enumerable: false });
  Object.defineProperty(config, Symbol.for('nodejs.util.inspect.custom'), {
    value: redacted,
    enumerable: false,
  });
  return Object.freeze(config);
}

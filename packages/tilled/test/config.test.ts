import { inspect } from 'node:util';
import { money } from '@billkit/money';
import { describe, expect, it } from 'vitest';
import {
  resolveBaseUrl,
  TilledClient,
  TilledError,
  tenantEnvSuffix,
  tilledConfigFromEnv,
  toTilledAmount,
} from '../src/index.js';

const SECRET_KEY = 'sk_test_SUPERSECRETvalue123';
const WEBHOOK_SECRET = 'whsec_TOPSECRET_new';
const env = {
  TILLED_SECRET_KEY_ACME_CO: SECRET_KEY,
  TILLED_ACCOUNT_ID_ACME_CO: 'acct_acme',
  TILLED_WEBHOOK_SECRET_ACME_CO: `${WEBHOOK_SECRET}, whsec_TOPSECRET_old`,
};

describe('tilledConfigFromEnv', () => {
  it("reads a tenant's key, account and every webhook secret (comma-separated for a rotation)", () => {
    const config = tilledConfigFromEnv('acme-co', env);
    expect(config).toMatchObject({
      tenantKey: 'acme-co',
      secretKey: SECRET_KEY,
      accountId: 'acct_acme',
      webhookSecrets: [WEBHOOK_SECRET, 'whsec_TOPSECRET_old'],
      sandbox: true,
    });
    expect(resolveBaseUrl(config)).toBe('https://sandbox-api.tilled.com');
  });

  it.each([
    ['false', false],
    ['0', false],
    ['true', true],
    ['1', true],
    [undefined, true],
  ])('TILLED_SANDBOX=%s means sandbox %s (unset stays in the sandbox)', (value, sandbox) => {
    const config = tilledConfigFromEnv('acme-co', { ...env, TILLED_SANDBOX: value });
    expect(config.sandbox).toBe(sandbox);
    expect(resolveBaseUrl(config)).toBe(
      sandbox ? 'https://sandbox-api.tilled.com' : 'https://api.tilled.com',
    );
  });

  it('rejects an ambiguous TILLED_SANDBOX rather than guessing production', () => {
    expect(() => tilledConfigFromEnv('acme-co', { ...env, TILLED_SANDBOX: 'prod' })).toThrowError(
      expect.objectContaining({ code: 'TILLED_CONFIG_INVALID' }),
    );
  });

  it('points at TILLED_BASE_URL (e.g. the fake) when set', () => {
    const config = tilledConfigFromEnv('acme-co', { ...env, TILLED_BASE_URL: 'http://127.0.0.1:4010/' });
    expect(resolveBaseUrl(config)).toBe('http://127.0.0.1:4010');
  });

  it('names every missing variable, and only the names', () => {
    try {
      tilledConfigFromEnv('globex', env);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(TilledError);
      const e = error as TilledError;
      expect(e.code).toBe('TILLED_CONFIG_MISSING');
      expect(e.details.missing).toEqual([
        'TILLED_SECRET_KEY_GLOBEX',
        'TILLED_ACCOUNT_ID_GLOBEX',
        'TILLED_WEBHOOK_SECRET_GLOBEX',
      ]);
    }
  });

  it('never shows a secret when the config is logged or serialised', () => {
    const config = tilledConfigFromEnv('acme-co', env);
    for (const text of [JSON.stringify(config), inspect(config), inspect({ nested: config }, { depth: 5 })]) {
      expect(text).not.toContain('SUPERSECRET');
      expect(text).not.toContain('TOPSECRET');
      expect(text).toContain('acct_acme');
    }
    expect(JSON.parse(JSON.stringify(config)).secretKey).toBe('sk_test_[redacted]');
  });
});

describe('tenantEnvSuffix', () => {
  it.each([
    ['acme', 'ACME'],
    ['acme-co', 'ACME_CO'],
    ['Acme Co.', 'ACME_CO'],
    ['t_1', 'T_1'],
  ])('%s → %s', (key, suffix) => expect(tenantEnvSuffix(key)).toBe(suffix));

  it('rejects a key with no letters or digits', () => {
    expect(() => tenantEnvSuffix('--')).toThrowError(
      expect.objectContaining({ code: 'TILLED_CONFIG_INVALID' }),
    );
  });
});

describe('TilledClient', () => {
  it('keeps its key out of logs', () => {
    const client = new TilledClient({ secretKey: SECRET_KEY, accountId: 'acct_1', sandbox: false });
    expect(client.baseUrl).toBe('https://api.tilled.com');
    expect(JSON.stringify(client)).not.toContain('SUPERSECRET');
    expect(inspect(client)).not.toContain('SUPERSECRET');
  });

  it.each([
    [{ secretKey: '', accountId: 'acct_1' }],
    [{ secretKey: 'sk', accountId: '' }],
    [{ secretKey: 'sk', accountId: 'acct_1', baseUrl: 'not a url' }],
    [{ secretKey: 'sk', accountId: 'acct_1', baseUrl: 'ftp://x' }],
  ])('refuses an unusable config %j', (config) => {
    expect(() => new TilledClient(config)).toThrowError(
      expect.objectContaining({ code: 'TILLED_CONFIG_INVALID' }),
    );
  });
});

describe('toTilledAmount', () => {
  it.each([
    [money(4999, 'USD'), { amount: 4999, currency: 'usd' }],
    [money(500, 'JPY'), { amount: 500, currency: 'jpy' }],
    [money(1, 'EUR'), { amount: 1, currency: 'eur' }],
  ])('sends %j as integer minor units with a lower-case currency', (m, wire) => {
    expect(toTilledAmount(m)).toEqual(wire);
  });

  it.each([
    [{ amount: 1000, currency: 'KWD' }, 'unsupported_currency'],
    [{ amount: 1000, currency: 'MXN' }, 'unsupported_currency'],
    [{ amount: 0, currency: 'USD' }, 'not_positive'],
    [{ amount: -5, currency: 'USD' }, 'not_positive'],
    [{ amount: 10.5, currency: 'USD' }, 'MONEY_NOT_SAFE_INTEGER'],
    [{ amount: 100, currency: 'XYZ' }, 'MONEY_UNKNOWN_CURRENCY'],
  ])('refuses %j (%s) before any request', (m, problem) => {
    expect(() => toTilledAmount(m)).toThrowError(
      expect.objectContaining({
        code: 'TILLED_AMOUNT_NOT_CHARGEABLE',
        details: expect.objectContaining({ problem }),
      }),
    );
  });
});

// The fake Tilled lives in apps/fake-tilled (consumed as TypeScript source); tests import it by path
// because a published package cannot depend on a private app.
import { type FakeTilled, startFakeTilled } from '../../../../apps/fake-tilled/src/index.js';
import { TilledClient, type TilledConfig } from '../../src/index.js';

export const API_KEY = 'sk_test_fake_key';
export const ACCOUNT = 'acct_merchant_1';
export const PARTNER = 'acct_partner_1';
export const WEBHOOK_SECRET = 'whsec_fake_secret';

export async function startFake(
  extra: Partial<Parameters<typeof startFakeTilled>[0]> = {},
): Promise<FakeTilled> {
  return startFakeTilled({
    apiKey: API_KEY,
    accountId: ACCOUNT,
    partnerAccountId: PARTNER,
    webhookSecret: WEBHOOK_SECRET,
    ...extra,
  });
}

export function clientFor(fake: FakeTilled, overrides: Partial<TilledConfig> = {}): TilledClient {
  return new TilledClient({
    secretKey: API_KEY,
    accountId: ACCOUNT,
    partnerAccountId: PARTNER,
    baseUrl: fake.url,
    timeoutMs: 1_000,
    retry: { maxRetries: 2, baseDelayMs: 10, maxDelayMs: 50 },
    ...overrides,
  });
}

export type { FakeTilled };

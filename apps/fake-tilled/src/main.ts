// Run the fake Tilled on its own: `pnpm --filter @billkit/fake-tilled start`.
// FAKE_TILLED_PORT (default a random free port), FAKE_TILLED_API_KEY, FAKE_TILLED_ACCOUNT_ID,
// FAKE_TILLED_WEBHOOK_URL, FAKE_TILLED_WEBHOOK_SECRET, FAKE_TILLED_LATENCY_MS.
import { startFakeTilled } from './fake-tilled.js';

const env = process.env;
const webhookUrl = env.FAKE_TILLED_WEBHOOK_URL;
const tilled = await startFakeTilled({
  port: Number(env.FAKE_TILLED_PORT ?? 0),
  apiKey: env.FAKE_TILLED_API_KEY ?? 'sk_test_fake',
  accountId: env.FAKE_TILLED_ACCOUNT_ID ?? 'acct_fake_merchant',
  webhookSecret: env.FAKE_TILLED_WEBHOOK_SECRET ?? 'whsec_fake',
  latencyMs: Number(env.FAKE_TILLED_LATENCY_MS ?? 0),
  ...(webhookUrl === undefined ? {} : { webhookUrl }),
});
console.log(`fake Tilled listening on ${tilled.url} (account ${tilled.accountId})`);
const stop = () => {
  void tilled.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

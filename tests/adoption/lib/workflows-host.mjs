// examples/workflows-host: a host app in its own web framework (Express) that bills through
// @billkit/workflows: create a subscription, upgrade it mid-period, pay through Tilled (the local fake,
// started here from the workspace), and apply Tilled's signed webhook. The host prints one JSON line;
// the charges are counted at the fake gateway, not taken from the host's answers.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { runHostJson } from './hosts.mjs';
import { check } from './util.mjs';

const STEP = 'workflows-host';

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** The workspace's fake Tilled in a child process; resolves once it listens. */
async function startFakeTilled(repoRoot, env) {
  const dir = join(repoRoot, 'apps', 'fake-tilled');
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: dir,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`fake Tilled did not start: ${out}`)), 30_000);
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (out.includes('listening on')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr.on('data', (chunk) => {
      out += chunk;
    });
    child.once('exit', (code) => reject(new Error(`fake Tilled exited ${code}: ${out}`)));
  });
  return { stop: () => child.kill('SIGTERM') };
}

export async function workflowsHostChecks(hostDir, { repoRoot }) {
  const [tilledPort, hostPort] = [await freePort(), await freePort()];
  const tilled = {
    FAKE_TILLED_PORT: String(tilledPort),
    FAKE_TILLED_API_KEY: 'sk_test_host',
    FAKE_TILLED_ACCOUNT_ID: 'acct_host_merchant',
    FAKE_TILLED_WEBHOOK_SECRET: 'whsec_host',
    FAKE_TILLED_WEBHOOK_URL: `http://127.0.0.1:${hostPort}/webhooks/tilled`,
  };
  let fake;
  try {
    fake = await startFakeTilled(repoRoot, tilled);
  } catch (error) {
    check(STEP, 'the fake Tilled starts from the workspace', false, String(error));
    return;
  }
  try {
    const out = await runHostJson(STEP, 'workflows-host: npm start', hostDir, 'npm', ['start', '--silent'], {
      PORT: String(hostPort),
      TILLED_BASE_URL: `http://127.0.0.1:${tilledPort}`,
      TILLED_SECRET_KEY: tilled.FAKE_TILLED_API_KEY,
      TILLED_ACCOUNT_ID: tilled.FAKE_TILLED_ACCOUNT_ID,
      TILLED_WEBHOOK_SECRET: tilled.FAKE_TILLED_WEBHOOK_SECRET,
      DATABASE_URL_BILLING: `file:${join(hostDir, 'data', 'billing.db')}`,
    });
    if (!out) return;
    const r = out.json;
    console.log(`      ${out.stdout.trim().split('\n').slice(-1)[0]}`);
    check(
      STEP,
      'a subscription was created with a first invoice',
      r.subscription?.status === 'active',
      JSON.stringify(r),
    );
    const up = r.upgrade ?? {};
    check(
      STEP,
      'the mid-period upgrade invoice credits unused time and charges the rest (lines add up to the subtotal)',
      Array.isArray(up.lines) &&
        up.lines.some((amount) => amount < 0) &&
        up.lines.some((amount) => amount > 0) &&
        up.lines.reduce((a, b) => a + b, 0) === up.subtotal &&
        up.subtotal - up.totalDiscount + up.totalTax === up.total,
      JSON.stringify(up),
    );
    check(STEP, 'the upgrade invoice is paid', r.paid?.status === 'paid', JSON.stringify(r.paid));
    check(
      STEP,
      "Tilled's signed payment_intent.succeeded webhook was verified and applied through the workflows",
      r.webhook?.applied === true,
      JSON.stringify(r.webhook),
    );
    check(
      STEP,
      'the fake Tilled holds exactly one succeeded charge for the paid amount',
      r.gateway?.succeeded === 1 && r.gateway?.amount === r.paid?.amountPaid,
      JSON.stringify(r.gateway),
    );
  } finally {
    fake.stop();
  }
}

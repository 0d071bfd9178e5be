// `pnpm bench` (quick: engines + a 10 s API run on SQLite, under 3 minutes) and `pnpm bench:full`
// (everything: engines, API read path on SQLite and MariaDB, write path, billing run, webhooks, memory,
// profile). `--subscriptions N` sizes the billing run (default 100,000).
import { runApiBench } from './api.mjs';
import { runBillingRunBench } from './billing-run.mjs';
import { runEngineBench } from './engines.mjs';
import { printTable } from './lib.mjs';
import { runProfile } from './profile.mjs';
import { renderReport } from './report.mjs';
import { runWebhooksBench } from './webhooks.mjs';
import { runWritesBench } from './writes.mjs';

const full = process.argv.includes('--full');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
await runEngineBench({ time: full ? 3000 : 1000 });
const api = await runApiBench({
  databases: full ? ['sqlite', 'mariadb'] : ['sqlite'],
  durationSeconds: full ? 20 : 10,
});
if (full) {
  const writes = await runWritesBench({ durationSeconds: 20, subscriptions: 200 });
  await runBillingRunBench({ subscriptions: arg('--subscriptions', 100_000) });
  const webhooks = await runWebhooksBench({ events: 1000 });
  const webhooksMariadb = await runWebhooksBench({ events: 1000, database: 'mariadb' });
  await runProfile();
  const memory = [
    ...api.summary.map((s) => ({ run: `API read path (${s.database})`, 'peak RSS MB': s['peak RSS MB'] })),
    { run: 'API write path (mariadb)', 'peak RSS MB': writes.peakRssMb ?? '' },
    { run: 'API webhooks (sqlite)', 'peak RSS MB': webhooks.summary?.['API peak RSS MB'] ?? '' },
    { run: 'API webhooks (mariadb)', 'peak RSS MB': webhooksMariadb.summary?.['API peak RSS MB'] ?? '' },
  ].map((r) => ({ ...r, 'target ≤ 250 MB': Number(r['peak RSS MB']) <= 250 ? 'met' : 'not met' }));
  printTable('Memory: API peak RSS (VmHWM) per load test', memory);
  renderReport();
  console.log('\nBENCHMARKS.md rendered from bench/results/*.json');
}

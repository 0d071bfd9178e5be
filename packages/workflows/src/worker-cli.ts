#!/usr/bin/env node
// billkit-worker: a worker process over billing_db (see worker.ts). Configuration from the environment,
// one JSON line per event on stdout, SIGTERM/SIGINT finish or release the batch in hand and exit 0.
import { openStore } from '@billkit/db';
import type { DunningPolicy } from './context.js';
import { type TilledAccount, tilledGateways } from './tilled-gateways.js';
import { createWorker, type WorkerOptions } from './worker.js';

const HELP = `Usage: billkit-worker [--once]

Renews every due subscription period and runs dunning for each tenant of billing_db, then pauses and
repeats. Start as many as you like on one database: they share the work through leased claims.
  --once   one pass, then exit (0, or 1 if anything failed): for cron

Environment:
  DATABASE_URL_BILLING                 mysql://… (or file:…); unset: the SQLite file under DATA_DIR
  DATA_DIR                             default ./data
  BILLKIT_WORKER_INTERVAL_MS           pause between passes (default 60000)
  BILLKIT_WORKER_BATCH_SIZE            periods claimed and renewed in one transaction (default 250)
  BILLKIT_WORKER_LEASE_MS              how long a batch is this worker's before others take it over (default 300000)
  BILLKIT_WORKER_TENANTS               comma-separated tenant ids (default: every tenant)
  BILLKIT_WORKER_TASKS                 renewals,dunning (default both)
  BILLKIT_WORKER_ID                    default <hostname>:<pid>:<random>
  BILLKIT_WORKER_SHUTDOWN_TIMEOUT_MS   after SIGTERM, exit 1 if the batch is not done by then (default 30000)
  DUNNING_SCHEDULE_DAYS, DUNNING_FINAL_ACTION   as for the API
  TILLED_SECRET_KEY_<T>, TILLED_ACCOUNT_ID_<T>, TILLED_WEBHOOK_SECRET_<T>, TILLED_BASE_URL, TILLED_SANDBOX
                                       Tilled accounts for tenant <t> when billing_db stores none
  BILLKIT_ENCRYPTION_KEY…              to read the gateway credentials stored in billing_db`;

/** What the environment asks for; `problems` names every variable that is malformed. */
interface WorkerEnvironment {
  readonly url: string | undefined;
  readonly dataDir: string;
  readonly worker: Omit<WorkerOptions, 'db' | 'gateways' | 'signal' | 'onEvent'>;
  readonly accounts: TilledAccount[];
  readonly tilledBaseUrl: string | undefined;
  readonly shutdownTimeoutMs: number;
  readonly problems: string[];
}

/** Reads the worker's configuration from `env` (the variable names of `--help`). */
function workerEnvironment(env: Record<string, string | undefined>): WorkerEnvironment {
  const problems: string[] = [];
  const value = (name: string) => (env[name] === undefined || env[name] === '' ? undefined : env[name]);
  const whole = (name: string, fallback: number) => {
    const text = value(name);
    if (text === undefined) return fallback;
    const n = Number(text);
    if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < 1) {
      problems.push(`${name}: must be a positive whole number (got ${JSON.stringify(text)})`);
      return fallback;
    }
    return n;
  };
  const list = (name: string) =>
    value(name)
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean);

  const url = value('DATABASE_URL_BILLING');
  if (url !== undefined && !/^(mysql|mariadb|file):/.test(url))
    problems.push('DATABASE_URL_BILLING: must start with mysql://, mariadb:// or file:');
  const tasks = list('BILLKIT_WORKER_TASKS') ?? ['renewals', 'dunning'];
  for (const task of tasks)
    if (task !== 'renewals' && task !== 'dunning')
      problems.push(`BILLKIT_WORKER_TASKS: unknown task ${JSON.stringify(task)} (renewals, dunning)`);

  const dunning: { scheduleDays?: number[]; finalAction?: DunningPolicy['finalAction'] } = {};
  const days = value('DUNNING_SCHEDULE_DAYS');
  if (days !== undefined) {
    const parsed = days.split(',').map(Number);
    if (!/^\d+(\.\d+)?(,\d+(\.\d+)?)*$/.test(days) || parsed.some((d) => !(d > 0)))
      problems.push('DUNNING_SCHEDULE_DAYS: comma-separated positive numbers of days, e.g. 1,3,5');
    else dunning.scheduleDays = parsed;
  }
  const finalAction = value('DUNNING_FINAL_ACTION');
  if (finalAction !== undefined) {
    if (finalAction !== 'cancel' && finalAction !== 'leave_past_due')
      problems.push('DUNNING_FINAL_ACTION: cancel or leave_past_due');
    else dunning.finalAction = finalAction;
  }

  const sandbox = value('TILLED_SANDBOX');
  if (sandbox !== undefined && !/^(true|false|1|0|yes|no)$/.test(sandbox))
    problems.push('TILLED_SANDBOX: true or false');
  const tilledBaseUrl = value('TILLED_BASE_URL');
  const accounts: TilledAccount[] = [];
  const keys = new Set<string>();
  for (const name of Object.keys(env)) {
    const match = /^TILLED_(SECRET_KEY|ACCOUNT_ID|WEBHOOK_SECRET)_(.+)$/.exec(name);
    if (match?.[2]) keys.add(match[2]);
  }
  for (const key of [...keys].sort()) {
    const secretKey = value(`TILLED_SECRET_KEY_${key}`);
    const accountId = value(`TILLED_ACCOUNT_ID_${key}`);
    const webhook = value(`TILLED_WEBHOOK_SECRET_${key}`);
    if (!secretKey || !accountId || !webhook) {
      problems.push(
        `TILLED_*_${key}: TILLED_SECRET_KEY_, TILLED_ACCOUNT_ID_ and TILLED_WEBHOOK_SECRET_ go together`,
      );
      continue;
    }
    accounts.push({
      tenantId: key.toLowerCase(),
      accountId,
      secretKey,
      webhookSecrets: webhook
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
      sandbox: sandbox === undefined || /^(true|1|yes)$/.test(sandbox),
    });
  }

  const tenants = list('BILLKIT_WORKER_TENANTS');
  const workerId = value('BILLKIT_WORKER_ID');
  return {
    url,
    dataDir: value('DATA_DIR') ?? './data',
    worker: {
      intervalMs: whole('BILLKIT_WORKER_INTERVAL_MS', 60_000),
      batchSize: whole('BILLKIT_WORKER_BATCH_SIZE', 250),
      leaseMs: whole('BILLKIT_WORKER_LEASE_MS', 300_000),
      tasks: { renewals: tasks.includes('renewals'), dunning: tasks.includes('dunning') },
      ...(tenants !== undefined ? { tenants } : {}),
      ...(workerId !== undefined ? { workerId } : {}),
      ...(Object.keys(dunning).length > 0 ? { dunning } : {}),
    },
    accounts,
    tilledBaseUrl,
    shutdownTimeoutMs: whole('BILLKIT_WORKER_SHUTDOWN_TIMEOUT_MS', 30_000),
    problems,
  };
}

const line = (fields: Record<string, unknown>) =>
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...fields })}\n`);

async function main(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const unknown = argv.filter((a) => a !== '--once');
  if (unknown.length > 0) {
    process.stderr.write(`unknown argument ${unknown[0]}\n${HELP}\n`);
    return 64; // EX_USAGE
  }
  const config = workerEnvironment(process.env);
  if (config.problems.length > 0) {
    process.stderr.write(`Invalid configuration:\n${config.problems.map((p) => `  - ${p}`).join('\n')}\n`);
    return 78; // EX_CONFIG
  }
  const store = await openStore({
    dataDir: config.dataDir,
    ...(config.url !== undefined ? { url: config.url } : {}),
  });
  const tilled = tilledGateways({
    credentials: store.db.gatewayCredentials,
    fallback: config.accounts,
    ...(config.tilledBaseUrl !== undefined ? { baseUrl: config.tilledBaseUrl } : {}),
  });
  const stop = new AbortController();
  const worker = createWorker({
    ...config.worker,
    db: store,
    gateways: tilled.gateways,
    signal: stop.signal,
    onEvent: (event) =>
      line({ level: event.type === 'error' ? 'error' : 'info', worker: worker.id, ...event }),
  });
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) process.exit(1); // asked twice: the claims in hand are left to their lease
    line({ level: 'info', worker: worker.id, type: 'stopping', signal });
    stop.abort();
    setTimeout(() => {
      line({ level: 'error', worker: worker.id, type: 'shutdown_timeout', ms: config.shutdownTimeoutMs });
      process.exit(1);
    }, config.shutdownTimeoutMs).unref();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  line({
    level: 'info',
    worker: worker.id,
    type: 'started',
    store: store.provider,
    once: argv.includes('--once'),
  });
  try {
    if (argv.includes('--once')) {
      const pass = await worker.runOnce();
      line({ level: 'info', worker: worker.id, type: 'stopped', ...pass });
      return pass.errors > 0 ? 1 : 0;
    }
    const totals = await worker.run();
    line({ level: 'info', worker: worker.id, type: 'stopped', ...totals });
    return 0;
  } finally {
    await store.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    line({ level: 'error', type: 'fatal', message: (error as Error).message ?? String(error) });
    process.exit(1);
  },
);

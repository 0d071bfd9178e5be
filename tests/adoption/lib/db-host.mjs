// examples/db-host: the host keeps its own table in its own database and puts billing in a separate
// billing database, on SQLite always and on MariaDB (127.0.0.1:3306, root, no password) when reachable.
// Both migration paths are exercised and each must see the other's bookkeeping:
//   programmatic `migrate()` on a fresh database, then `npx billkit-db migrate` there applies nothing;
//   `npx billkit-db migrate` on another fresh database, then `migrate()` there applies nothing.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { runHostJson } from './hosts.mjs';
import { check, run, tail } from './util.mjs';

const STEP = 'db-host';
const MARIADB = { host: '127.0.0.1', port: 3306, user: 'root' };

async function mariadbReachable() {
  const ping = await run(
    'mariadb-admin',
    [`--host=${MARIADB.host}`, `--port=${MARIADB.port}`, `--user=${MARIADB.user}`, 'ping'],
    {
      timeoutMs: 10_000,
    },
  );
  return ping.code === 0;
}

function mariadbSql(sql) {
  return run(
    'mariadb',
    [`--host=${MARIADB.host}`, `--port=${MARIADB.port}`, `--user=${MARIADB.user}`, '-e', sql],
    {
      timeoutMs: 30_000,
    },
  );
}

async function exercise(hostDir, target) {
  const label = target.label;
  // Programmatic migrations on a fresh billing database, then the repositories.
  const api = await runHostJson(
    STEP,
    `${label}: node main.js (migrate(), save and load a subscription)`,
    hostDir,
    'node',
    ['main.js', target.billing, target.app],
  );
  if (api) {
    const r = api.json;
    check(
      STEP,
      `${label}: billing_db provider is ${target.provider}`,
      r.provider === target.provider,
      `got ${r.provider}`,
    );
    check(
      STEP,
      `${label}: migrate() applied all ${r.migrationsShipped.length} shipped migration(s) to an empty database`,
      r.migrationsShipped.length > 0 && isDeepStrictEqual(r.firstMigrate.applied, r.migrationsShipped),
      JSON.stringify(r.firstMigrate),
    );
    check(
      STEP,
      `${label}: a second migrate() applies nothing`,
      r.secondMigrate.applied.length === 0 &&
        isDeepStrictEqual(r.secondMigrate.alreadyApplied, r.migrationsShipped),
      JSON.stringify(r.secondMigrate),
    );
    check(
      STEP,
      `${label}: a saved subscription loads back identical`,
      r.subscriptionRoundTrip === true,
      JSON.stringify(r.mismatch ?? r).slice(0, 2000),
    );
    check(
      STEP,
      `${label}: the host's own app_users rows are untouched`,
      r.appUsersUntouched === true,
      JSON.stringify(r),
    );
    check(
      STEP,
      `${label}: no billing tables appeared in the host's database`,
      isDeepStrictEqual(r.appTablesAfter, ['app_users']) &&
        isDeepStrictEqual(r.appTablesBefore, r.appTablesAfter),
      `before ${JSON.stringify(r.appTablesBefore)} after ${JSON.stringify(r.appTablesAfter)}`,
    );
  }
  const again = await run('npx', ['--no', 'billkit-db', 'migrate', '--url', target.billing], {
    cwd: hostDir,
    timeoutMs: 60_000,
  });
  check(
    STEP,
    `${label}: npx billkit-db migrate after migrate() applies nothing`,
    again.code === 0 && /\b0 applied\b/.test(again.stdout),
    tail(again),
  );

  // The CLI on another fresh billing database, then the programmatic path sees its bookkeeping.
  const cli = await run('npx', ['--no', 'billkit-db', 'migrate', '--url', target.billingCli], {
    cwd: hostDir,
    timeoutMs: 60_000,
  });
  const appliedByCli = [...cli.stdout.matchAll(/^applied (\S+)/gm)].map((m) => m[1]);
  check(
    STEP,
    `${label}: npx billkit-db migrate applies ${appliedByCli.length} migration(s) to an empty database`,
    cli.code === 0 && appliedByCli.length > 0,
    tail(cli),
  );
  const after = await runHostJson(
    STEP,
    `${label}: node main.js on the CLI-migrated database`,
    hostDir,
    'node',
    ['main.js', target.billingCli, target.app],
  );
  if (after) {
    const r = after.json;
    check(
      STEP,
      `${label}: migrate() finds the CLI's migrations recorded and applies nothing`,
      r.firstMigrate.applied.length === 0 && isDeepStrictEqual(r.firstMigrate.alreadyApplied, appliedByCli),
      JSON.stringify(r.firstMigrate),
    );
    check(
      STEP,
      `${label}: subscription round trip on the CLI-migrated database`,
      r.subscriptionRoundTrip === true && r.appUsersUntouched === true,
      JSON.stringify(r).slice(0, 2000),
    );
  }
}

export async function dbHostChecks(hostDir, { requireMariaDb = false } = {}) {
  const dataDir = join(hostDir, 'data');
  mkdirSync(dataDir, { recursive: true });

  const cjs = await runHostJson(STEP, "require('@billkit/db') from CommonJS", hostDir, 'node', [
    'cjs-check.cjs',
  ]);
  if (cjs) {
    check(
      STEP,
      'the CommonJS build finds the shipped migrations (sqlite and mysql)',
      cjs.json.sqlite.length > 0 && cjs.json.mysql.length > 0,
      JSON.stringify(cjs.json),
    );
  }

  await exercise(hostDir, {
    label: 'SQLite',
    provider: 'sqlite',
    billing: `file:${join(dataDir, 'billing.db')}`,
    billingCli: `file:${join(dataDir, 'billing-cli.db')}`,
    app: `file:${join(dataDir, 'app.db')}`,
  });

  if (!(await mariadbReachable())) {
    if (requireMariaDb)
      check(STEP, 'MariaDB reachable at 127.0.0.1:3306 (required in CI)', false, 'mariadb-admin ping failed');
    else console.log('  - MariaDB not reachable at 127.0.0.1:3306: MariaDB host checks skipped');
    return;
  }
  const suffix = `${process.pid}_${Date.now().toString(36)}`;
  const names = {
    app: `adopt_app_${suffix}`,
    billing: `adopt_billing_${suffix}`,
    billingCli: `adopt_billing_cli_${suffix}`,
  };
  const created = await mariadbSql(
    Object.values(names)
      .map((n) => `CREATE DATABASE \`${n}\`;`)
      .join(' '),
  );
  if (!check(STEP, 'MariaDB: scratch databases created', created.code === 0, tail(created))) return;
  const url = (db) => `mysql://${MARIADB.user}@${MARIADB.host}:${MARIADB.port}/${db}`;
  try {
    await exercise(hostDir, {
      label: 'MariaDB',
      provider: 'mysql',
      billing: url(names.billing),
      billingCli: url(names.billingCli),
      app: url(names.app),
    });
  } finally {
    await mariadbSql(
      Object.values(names)
        .map((n) => `DROP DATABASE IF EXISTS \`${n}\`;`)
        .join(' '),
    );
  }
}

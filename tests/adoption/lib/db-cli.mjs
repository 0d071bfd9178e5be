// The installed `billkit-db` CLI and backup scripts, as an operator meets them: a host app that depends on
// @billkit/db alone, installed from the local registry, runs `npx billkit-db …` and
// node_modules/@billkit/db/scripts/*.sh on SQLite files of its own.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { installHost } from './hosts.mjs';
import { check, run, tail } from './util.mjs';

const STEP = 'db-cli';
const COMMANDS = ['migrate', 'status', 'backup', 'restore', 'verify-audit', 'seed'];

/** Whether a MariaDB answers at 127.0.0.1:3306 (the access-denied check needs a real server). */
function mariadbAnswers() {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port: 3306 });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** Line 1 of a backup file: provider, schema migrations, tables with their row counts. */
function backupHeader(file) {
  return JSON.parse(gunzipSync(readFileSync(file)).toString('utf8').split('\n')[0]);
}

export async function dbCliChecks({ tmp, registry, released, partial }) {
  const version = released.get('@billkit/db');
  if (!version) {
    if (partial) console.log(`  - [${STEP}] skipped: @billkit/db not released in this --only run`);
    else check(STEP, '@billkit/db released', false, 'not on the local registry');
    return;
  }
  const source = join(tmp, 'db-cli-source');
  mkdirSync(source, { recursive: true });
  writeFileSync(
    join(source, 'package.json'),
    `${JSON.stringify({ name: 'billkit-db-cli-host', private: true, type: 'module', dependencies: { '@billkit/db': version } }, null, 2)}\n`,
  );
  const dir = await installHost(source, join(tmp, 'db-cli-host'), {
    registryUrl: registry.url,
    npmrc: registry.npmrc(),
    released,
    step: STEP,
  });
  if (!dir) return;
  const data = join(dir, 'data');
  mkdirSync(data, { recursive: true });
  // The bin npm linked at install (`npx billkit-db --version` would print npx's own version: npm reads
  // --version and --help before the command; `npx billkit-db -- --version` is the npx spelling).
  const bin = join(dir, 'node_modules', '.bin', 'billkit-db');
  const cli = (...args) => run(bin, args, { cwd: dir, timeoutMs: 120_000 });
  const url = (name) => `file:${join(data, name)}`;

  const printed = await cli('--version');
  check(
    STEP,
    `billkit-db --version prints ${version}`,
    printed.code === 0 && printed.stdout.trim() === version,
    tail(printed),
  );
  const help = await cli('--help');
  const missing = COMMANDS.filter((c) => !new RegExp(`^  ${c}\\b`, 'm').test(help.stdout));
  check(
    STEP,
    `billkit-db --help lists ${COMMANDS.join(', ')}`,
    help.code === 0 && missing.length === 0,
    `missing ${missing}\n${tail(help)}`,
  );
  const backupHelp = await cli('backup', '--help');
  check(
    STEP,
    "billkit-db backup --help shows backup's own usage and options",
    backupHelp.code === 0 &&
      /Usage: billkit-db backup/.test(backupHelp.stdout) &&
      /--url <url>/.test(backupHelp.stdout) &&
      /--quiet/.test(backupHelp.stdout),
    tail(backupHelp),
  );
  const unknown = await cli('bakup');
  check(
    STEP,
    'an unknown command exits non-zero and says so',
    unknown.code !== 0 && /unknown command/.test(unknown.stderr),
    tail(unknown),
  );

  const before = await cli('status', '--url', url('billing.db'));
  check(
    STEP,
    'status on a fresh SQLite file exits 1 with migrations pending',
    before.code === 1 && /pending/.test(before.stdout),
    tail(before),
  );
  const migrated = await cli('migrate', '--url', url('billing.db'));
  const status = await cli('status', '--url', url('billing.db'), '--json');
  let upToDate = false;
  try {
    upToDate = JSON.parse(status.stdout).upToDate === true;
  } catch {}
  check(
    STEP,
    'migrate, then status --json says up to date (exit 0)',
    migrated.code === 0 && status.code === 0 && upToDate,
    `${tail(migrated)}\n${tail(status)}`,
  );

  const seeded = await cli('seed', '--url', url('billing.db'));
  const first = join(dir, 'backups', 'first.jsonl.gz');
  const backup = await cli('backup', '--url', url('billing.db'), first);
  check(
    STEP,
    'seed, then backup writes the file and prints its path',
    seeded.code === 0 && backup.code === 0 && backup.stdout.trim() === first && existsSync(first),
    `${tail(seeded)}\n${tail(backup)}`,
  );
  if (!existsSync(first)) return;
  const restore = await cli('restore', '--url', url('restored.db'), first);
  const second = join(dir, 'backups', 'second.jsonl.gz');
  const again = await cli('backup', '--url', url('restored.db'), second, '--quiet');
  const counts = (file) =>
    existsSync(file) ? backupHeader(file).tables.map((t) => `${t.name}:${t.rows}`) : [];
  const [a, b] = [counts(first), counts(second)];
  check(
    STEP,
    `restore into a new file: every table's row count matches (${a.length} tables)`,
    restore.code === 0 && again.code === 0 && a.length > 0 && JSON.stringify(a) === JSON.stringify(b),
    `${tail(restore)}\nbefore ${a}\nafter  ${b}`,
  );
  const refusedNonEmpty = await cli('restore', '--url', url('restored.db'), first);
  check(
    STEP,
    'restore into a non-empty database without --force is refused',
    refusedNonEmpty.code !== 0 && /--force/.test(refusedNonEmpty.stderr),
    tail(refusedNonEmpty),
  );

  const lines = gunzipSync(readFileSync(first)).toString('utf8').split('\n');
  const header = JSON.parse(lines[0]);
  header.schema.migrations.push('29991231000000_from_the_future');
  lines[0] = JSON.stringify(header);
  const newer = join(dir, 'backups', 'newer.jsonl.gz');
  writeFileSync(newer, gzipSync(lines.join('\n')));
  const refused = await cli('restore', '--url', url('newer.db'), newer);
  check(
    STEP,
    'a backup naming a migration this package does not ship is refused (non-zero, names it)',
    refused.code !== 0 && /29991231000000_from_the_future/.test(refused.stderr),
    tail(refused),
  );

  const verified = await cli('verify-audit', '--url', url('restored.db'));
  check(
    STEP,
    "verify-audit on the restored copy: every tenant's chain verifies (exit 0)",
    verified.code === 0,
    tail(verified),
  );

  // A connection mistake answers within 3 s with the server's own reason and where it tried, never the password.
  const timedCli = async (...args) => {
    const started = Date.now();
    const result = await cli(...args);
    return { ...result, ms: Date.now() - started };
  };
  const refusedPort = await timedCli('migrate', '--url', 'mysql://billing:s3cret-pw@127.0.0.1:1/billing_db');
  check(
    STEP,
    `migrate against a port nothing listens on fails in ${refusedPort.ms} ms (< 3 s + npx start), naming 127.0.0.1:1, not the password`,
    refusedPort.code !== 0 &&
      refusedPort.ms < 6_000 &&
      /DB_CONNECTION_FAILED/.test(refusedPort.stderr) &&
      /127\.0\.0\.1:1\b/.test(refusedPort.stderr) &&
      !/s3cret-pw/.test(refusedPort.stdout + refusedPort.stderr),
    tail(refusedPort),
  );
  if (process.env.ADOPTION_MARIADB_URL || (await mariadbAnswers())) {
    const denied = await timedCli('migrate', '--url', 'mysql://nobody:s3cret-pw@127.0.0.1:3306/billing_db');
    check(
      STEP,
      `migrate with a wrong MariaDB user fails in ${denied.ms} ms with the server's "Access denied" and no password`,
      denied.code !== 0 &&
        denied.ms < 6_000 &&
        /Access denied for user 'nobody'/.test(denied.stderr) &&
        !/s3cret-pw/.test(denied.stdout + denied.stderr),
      tail(denied),
    );
  }

  const script = join(dir, 'node_modules', '@billkit', 'db', 'scripts', 'backup-billing-db.sh');
  const out = join(dir, 'backups', 'script.jsonl.gz');
  const scripted = await run(script, [out, '--quiet'], {
    cwd: dir,
    env: { DATABASE_URL_BILLING: url('billing.db') },
    timeoutMs: 120_000,
  });
  check(
    STEP,
    'node_modules/@billkit/db/scripts/backup-billing-db.sh runs as installed (executable, finds the CLI)',
    scripted.code === 0 && scripted.stdout.trim() === out && existsSync(out),
    tail(scripted),
  );
}

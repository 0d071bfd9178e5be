import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { describeTarget } from '../src/cli/connection.js';
import { runCli } from '../src/cli/program.js';
import { resolveDatabaseTarget } from '../src/database-url.js';
import { openDatabase, readMigrations, seedDemoTenant } from '../src/index.js';
import { openSqlRunner } from '../src/sql-runner.js';
import { createTestDatabase, providers, type TestDatabase } from './integration/databases.js';

/** Runs `billkit-db …` in this process; stdout and stderr collected (not terminals: plain progress lines). */
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = { stdout: '', stderr: '' };
  const stream = (key: 'stdout' | 'stderr') => {
    const s = new PassThrough();
    s.on('data', (chunk) => {
      out[key] += String(chunk);
    });
    return s;
  };
  const code = await runCli(args, { stdout: stream('stdout'), stderr: stream('stderr') });
  return { code, ...out };
}

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'billkit-cli-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const COMMANDS = ['migrate', 'status', 'backup', 'restore', 'verify-audit', 'seed'];

describe('billkit-db usage', () => {
  it('prints the package version for --version', async () => {
    const { version } = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8'));
    expect(await cli('--version')).toMatchObject({ code: 0, stdout: `${version}\n` });
  });

  it('lists every command in --help', async () => {
    const { code, stdout } = await cli('--help');
    expect(code).toBe(0);
    for (const command of COMMANDS) expect(stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
  });

  it.each(COMMANDS)('prints %s’s own help, with the connection options', async (command) => {
    const { code, stdout } = await cli(command, '--help');
    expect(code).toBe(0);
    expect(stdout).toContain(`Usage: billkit-db ${command}`);
    expect(stdout).toContain('--url <url>');
    expect(stdout).toContain('--data-dir <dir>');
  });

  it('exits non-zero on an unknown command, saying so', async () => {
    const { code, stderr } = await cli('bakup');
    expect(code).not.toBe(0);
    expect(stderr).toContain("unknown command 'bakup'");
    expect(stderr).toContain('(Did you mean backup?)');
  });

  it('never shows the password of a MySQL URL', () => {
    const text = describeTarget(resolveDatabaseTarget('mysql://billing:hunter2@db:3307/billing_db'));
    expect(text).toBe('MySQL billing@db:3307/billing_db');
  });
});

describe('billkit-db status on SQLite', () => {
  it('reports every migration pending on a fresh file without creating it, then up to date, then drift', async () => {
    const url = `file:${join(tempDir(), 'billing.db')}`;
    const shipped = readMigrations('sqlite').map((m) => m.name);
    const fresh = await cli('status', '--url', url, '--json');
    expect(fresh.code).toBe(1);
    expect(JSON.parse(fresh.stdout).migrations.map((m: { state: string }) => m.state)).toEqual(
      shipped.map(() => 'pending'),
    );
    expect(() => readFileSync(url.slice('file:'.length))).toThrow();

    const migrated = await cli('migrate', '--url', url);
    expect(migrated.code).toBe(0);
    // Several migrations: the progress shows counts (stderr is no terminal here, so plain lines).
    expect(migrated.stderr).toContain(`${shipped.length}/${shipped.length} migrations`);
    expect(await cli('status', '--url', url)).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('up to date'),
    });

    const runner = await openSqlRunner(resolveDatabaseTarget(url));
    await runner.execute("UPDATE _prisma_migrations SET checksum = 'edited' WHERE migration_name = ?", [
      shipped[0],
    ]);
    await runner.close();
    const drifted = await cli('status', '--url', url, '--json');
    expect(drifted.code).toBe(1);
    expect(JSON.parse(drifted.stdout).migrations[0]).toMatchObject({ name: shipped[0], state: 'drifted' });
  });
});

// A table outside billkit's schema with every awkward kind of value the backup must carry exactly.
const EXOTIC = {
  sqlite: {
    create:
      'CREATE TABLE "Exotic" (id INTEGER PRIMARY KEY, bytes BLOB, big INTEGER, dec TEXT, real REAL, at DATETIME, txt TEXT, anything)',
    insert: `INSERT INTO "Exotic" VALUES
      (1, x'00ff10c3', 9223372036854775807, '12345678901234567890.123456789', 0.1, 1712345678901, 'naïve ☃ 😀 ''q'' \\n', NULL),
      (2, NULL, -9007199254740993, NULL, 3.0, '2026-04-01T00:00:00.000+00:00', NULL, 2.5),
      (3, x'', 0, '-0.000000001', -1e300, NULL, '', x'01')`,
    view: `SELECT id, hex(bytes) AS bytes, typeof(bytes) AS tb, typeof(big) || ':' || CAST(big AS TEXT) AS big, dec,
      typeof(real) || ':' || quote(real) AS real, typeof(at) || ':' || at AS at, txt, typeof(anything) || ':' || quote(anything) AS anything
      FROM "Exotic" ORDER BY id`,
  },
  mysql: {
    create:
      'CREATE TABLE `Exotic` (id BIGINT PRIMARY KEY, bin VARBINARY(16), blb LONGBLOB, big BIGINT, ubig BIGINT UNSIGNED, amount DECIMAL(38,9), dbl DOUBLE, at DATETIME(6), ts TIMESTAMP(3) NULL, d DATE, js JSON, txt TEXT, flag TINYINT(1)) DEFAULT CHARSET utf8mb4 COLLATE utf8mb4_unicode_ci',
    insert: `INSERT INTO \`Exotic\` VALUES
      (1, x'00ff10c3', x'deadbeef', 9223372036854775807, 18446744073709551615, '12345678901234567890123456789.123456789', 0.1, '2026-04-01 23:59:59.123456', '2026-04-01 12:00:00.500', '2026-02-28', '{"a": [1, 2.5, "ü"]}', 'naïve ☃ 😀 ''q'' \\n', 1),
      (2, NULL, NULL, -9007199254740993, 0, '-0.000000001', -1e300, NULL, NULL, NULL, NULL, NULL, 0)`,
    view: `SELECT id, HEX(bin) AS bin, HEX(blb) AS blb, CAST(big AS CHAR) AS big, CAST(ubig AS CHAR) AS ubig,
      CAST(amount AS CHAR) AS amount, CAST(dbl AS CHAR) AS dbl, CAST(at AS CHAR) AS at, CAST(ts AS CHAR) AS ts,
      CAST(d AS CHAR) AS d, CAST(js AS CHAR) AS js, txt, flag FROM \`Exotic\` ORDER BY id`,
  },
} as const;

/** Every row of every table (the migrations table included), as sorted JSON per table, plus the exotic view. */
async function snapshot(url: string): Promise<Record<string, string[]>> {
  const runner = await openSqlRunner(resolveDatabaseTarget(url));
  try {
    const tables =
      runner.provider === 'sqlite'
        ? await runner.query<{ name: string }>(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
          )
        : await runner.query<{ name: string }>(
            'SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()',
          );
    const json = (row: unknown) =>
      JSON.stringify(row, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
    const out: Record<string, string[]> = {};
    for (const { name } of tables) {
      const quoted = runner.provider === 'sqlite' ? `"${name}"` : `\`${name}\``;
      out[name] = (await runner.query(`SELECT * FROM ${quoted}`)).map(json).sort();
    }
    out['exotic (exact)'] = (await runner.query(EXOTIC[runner.provider].view)).map(json);
    return out;
  } finally {
    await runner.close();
  }
}

async function tableCount(url: string): Promise<number> {
  const runner = await openSqlRunner(resolveDatabaseTarget(url));
  try {
    const rows =
      runner.provider === 'sqlite'
        ? await runner.query("SELECT name FROM sqlite_master WHERE type = 'table'")
        : await runner.query(
            'SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()',
          );
    return rows.length;
  } finally {
    await runner.close();
  }
}

describe.each(providers)('billkit-db backup and restore on %s', (provider) => {
  const databases: TestDatabase[] = [];
  const fresh = async () => {
    const test = await createTestDatabase(provider);
    databases.push(test);
    return test.url;
  };
  afterEach(async () => {
    for (const test of databases.splice(0)) await test.drop();
  });

  it('restores a backup into a fresh database with identical rows, refusing a non-empty one without --force', async () => {
    const source = await fresh();
    const db = await openDatabase({ url: source, migrate: true });
    try {
      await seedDemoTenant(db);
    } finally {
      await db.close();
    }
    const runner = await openSqlRunner(resolveDatabaseTarget(source));
    await runner.execute(EXOTIC[provider].create);
    await runner.execute(EXOTIC[provider].insert);
    await runner.close();
    const before = await snapshot(source);
    expect(before._prisma_migrations).toHaveLength(readMigrations(provider).length);

    const file = join(tempDir(), 'billing.jsonl.gz');
    const backup = await cli('backup', '--url', source, file);
    expect(backup).toMatchObject({ code: 0, stdout: `${file}\n` });
    const rows = Object.entries(before)
      .filter(([name]) => name !== 'exotic (exact)')
      .reduce((sum, [, r]) => sum + r.length, 0);
    expect(backup.stderr).toContain(`${rows}/${rows} rows`);
    const header = JSON.parse(gunzipSync(readFileSync(file)).toString('utf8').split('\n')[0] as string);
    expect(header).toMatchObject({
      format: 'billkit-db-backup',
      provider,
      schema: {
        migrations: readMigrations(provider).map((m) => m.name),
        migration: readMigrations(provider).at(-1)?.name,
      },
    });

    const target = await fresh();
    const restored = await cli('restore', '--url', target, file, '--quiet');
    expect(restored).toMatchObject({ code: 0, stderr: '' });
    expect(restored.stdout).toContain(`restored ${rows} rows`);
    expect(await snapshot(target)).toEqual(before);
    expect(await cli('status', '--url', target)).toMatchObject({ code: 0 });

    const again = await cli('restore', '--url', target, file);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/is not empty .*--force/);
    expect(await cli('restore', '--url', target, file, '--force', '--quiet')).toMatchObject({ code: 0 });
    expect(await snapshot(target)).toEqual(before);
  });

  it('refuses a backup whose schema has a migration this package does not ship, changing nothing', async () => {
    const source = await fresh();
    expect((await cli('migrate', '--url', source, '--quiet')).code).toBe(0);
    const file = join(tempDir(), 'newer.jsonl.gz');
    expect((await cli('backup', '--url', source, file, '--quiet')).code).toBe(0);
    const lines = gunzipSync(readFileSync(file)).toString('utf8').split('\n');
    const header = JSON.parse(lines[0] as string);
    header.schema.migrations.push('29991231000000_from_the_future');
    header.schema.migration = '29991231000000_from_the_future';
    lines[0] = JSON.stringify(header);
    writeFileSync(file, gzipSync(lines.join('\n')));

    const target = await fresh();
    const refused = await cli('restore', '--url', target, file);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('newer billing_db schema');
    expect(refused.stderr).toContain('29991231000000_from_the_future');
    expect(await tableCount(target)).toBe(0);
  });

  it('verify-audit exits 1 naming the tenant and the event of a tampered chain', async () => {
    const url = await fresh();
    expect((await cli('seed', '--url', url)).code).toBe(0);
    const db = await openDatabase({ url, migrate: false });
    try {
      await db.tenants.create({ id: 'ten_second', name: 'Second', defaultCurrency: 'USD' });
      for (const n of [1, 2, 3])
        await db.auditLog.append('ten_second', {
          type: 'note',
          entityType: 'tenant',
          entityId: 'ten_second',
          data: { n },
        });
    } finally {
      await db.close();
    }
    const intact = await cli('verify-audit', '--url', url);
    expect(intact.code).toBe(0);
    expect(intact.stdout).toContain('2 of 2 tenant chain(s) intact');

    const runner = await openSqlRunner(resolveDatabaseTarget(url));
    await runner.execute(`UPDATE AuditEvent SET data = '{"n":20}' WHERE tenantId = 'ten_second' AND seq = 2`);
    await runner.close();
    const broken = await cli('verify-audit', '--url', url);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain('tenant ten_second: chain broken at seq 2 (hash_mismatch)');
    expect(await cli('verify-audit', '--url', url, '--tenant', 'demo-waste')).toMatchObject({ code: 0 });
  });
});

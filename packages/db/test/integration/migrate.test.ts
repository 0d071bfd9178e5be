import { execFile } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveDatabaseTarget } from '../../src/database-url.js';
import { isDbError, migrate, openDatabase, readMigrations } from '../../src/index.js';
import { prismaOf } from '../../src/open-database.js';
import { migrationsDirectory } from '../../src/paths.js';
import { openSqlRunner } from '../../src/sql-runner.js';
import { createTestDatabase, providers, type TestDatabase } from './databases.js';

async function tables(url: string): Promise<string[]> {
  const runner = await openSqlRunner(resolveDatabaseTarget(url));
  try {
    const rows =
      runner.provider === 'sqlite'
        ? await runner.query<{ name: string }>(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
          )
        : await runner.query<{ name: string }>(
            'SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()',
          );
    return rows.map((r) => r.name).sort();
  } finally {
    await runner.close();
  }
}

async function migrationRows(url: string) {
  const runner = await openSqlRunner(resolveDatabaseTarget(url));
  try {
    return await runner.query<{
      migration_name: string;
      checksum: string;
      applied_steps_count: number;
      finished_at: unknown;
      id: string;
    }>(
      'SELECT id, migration_name, checksum, applied_steps_count, finished_at FROM _prisma_migrations ORDER BY migration_name',
    );
  } finally {
    await runner.close();
  }
}

describe.each(providers)('migrations on %s', (provider) => {
  let test: TestDatabase | undefined;
  afterEach(async () => {
    await test?.drop();
    test = undefined;
  });

  it('migrates an empty database and records each migration with Prisma’s checksum', async () => {
    test = await createTestDatabase(provider);
    const first = await migrate({ url: test.url });
    const files = readMigrations(provider);
    expect(first.applied).toEqual(files.map((f) => f.name));
    const rows = await migrationRows(test.url);
    expect(rows).toHaveLength(files.length);
    for (const [n, row] of rows.entries()) {
      const bytes = readFileSync(join(migrationsDirectory(provider), row.migration_name, 'migration.sql'));
      expect(row.checksum).toBe(createHash('sha256').update(bytes).digest('hex'));
      expect(row.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(Number(row.applied_steps_count)).toBe(1);
      expect(row.finished_at).not.toBeNull();
      expect(row.migration_name).toBe(files[n]?.name);
    }
    expect(await tables(test.url)).toContain('Invoice');
    const second = await migrate({ url: test.url });
    expect(second).toMatchObject({ applied: [], alreadyApplied: files.map((f) => f.name), modified: [] });
  });

  it('backfills every tenant’s audit chain head from its latest event, so existing chains continue', async () => {
    test = await createTestDatabase(provider);
    const db = await openDatabase({ url: test.url, migrate: true });
    try {
      await db.tenants.create({ id: 'ten_busy', name: 'Busy', defaultCurrency: 'USD' });
      await db.tenants.create({ id: 'ten_quiet', name: 'Quiet', defaultCurrency: 'USD' });
      const appended = await db.auditLog.append(
        'ten_busy',
        { type: 'invoice.created', entityType: 'invoice', entityId: 'in_1', data: { n: 1 } },
        { type: 'invoice.paid', entityType: 'invoice', entityId: 'in_1', data: { n: 2 } },
      );
      // Back to the database as it was before the head existed: events, no AuditChainHead table.
      const q = provider === 'mysql' ? '`' : '"';
      await prismaOf(db).$executeRawUnsafe(`DROP TABLE ${q}AuditChainHead${q}`);
      await prismaOf(db).$executeRawUnsafe(
        "DELETE FROM _prisma_migrations WHERE migration_name LIKE '%audit_chain_head%'",
      );
      const upgraded = await migrate({ url: test.url });
      expect(upgraded.applied).toEqual([
        expect.stringMatching(/_audit_chain_head$/),
        expect.stringMatching(/_audit_chain_head_backfill$/),
      ]);
      const heads = await prismaOf(db).auditChainHead.findMany({ orderBy: { tenantId: 'asc' } });
      expect(heads).toEqual([
        { tenantId: 'ten_busy', seq: 2, hash: appended[1]?.hash },
        { tenantId: 'ten_quiet', seq: 0, hash: '0'.repeat(64) },
      ]);
      const [third] = await db.auditLog.append('ten_busy', {
        type: 'invoice.voided',
        entityType: 'invoice',
        entityId: 'in_1',
        data: {},
      });
      expect(third).toMatchObject({ seq: 3, prevHash: appended[1]?.hash });
      expect(await db.verifyAuditChain('ten_busy')).toMatchObject({ valid: true, events: 3 });
    } finally {
      await db.close();
    }
  });

  it('leaves the database as it was when a migration fails, naming the failing statement', async () => {
    test = await createTestDatabase(provider);
    const dir = mkdtempSync(join(tmpdir(), 'billkit-migrations-'));
    cpSync(migrationsDirectory(provider), dir, { recursive: true });
    mkdirSync(join(dir, '29990101000000_broken'));
    const q = provider === 'mysql' ? '`' : '"';
    writeFileSync(
      join(dir, '29990101000000_broken', 'migration.sql'),
      `-- CreateTable\nCREATE TABLE ${q}Route${q} (${q}id${q} VARCHAR(36) NOT NULL, PRIMARY KEY (${q}id${q}));\n\n` +
        `-- CreateIndex\nCREATE INDEX ${q}Route_id_idx${q} ON ${q}Route${q}(${q}id${q});\n\n` +
        `-- AddColumn\nALTER TABLE ${q}Invoice${q} ADD COLUMN ${q}routeId${q} VARCHAR(36) NULL;\n\n` +
        `-- Broken\nCREATE TABLE ${q}Truck${q} (${q}id${q} NOT A TYPE ((;\n`,
    );
    await migrate({ url: test.url });
    const before = await tables(test.url);
    const failure = await migrate({ url: test.url, migrationsDir: dir }).catch((e: unknown) => e);
    expect(isDbError(failure, 'DB_MIGRATION_FAILED')).toBe(true);
    const details = (failure as { details: Record<string, unknown> }).details;
    expect(details.migration).toBe('29990101000000_broken');
    expect(details.statementIndex).toBe(3);
    expect(String(details.statement)).toContain('Truck');
    expect(await tables(test.url)).toEqual(before);
    const db = await openDatabase({ url: test.url, migrate: false });
    try {
      const columns: { name: string }[] =
        provider === 'sqlite'
          ? await prismaOf(db).$queryRawUnsafe(`SELECT name FROM pragma_table_info('Invoice')`)
          : await prismaOf(db).$queryRawUnsafe(
              `SELECT COLUMN_NAME AS name FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'Invoice'`,
            );
      expect(columns.map((c) => c.name)).not.toContain('routeId');
    } finally {
      await db.close();
    }
    // Nothing recorded: the migration never happened, so fixing the file and rerunning applies it.
    expect((await migrationRows(test.url)).map((r) => r.migration_name)).not.toContain(
      '29990101000000_broken',
    );
  });

  it('refuses to migrate past a migration recorded as failed, as prisma migrate deploy does', async () => {
    test = await createTestDatabase(provider);
    await migrate({ url: test.url });
    const runner = await openSqlRunner(resolveDatabaseTarget(test.url));
    try {
      await runner.execute(
        'INSERT INTO _prisma_migrations (id, checksum, migration_name, logs, applied_steps_count) VALUES (?, ?, ?, ?, 0)',
        [randomUUID(), 'f'.repeat(64), '29990101000000_half_done', 'boom'],
      );
    } finally {
      await runner.close();
    }
    const failure = await migrate({ url: test.url }).catch((e: unknown) => e);
    expect(isDbError(failure, 'DB_MIGRATION_PREVIOUSLY_FAILED')).toBe(true);
    expect((failure as { details: { migration: string } }).details.migration).toBe(
      '29990101000000_half_done',
    );
  });

  it.runIf(provider === 'sqlite')(
    'migrates from the billkit-db CLI and reports what it applied',
    async () => {
      test = await createTestDatabase(provider);
      const tsx = join(import.meta.dirname, '..', '..', 'node_modules', '.bin', 'tsx');
      const cli = join(import.meta.dirname, '..', '..', 'src', 'cli.ts');
      const run = promisify(execFile);
      const first = await run(tsx, [cli, 'migrate', '--url', test.url]);
      expect(first.stdout).toContain(`applied ${readMigrations(provider)[0]?.name}`);
      const second = await run(tsx, [cli, 'migrate', '--url', test.url]);
      expect(second.stdout).toContain(
        `sqlite: 0 applied, ${readMigrations(provider).length} already applied`,
      );
    },
    60_000,
  );
});

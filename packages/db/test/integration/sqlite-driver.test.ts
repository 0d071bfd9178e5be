import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/index.js';
import { prismaOf } from '../../src/open-database.js';
import { openSqliteFile } from '../../src/sql-runner.js';
import { SQLITE_BUSY_TIMEOUT_MS } from '../../src/sqlite-adapter.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function scratch(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'billkit-sqlite-driver-'));
  dirs.push(dir);
  return join(dir, name);
}

describe('the embedded SQLite driver (libsql)', () => {
  it.each([
    ['a file: URL', (file: string) => `file:${file}`],
    ['a plain path', (file: string) => file],
  ])(
    'opens %s with WAL, the busy timeout, foreign keys and the sync and cache of better-sqlite3, also after a transaction',
    async (_, url) => {
      // `#`, `%` and `?` would be read as URL syntax if the path were not encoded.
      const file = scratch('billing #1 100%?.db');
      const db = await openDatabase({ url: url(file) });
      try {
        expect(db.target).toEqual({ provider: 'sqlite', file });
        const prisma = prismaOf(db);
        await db.tenants.create({ id: 'acme', name: 'Acme', defaultCurrency: 'USD' });
        // The client hands its connection to a transaction and opens a new one for what follows.
        await db.transaction(async (tx) => tx.tenants.get('acme'));
        const pragma = async (name: string) =>
          Object.values(
            (await prisma.$queryRawUnsafe<Record<string, unknown>[]>(`PRAGMA ${name}`))[0] ?? {},
          )[0];
        expect(await pragma('journal_mode')).toBe('wal');
        expect(Number(await pragma('busy_timeout'))).toBe(SQLITE_BUSY_TIMEOUT_MS);
        expect(Number(await pragma('foreign_keys'))).toBe(1);
        // As on better-sqlite3: no fsync per commit in WAL mode (NORMAL), a 16 MB page cache.
        expect(Number(await pragma('synchronous'))).toBe(1);
        expect(Number(await pragma('cache_size'))).toBe(-16_000);
        await expect(
          prisma.$executeRawUnsafe(
            `INSERT INTO "TaxRateTable" ("tenantId", "definition", "updatedAt") VALUES ('nobody', '{}', '2026-01-01')`,
          ),
        ).rejects.toThrow(/FOREIGN KEY/i);
      } finally {
        await db.close();
      }
    },
  );

  // @prisma/adapter-libsql's client opened a connection per transaction and kept it until GC
  // (libsql-client-ts#350): about two more open files per transaction, until the process ran out.
  it.runIf(existsSync('/proc/self/fd'))(
    'keeps one connection: open files do not grow over 200 transactions',
    async () => {
      const db = await openDatabase({ url: scratch('billing.db') });
      const openFiles = () => readdirSync('/proc/self/fd').length;
      const transact = (i: number) =>
        db.transaction(async (tx) => {
          await tx.tenants.get('acme');
          await tx.auditLog.append('acme', {
            type: 'tenant.touched',
            entityType: 'tenant',
            entityId: 'acme',
            data: { i },
          });
        });
      try {
        await db.tenants.create({ id: 'acme', name: 'Acme', defaultCurrency: 'USD' });
        for (let i = 0; i < 10; i++) await transact(i);
        const before = openFiles();
        for (let i = 0; i < 200; i++) await transact(i);
        expect(openFiles() - before).toBeLessThanOrEqual(2);
        expect(await db.verifyAuditChain('acme')).toMatchObject({ valid: true, events: 210 });
      } finally {
        await db.close();
      }
    },
  );

  it('runs concurrent transactions one at a time on its one connection, each seeing the last commit', async () => {
    const db = await openDatabase({ url: scratch('billing.db') });
    try {
      await db.tenants.create({ id: 'acme', name: 'Acme', defaultCurrency: 'USD' });
      // Each transaction reads the chain head and appends after it: interleaved, two would fork the chain.
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          db.transaction((tx) =>
            tx.auditLog.append('acme', {
              type: 'tenant.touched',
              entityType: 'tenant',
              entityId: 'acme',
              data: { i },
            }),
          ),
        ),
      );
      expect(await db.verifyAuditChain('acme')).toMatchObject({ valid: true, events: 20 });
    } finally {
      await db.close();
    }
  });

  it('reads the new columns through a reused statement after another connection alters its table', async () => {
    const file = scratch('billing.db');
    const db = await openDatabase({ url: file });
    try {
      const prisma = prismaOf(db);
      await prisma.$executeRawUnsafe('CREATE TABLE "Scratch" ("id" TEXT PRIMARY KEY)');
      await prisma.$executeRawUnsafe(`INSERT INTO "Scratch" ("id") VALUES ('a')`);
      const readAll = () => prisma.$queryRawUnsafe<Record<string, unknown>[]>('SELECT * FROM "Scratch"');
      expect(await readAll()).toEqual([{ id: 'a' }]);
      const other = openSqliteFile(file);
      other.exec(`ALTER TABLE "Scratch" ADD COLUMN "note" TEXT NOT NULL DEFAULT 'n'`);
      other.close();
      expect(await readAll()).toEqual([{ id: 'a', note: 'n' }]);
    } finally {
      await db.close();
    }
  });
});

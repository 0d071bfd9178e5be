import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveDatabaseTarget } from '../../src/database-url.js';
import { openDatabase, seedDemoTenant } from '../../src/index.js';
import { openSqlRunner } from '../../src/sql-runner.js';
import { createTestDatabase, providers, type TestDatabase } from './databases.js';
import { invoice } from './fixtures.js';

const scripts = join(import.meta.dirname, '..', '..', 'scripts');

/** Every row of every table (the migrations table included), as sorted JSON per table. */
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
    const out: Record<string, string[]> = {};
    for (const { name } of tables) {
      const quoted = runner.provider === 'sqlite' ? `"${name}"` : `\`${name}\``;
      const rows = await runner.query(`SELECT * FROM ${quoted}`);
      out[name] = rows
        .map((row) => JSON.stringify(row, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)))
        .sort();
    }
    return out;
  } finally {
    await runner.close();
  }
}

async function wipe(provider: 'sqlite' | 'mysql', url: string): Promise<void> {
  const target = resolveDatabaseTarget(url);
  if (target.provider === 'sqlite') {
    rmSync(target.file, { force: true });
    rmSync(`${target.file}-wal`, { force: true });
    rmSync(`${target.file}-shm`, { force: true });
    return;
  }
  const runner = await openSqlRunner(target);
  try {
    await runner.execute(`DROP DATABASE \`${target.database}\``);
    await runner.execute(`CREATE DATABASE \`${target.database}\``);
  } finally {
    await runner.close();
  }
  expect(provider).toBe('mysql');
}

describe.each(providers)('seed, backup and restore on %s', (provider) => {
  let test: TestDatabase | undefined;
  afterEach(async () => {
    await test?.drop();
    test = undefined;
  });

  it('seeds the demo waste-collection tenant once and leaves a second run without effect', async () => {
    test = await createTestDatabase(provider);
    const db = await openDatabase({ url: test.url, migrate: true });
    try {
      const first = await seedDemoTenant(db);
      const again = await seedDemoTenant(db);
      expect(first.alreadySeeded).toBe(false);
      expect(again.alreadySeeded).toBe(true);
      const price = await db.prices.getByLookupKey('demo-waste', 'residential_weekly_monthly');
      expect(price).toMatchObject({ billingScheme: 'per_unit', unitAmount: 3499, currency: 'USD' });
      expect(
        (await db.discounts.findPromotionCode('demo-waste', 'firstmonthfree'))?.discountDefinitionId,
      ).toBe('first_month_free');
      // Chicago: 6.25 % state + 1.75 % Cook + 1.25 % city + 1 % RTA = 10.25 %.
      const chicago = await db.taxRates.ratesInForce('demo-waste', '2026-03-01T00:00:00.000Z', [
        'US-IL',
        'US-IL-COOK',
        'US-IL-CHICAGO',
        'US-IL-RTA',
      ]);
      expect(chicago.map((r) => r.rate).sort()).toEqual(['0.01', '0.0125', '0.0175', '0.0625']);
      expect(await db.subscriptions.list('demo-waste')).toHaveLength(3);
      expect((await db.verifyAuditChain('demo-waste')).valid).toBe(true);
    } finally {
      await db.close();
    }
  });

  it('backs up, wipes and restores every row of every table', async () => {
    test = await createTestDatabase(provider);
    const db = await openDatabase({ url: test.url, migrate: true });
    try {
      await seedDemoTenant(db);
      // Some rows outside the seed: an invoice with lines, discounts and taxes, and a webhook with an odd body.
      await db.invoices.create(
        'demo-waste',
        invoice({
          customerId: 'cus_ruth_senior',
          subscriptionId: 'sub_ruth_trash',
          priceId: 'price_res_trash_monthly',
        }),
      );
      await db.webhookEvents.record('demo-waste', {
        provider: 'stripe',
        eventId: 'evt_1',
        type: 'x',
        rawBody: 'line1\nline2 \'quoted\' "double" \\ ✓',
      });
    } finally {
      await db.close();
    }
    const before = await snapshot(test.url);
    expect(before.Invoice).toHaveLength(1);
    const dir = mkdtempSync(join(tmpdir(), 'billkit-backup-'));
    const env = { ...process.env, DATABASE_URL_BILLING: test.url };
    const file = join(dir, provider === 'mysql' ? 'billing.sql.gz' : 'billing.sqlite.gz');
    try {
      const printed = execFileSync('bash', [join(scripts, 'backup-billing-db.sh'), file], {
        env,
        encoding: 'utf8',
      }).trim();
      expect(printed).toBe(file);
      await wipe(provider, test.url);
      const empty = await snapshot(test.url).catch(() => ({}));
      expect(Object.values(empty).flat()).toEqual([]);
      execFileSync('bash', [join(scripts, 'restore-billing-db.sh'), file], { env, encoding: 'utf8' });
      expect(await snapshot(test.url)).toEqual(before);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

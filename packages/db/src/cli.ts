#!/usr/bin/env node
import { Command } from 'commander';
import { migrate } from './migrate.js';
import { openDatabase } from './open-database.js';
import { seedDemoTenant } from './seed.js';

// billkit-db migrate | seed — the operations entry point. The connection string comes from --url or
// DATABASE_URL_BILLING; without either, the SQLite file ./data/billing.db is used.

const program = new Command('billkit-db').description('billing_db operations for billkit');

program
  .command('migrate')
  .description('apply pending migrations (recorded in _prisma_migrations)')
  .option('--url <url>', 'connection string (default: DATABASE_URL_BILLING, else ./data/billing.db)')
  .option('--data-dir <dir>', 'directory of the SQLite file when no URL is given')
  .action(async (options: { url?: string; dataDir?: string }) => {
    const result = await migrate({
      ...(options.url !== undefined ? { url: options.url } : {}),
      ...(options.dataDir !== undefined ? { dataDir: options.dataDir } : {}),
    });
    for (const name of result.applied) console.log(`applied ${name}`);
    for (const name of result.modified) console.warn(`warning: ${name} was modified after it was applied`);
    console.log(
      `${result.provider}: ${result.applied.length} applied, ${result.alreadyApplied.length} already applied`,
    );
  });

program
  .command('seed')
  .description('migrate, then load the demo tenant (a waste-collection business); safe to run twice')
  .option('--url <url>', 'connection string (default: DATABASE_URL_BILLING, else ./data/billing.db)')
  .option('--data-dir <dir>', 'directory of the SQLite file when no URL is given')
  .option('--tenant <id>', 'tenant id of the demo tenant', 'demo-waste')
  .action(async (options: { url?: string; dataDir?: string; tenant: string }) => {
    const db = await openDatabase({
      ...(options.url !== undefined ? { url: options.url } : {}),
      ...(options.dataDir !== undefined ? { dataDir: options.dataDir } : {}),
      migrate: true,
    });
    try {
      const summary = await seedDemoTenant(db, { tenantId: options.tenant });
      console.log(JSON.stringify(summary, null, 2));
    } finally {
      await db.close();
    }
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  const code = (error as { code?: unknown }).code;
  console.error(
    error instanceof Error ? `${typeof code === 'string' ? `${code}: ` : ''}${error.message}` : error,
  );
  process.exitCode = 1;
});

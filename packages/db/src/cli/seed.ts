import { Command } from 'commander';
import { openDatabase } from '../open-database.js';
import { seedDemoTenant } from '../seed.js';
import { type ConnectionOptions, connectionOf, withConnection } from './connection.js';
import type { CliIo } from './io.js';

export function seedCommand(io: CliIo): Command {
  return withConnection(new Command('seed'))
    .description('migrate, then load the demo tenant (a waste-collection business); safe to run twice')
    .option('--tenant <id>', 'tenant id of the demo tenant', 'demo-waste')
    .action(async (options: ConnectionOptions & { tenant: string }) => {
      const db = await openDatabase({ ...connectionOf(options), migrate: true });
      try {
        const summary = await seedDemoTenant(db, { tenantId: options.tenant });
        io.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
      } finally {
        await db.close();
      }
    });
}

import { Command } from 'commander';
import { openDatabase } from '../open-database.js';
import {
  type ConnectionOptions,
  connectionOf,
  describeTarget,
  targetOf,
  withConnection,
} from './connection.js';
import type { CliIo } from './io.js';
import { startProgress } from './progress.js';

/** Exit code 1 when any tenant's audit hash chain is broken; each break names the tenant and the event seq. */
export function verifyAuditCommand(io: CliIo, exit: (code: number) => void): Command {
  return withConnection(new Command('verify-audit'))
    .description("recompute every tenant's audit hash chain (or one tenant's); exits 1 on a broken chain")
    .option('--tenant <id>', 'verify this tenant only')
    .option('-q, --quiet', 'no progress output')
    .action(async (options: ConnectionOptions & { tenant?: string; quiet?: boolean }) => {
      const db = await openDatabase({ ...connectionOf(options), migrate: false });
      try {
        const tenants = options.tenant ? [options.tenant] : (await db.tenants.list()).map((t) => t.id);
        if (options.tenant && !(await db.tenants.get(options.tenant))) {
          io.stderr.write(
            `tenant ${options.tenant} does not exist in ${describeTarget(targetOf(options))}\n`,
          );
          exit(1);
          return;
        }
        const progress = startProgress('verify-audit', {
          unit: 'tenants',
          total: tenants.length,
          ...(options.quiet !== undefined ? { quiet: options.quiet } : {}),
          stream: io.stderr,
        });
        const broken: string[] = [];
        let events = 0;
        try {
          for (const [index, tenantId] of tenants.entries()) {
            const result = await db.verifyAuditChain(tenantId);
            events += result.events;
            if (!result.valid)
              broken.push(
                `tenant ${tenantId}: chain broken at seq ${result.brokenAtSeq} (${result.reason}): ${result.message}`,
              );
            progress.update(index + 1, tenantId);
          }
        } finally {
          progress.stop();
        }
        for (const line of broken) io.stdout.write(`${line}\n`);
        io.stdout.write(
          `${tenants.length - broken.length} of ${tenants.length} tenant chain(s) intact (${events} events verified)\n`,
        );
        if (broken.length > 0) exit(1);
      } finally {
        await db.close();
      }
    });
}

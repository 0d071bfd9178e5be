import { Command } from 'commander';
import { migrationStatus } from '../migrate.js';
import {
  type ConnectionOptions,
  connectionOf,
  describeTarget,
  targetOf,
  withConnection,
} from './connection.js';
import type { CliIo } from './io.js';

const LABEL = {
  applied: 'applied',
  drifted: 'DRIFTED (file changed after it was applied)',
  pending: 'pending',
  failed: 'FAILED (resolve with prisma migrate resolve)',
  unknown: 'UNKNOWN to this @billkit/db (the database is newer: upgrade @billkit/db)',
} as const;

/** Exit code 1 unless every migration is applied unchanged (nothing pending, drifted, failed or unknown). */
export function statusCommand(io: CliIo, exit: (code: number) => void): Command {
  return withConnection(new Command('status'))
    .description(
      'list applied and pending migrations and checksum drift; exits 1 unless the database is up to date',
    )
    .option('--json', 'print the status as JSON')
    .action(async (options: ConnectionOptions & { json?: boolean }) => {
      const status = await migrationStatus(connectionOf(options));
      if (options.json) io.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
      else {
        io.stdout.write(`${describeTarget(targetOf(options))}\n`);
        for (const m of status.migrations)
          io.stdout.write(`  ${m.name}  ${LABEL[m.state]}${m.appliedAt ? `  ${m.appliedAt}` : ''}\n`);
        const count = (state: keyof typeof LABEL) =>
          status.migrations.filter((m) => m.state === state).length;
        io.stdout.write(
          status.upToDate
            ? `up to date: ${count('applied')} applied\n`
            : `not up to date: ${count('pending')} pending, ${count('drifted')} drifted, ${count('failed')} failed, ${count('unknown')} unknown${count('pending') ? ' — run billkit-db migrate' : ''}\n`,
        );
      }
      if (!status.upToDate) exit(1);
    });
}

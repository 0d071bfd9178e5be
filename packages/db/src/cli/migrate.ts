import { Command } from 'commander';
import { migrate } from '../migrate.js';
import {
  type ConnectionOptions,
  connectionOf,
  describeTarget,
  targetOf,
  withConnection,
} from './connection.js';
import type { CliIo } from './io.js';
import { type Progress, startProgress } from './progress.js';

export function migrateCommand(io: CliIo): Command {
  return withConnection(new Command('migrate'))
    .description('apply pending migrations (recorded in _prisma_migrations, as `prisma migrate deploy` does)')
    .option('-q, --quiet', 'no progress output')
    .action(async (options: ConnectionOptions & { quiet?: boolean }) => {
      let progress: Progress | undefined;
      const result = await migrate({
        ...connectionOf(options),
        onMigration: ({ migration, done, total }) => {
          // One migration is quick; several can take a while on a large database.
          if (total > 1)
            progress ??= startProgress(`migrate ${describeTarget(targetOf(options))}`, {
              unit: 'migrations',
              total,
              ...(options.quiet !== undefined ? { quiet: options.quiet } : {}),
              stream: io.stderr,
            });
          progress?.update(done, migration);
        },
      }).catch((error: unknown) => {
        progress?.stop();
        throw error;
      });
      progress?.update(result.applied.length, 'done');
      progress?.stop();
      for (const name of result.applied) io.stdout.write(`applied ${name}\n`);
      for (const name of result.modified)
        io.stderr.write(`warning: ${name} was modified after it was applied\n`);
      io.stdout.write(
        `${result.provider}: ${result.applied.length} applied, ${result.alreadyApplied.length} already applied\n`,
      );
    });
}

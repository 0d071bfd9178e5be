import { Command, CommanderError } from 'commander';
import { backupCommand } from './backup.js';
import { type CliIo, packageVersion, processIo } from './io.js';
import { migrateCommand } from './migrate.js';
import { restoreCommand } from './restore.js';
import { seedCommand } from './seed.js';
import { statusCommand } from './status.js';
import { verifyAuditCommand } from './verify-audit.js';

/**
 * Runs `billkit-db` with the arguments after the program name and resolves to the exit code: 0, 1 for a
 * failure or a check that did not pass (status, verify-audit), commander's code for a usage error. Errors
 * print as `CODE: message` on stderr.
 *
 * @example
 * process.exitCode = await runCli(['status', '--url', 'file:./data/billing.db']);
 */
export async function runCli(args: string[], io: CliIo = processIo): Promise<number> {
  let exitCode = 0;
  const exit = (code: number) => {
    exitCode = code;
  };
  const program = new Command('billkit-db')
    .description(
      'billing_db operations for billkit. The database is --url, else DATABASE_URL_BILLING, else <data-dir>/billing.db (SQLite).',
    )
    .version(packageVersion(), '-V, --version', 'print the @billkit/db version')
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .showHelpAfterError('(run billkit-db <command> --help for its options)')
    .exitOverride();
  // Subcommands made with `new Command` inherit nothing: give each the program's output and exit handling.
  for (const command of [
    migrateCommand(io),
    statusCommand(io, exit),
    backupCommand(io),
    restoreCommand(io),
    verifyAuditCommand(io, exit),
    seedCommand(io),
  ])
    program.addCommand(command.copyInheritedSettings(program));
  try {
    await program.parseAsync(args, { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    const code = (error as { code?: unknown }).code;
    io.stderr.write(
      `${error instanceof Error ? `${typeof code === 'string' ? `${code}: ` : ''}${error.message}` : String(error)}\n`,
    );
    return 1;
  }
}

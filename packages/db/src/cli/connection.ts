import type { Command } from 'commander';
import { type DatabaseTarget, resolveDatabaseTarget } from '../database-url.js';

/** The connection options every command takes. */
export interface ConnectionOptions {
  url?: string;
  dataDir?: string;
}

/** Adds `--url` and `--data-dir` to a command. */
export function withConnection(command: Command): Command {
  return command
    .option('--url <url>', 'connection string (default: DATABASE_URL_BILLING, else <data-dir>/billing.db)')
    .option(
      '--data-dir <dir>',
      'directory of the SQLite file when no URL is given (default: BILLING_DATA_DIR, else ./data)',
    );
}

/** The options as `openDatabase` / `migrate` take them (`BILLING_DATA_DIR` as the scripts always read it). */
export function connectionOf(options: ConnectionOptions): { url?: string; dataDir?: string } {
  const dataDir = options.dataDir ?? process.env.BILLING_DATA_DIR;
  return {
    ...(options.url !== undefined ? { url: options.url } : {}),
    ...(dataDir !== undefined ? { dataDir } : {}),
  };
}

export function targetOf(options: ConnectionOptions): DatabaseTarget {
  const { url, dataDir } = connectionOf(options);
  return resolveDatabaseTarget(url, dataDir !== undefined ? { dataDir } : {});
}

/** The target for messages: never the password. */
export function describeTarget(target: DatabaseTarget): string {
  return target.provider === 'sqlite'
    ? `SQLite ${target.file}`
    : `MySQL ${target.user}@${target.host}:${target.port}/${target.database}`;
}

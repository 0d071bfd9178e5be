import { mkdirSync, rmSync } from 'node:fs';
import { assertMariaDbReachable, dropStaleScratchDatabases } from './mariadb.js';
import { LOG_DIR, RESULTS_DIR } from './paths.js';

/** Fails the run at once when MariaDB is not answering: every suite needs it (it is always there in CI). */
export default async function setup(): Promise<void> {
  rmSync(RESULTS_DIR, { recursive: true, force: true });
  mkdirSync(LOG_DIR, { recursive: true });
  await assertMariaDbReachable();
  await dropStaleScratchDatabases();
}

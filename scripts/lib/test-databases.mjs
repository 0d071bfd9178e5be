// Which databases the integration suites will use, said before the tests start and again after, so a run
// never silently skips MariaDB. The suites decide the same way: SQLite always; MariaDB when the server named by
// BILLKIT_TEST_MARIADB_URL (default mysql://root@127.0.0.1:3306) accepts a TCP connection; with CI=true an
// unreachable MariaDB fails the suites instead of skipping them.
import { createConnection } from 'node:net';

export const DEFAULT_MARIADB_URL = 'mysql://root@127.0.0.1:3306/mysql';

/** Resolves true when host:port accepts a TCP connection within `timeoutMs`. */
export function acceptsConnections(host, port, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    const done = (result) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs);
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

/** One line per database: whether its suites run, and what to do when they would be skipped. */
export async function describeTestDatabases(env = process.env) {
  const url = new URL(env.BILLKIT_TEST_MARIADB_URL ?? DEFAULT_MARIADB_URL);
  const host = url.hostname;
  const port = Number(url.port || 3306);
  const up = await acceptsConnections(host, port);
  const mariadb = up
    ? `MariaDB at ${host}:${port}: reachable, its suites run`
    : env.CI === 'true'
      ? `MariaDB at ${host}:${port}: NOT reachable; with CI=true its suites fail (start MariaDB)`
      : `MariaDB at ${host}:${port}: NOT reachable, its suites are SKIPPED (start MariaDB, or set BILLKIT_TEST_MARIADB_URL)`;
  return { mariadbRuns: up, lines: ['SQLite (embedded): its suites run', mariadb] };
}

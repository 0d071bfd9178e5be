import { randomBytes } from 'node:crypto';
import mariadb from 'mariadb';

const CONNECTION = { host: '127.0.0.1', port: 3306, user: 'root', password: '' } as const;
const SCRATCH_PREFIX = 'billkit_rel_';

/** A short-lived root connection (not pooled: the suites kill pooled connections on purpose). */
export async function withConnection<T>(
  work: (conn: mariadb.Connection) => Promise<T>,
  database?: string,
): Promise<T> {
  const conn = await mariadb.createConnection({
    ...CONNECTION,
    ...(database ? { database } : {}),
    connectTimeout: 5_000,
    bigIntAsNumber: true,
    insertIdAsNumber: true,
  });
  try {
    return await work(conn);
  } finally {
    await conn.end().catch(() => conn.destroy());
  }
}

export async function assertMariaDbReachable(): Promise<void> {
  try {
    await withConnection((conn) => conn.query('SELECT 1'));
  } catch (error) {
    throw new Error(
      `MariaDB is not reachable on 127.0.0.1:3306 as root (${(error as Error).message}). ` +
        'The reliability suite runs only against a real MariaDB; .ci/run starts one.',
    );
  }
}

/** Scratch databases older than a run that crashed before dropping them. */
export async function dropStaleScratchDatabases(): Promise<void> {
  await withConnection(async (conn) => {
    const rows = (await conn.query('SHOW DATABASES')) as { Database: string }[];
    for (const { Database } of rows) {
      if (isStale(Database)) await conn.query(`DROP DATABASE \`${Database}\``);
    }
  });
}

/** Scratch databases left by runs that ended over 3 hours ago: another run on this machine may be using newer ones. */
const STALE_AFTER_MS = 3 * 60 * 60 * 1000;

function isStale(name: string): boolean {
  if (!name.startsWith(SCRATCH_PREFIX)) return false;
  // `billkit_rel_<label>_t<created, base 36>_<random>`. A name without the stamp is another version's:
  // it cannot be dated, so it is left alone (that version drops its own).
  const stamp = /_t([0-9a-z]+)_[0-9a-f]+$/.exec(name)?.[1];
  if (stamp === undefined) return false;
  return Date.now() - Number.parseInt(stamp, 36) * 1000 > STALE_AFTER_MS;
}

export interface ScratchDatabase {
  readonly name: string;
  readonly url: string;
  drop(): Promise<void>;
}

/** An empty database `billkit_rel_<random>`; the API migrates it on start. */
export async function createScratchDatabase(label: string): Promise<ScratchDatabase> {
  const stamp = Math.floor(Date.now() / 1000).toString(36);
  const name = `${SCRATCH_PREFIX}${label}_t${stamp}_${randomBytes(4).toString('hex')}`;
  await withConnection((conn) => conn.query(`CREATE DATABASE \`${name}\``));
  return {
    name,
    url: `mysql://root@127.0.0.1:3306/${name}`,
    drop: () => withConnection((conn) => conn.query(`DROP DATABASE IF EXISTS \`${name}\``)).then(() => {}),
  };
}

export async function listTables(database: string): Promise<string[]> {
  return withConnection(async (conn) => {
    const rows = (await conn.query(
      'SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME',
      [database],
    )) as { name: string }[];
    return rows.map((r) => r.name);
  });
}

/**
 * `CHECKSUM TABLE` of every table. `ApiKey` is reduced to the columns a request must never change
 * (authenticating a key may stamp `lastUsedAt`, which is bookkeeping, not data).
 */
export async function checksumAllTables(database: string): Promise<Record<string, string>> {
  const tables = await listTables(database);
  return withConnection(async (conn) => {
    const result: Record<string, string> = {};
    for (const table of tables) {
      if (table === 'ApiKey') {
        const rows = (await conn.query(
          "SELECT COUNT(*) AS n, COALESCE(SUM(CRC32(CONCAT_WS('|', id, tenantId, hashedKey, scopes, COALESCE(revokedAt, '')))), 0) AS crc FROM `ApiKey`",
        )) as { n: number; crc: number | string }[];
        result[table] = `${rows[0]?.n}:${rows[0]?.crc}`;
        continue;
      }
      const rows = (await conn.query(`CHECKSUM TABLE \`${table}\``)) as {
        Checksum: number | string | null;
      }[];
      result[table] = String(rows[0]?.Checksum);
    }
    return result;
  }, database);
}

/** Kills every connection the API holds to `database` (not ours); returns how many. */
export async function killConnectionsTo(database: string): Promise<number> {
  return withConnection(async (conn) => {
    const own = (await conn.query('SELECT CONNECTION_ID() AS id')) as { id: number }[];
    const rows = (await conn.query(
      'SELECT ID AS id FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> ?',
      [database, own[0]?.id ?? 0],
    )) as { id: number }[];
    let killed = 0;
    for (const { id } of rows) {
      try {
        await conn.query(`KILL ${Number(id)}`);
        killed += 1;
      } catch {
        // already gone
      }
    }
    return killed;
  });
}

/** Every string cell of every table, for scanning the database for plaintext secrets. */
export async function dumpAllText(database: string): Promise<{ table: string; text: string }[]> {
  const tables = await listTables(database);
  return withConnection(async (conn) => {
    const out: { table: string; text: string }[] = [];
    for (const table of tables) {
      const rows = (await conn.query(`SELECT * FROM \`${table}\``)) as Record<string, unknown>[];
      out.push({
        table,
        text: rows
          .map((row) =>
            Object.values(row)
              .map((v) => (Buffer.isBuffer(v) ? v.toString('utf8') : String(v)))
              .join('\u0001'),
          )
          .join('\n'),
      });
    }
    return out;
  }, database);
}

/** Runs one read query against the scratch database. */
export async function query<T>(database: string, sql: string, params: unknown[] = []): Promise<T[]> {
  return withConnection(async (conn) => (await conn.query(sql, params)) as T[], database);
}

import { PrismaMariaDb } from '@prisma/adapter-mariadb';
import type { BillingClient, BillingPrismaClient, Provider } from './client.js';
import {
  ConnectionGuard,
  DEFAULT_GUARD_SETTINGS,
  type DriverPool,
  verifyConnection,
} from './connection-guard.js';
import { type DatabaseTarget, type PoolOptions, resolveDatabaseTarget } from './database-url.js';
import type { EncryptionKeys } from './encryption.js';
import { PrismaClient as MysqlPrismaClient } from './generated/mysql/client.js';
import { PrismaClient as SqlitePrismaClient } from './generated/sqlite/client.js';
import { migrate } from './migrate.js';
import { createRepositories, type Repositories } from './repositories.js';
import { atomic, type Scope } from './scope.js';
import { mariadbPoolConfig, openSqliteFile, sessionInitSql } from './sql-runner.js';
import type { SqliteConnection } from './sqlite/adapter.js';
import { openSqliteConnection, sqliteAdapter } from './sqlite-adapter.js';
import { type RawDatabase, type RawMysql, type RuntimeDataModel, rawReader } from './store/raw-client.js';

export interface OpenDatabaseOptions {
  /** `mysql://…` / `mariadb://…` for MariaDB/MySQL, `file:…` or a path for SQLite. Default: `DATABASE_URL_BILLING`. */
  url?: string;
  /** Where the SQLite file goes when no URL is set (default `./data`, file `billing.db`). */
  dataDir?: string;
  /** MariaDB pool settings; override the URL's. */
  pool?: PoolOptions;
  /** Apply pending migrations first. Default: true for SQLite (the embedded default just works), false for MySQL. */
  migrate?: boolean;
  /**
   * Keys for the encrypted columns (gateway credentials). Default: `loadEncryptionKeys()` from
   * `BILLKIT_ENCRYPTION_KEY` / `_KEY_ID` / `_KEYS_OLD`, read when a credential is first saved or loaded.
   */
  encryptionKeys?: EncryptionKeys;
}

/** An open billing_db: the repositories and transactions over them (the Prisma client behind them is internal). */
export interface BillingDatabase extends Repositories {
  readonly provider: Provider;
  readonly target: DatabaseTarget;
  /**
   * Runs `fn` in one database transaction: every repository call on `tx` commits together or not at all —
   * all of them, idempotency records, audit events, webhook events, API keys and the balance ledger included.
   *
   * @example
   * await db.transaction(async (tx) => {
   *   await tx.customers.save(tenantId, customer);
   *   await tx.auditLog.append(tenantId, { type: 'customer.created', entityType: 'customer', entityId: customer.id, data: {} });
   * });
   */
  transaction<T>(fn: (tx: Repositories) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * Opens billing_db: MariaDB/MySQL when the URL (or `DATABASE_URL_BILLING`) is `mysql://` or `mariadb://`,
 * otherwise SQLite in `<dataDir>/billing.db` (default `./data/billing.db`, created on first run). A MariaDB
 * URL that cannot connect (wrong password, port, host or database) fails here within about 2 s with
 * `DB_CONNECTION_FAILED` and the server's reason; a database without its tables fails its first query with
 * `DB_NOT_MIGRATED`.
 *
 * @example
 * const db = await openDatabase({ url: 'file:./data/billing.db' });
 * const tenant = await db.tenants.create({ id: 'acme', name: 'Acme Waste', defaultCurrency: 'USD' });
 * await db.close();
 */
export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<BillingDatabase> {
  const target = resolveDatabaseTarget(options.url, {
    ...(options.dataDir !== undefined ? { dataDir: options.dataDir } : {}),
    ...(options.pool !== undefined ? { pool: options.pool } : {}),
  });
  const shouldMigrate = options.migrate ?? target.provider === 'sqlite';
  if (target.provider === 'sqlite') openSqliteFile(target.file).close();
  // A wrong password, port, host or database answers now, with the server's reason (DB_CONNECTION_FAILED);
  // migrating creates a missing database, so then only the server is checked.
  else await verifyConnection(target, { database: !shouldMigrate });
  if (shouldMigrate) {
    await migrate({
      url:
        target.provider === 'sqlite'
          ? `file:${target.file}`
          : (options.url ?? process.env.DATABASE_URL_BILLING ?? ''),
      ...(options.pool !== undefined ? { pool: options.pool } : {}),
    });
  }
  let prisma: BillingPrismaClient;
  let close: () => Promise<void>;
  let raw: RawDatabase;
  if (target.provider === 'sqlite') {
    const shared = acquireSqliteClient(target.file);
    prisma = shared.prisma;
    close = shared.release;
    raw = { provider: 'sqlite', connection: shared.connection, dataModel: dataModelOf(prisma) };
  } else {
    const pool = guardedMariaDbPool(target);
    const client = new MysqlPrismaClient({
      // Text protocol: one round trip per statement. The binary protocol prepares each statement first
      // (and the adapter turns the driver's statement cache off, as the cache can leak server-side
      // statements), which doubles the round trips of every query.
      adapter: new PrismaMariaDb(pool.pool as unknown as ConstructorParameters<typeof PrismaMariaDb>[0], {
        database: target.database,
        useTextProtocol: true,
      }),
    });
    prisma = client as unknown as BillingPrismaClient;
    raw = {
      provider: 'mysql',
      pool: pool.pool as unknown as RawMysql['pool'],
      dataModel: dataModelOf(prisma),
    };
    close = async () => {
      await client.$disconnect();
      await pool.close();
    };
  }
  const scope: Scope = {
    provider: target.provider,
    // Every statement on the driver (raw-client.ts); Prisma's client runs none of them.
    client: rawReader(raw) as BillingClient,
    inTransaction: false,
    raw,
  };
  const repositoryOptions = { encryptionKeys: options.encryptionKeys };
  const db: BillingDatabase = {
    ...createRepositories(scope, repositoryOptions),
    provider: target.provider,
    target,
    transaction: (fn) => atomic(scope, (tx) => fn(createRepositories(tx, repositoryOptions))),
    close,
  };
  clients.set(db, prisma);
  raws.set(db, raw);
  return db;
}

/** The data model of a generated Prisma client (its field types), which the raw client reads rows by. */
function dataModelOf(prisma: BillingPrismaClient): RuntimeDataModel {
  return (prisma as unknown as { _runtimeDataModel: RuntimeDataModel })._runtimeDataModel;
}

const clients = new WeakMap<BillingDatabase, BillingPrismaClient>();

const raws = new WeakMap<BillingDatabase, RawDatabase>();

/** @internal Where a database opened by {@link openDatabase} runs its statements: MySQL's pool, SQLite's connection. */
export function rawOf(db: BillingDatabase): RawDatabase {
  const raw = raws.get(db);
  if (!raw) throw new Error('rawOf: not a database opened by openDatabase');
  return raw;
}

/**
 * The MariaDB pool of an open database: the driver's pool (made by the Prisma adapter, as this package does
 * not use the driver's pool directly), each connection starting with {@link sessionInitSql}, watched by a
 * {@link ConnectionGuard} that checks the server on a one-connection pool of its own when work stalls.
 * `openDatabase` has made one connection already (`verifyConnection`); a server that goes away later fails
 * requests with `DB_UNAVAILABLE`.
 */
function guardedMariaDbPool(target: Extract<DatabaseTarget, { provider: 'mysql' }>): {
  pool: DriverPool;
  close(): Promise<void>;
} {
  const driverPool = (config: Record<string, unknown>) =>
    new PrismaMariaDb(config)
      .connect()
      .then((adapter) => adapter.underlyingDriver() as unknown as DriverPool);
  const main = driverPool({ ...mariadbPoolConfig(target), initSql: sessionInitSql(target) });
  main.catch(() => undefined); // reported to whoever asks for a connection
  const settings = DEFAULT_GUARD_SETTINGS;
  let probePool: Promise<DriverPool> | null = null;
  const probe = async () => {
    probePool ??= driverPool({
      ...mariadbPoolConfig({
        ...target,
        pool: {
          // (The driver's pool never opens a connection with `minimumIdle: 0`: keep its default, one.)
          connectionLimit: 1,
          acquireTimeout: settings.probeTimeoutMs,
          connectTimeout: settings.probeTimeoutMs,
        },
      }),
      // The pool pings an idle connection before handing it out: a dead one fails at once and is replaced;
      // only the probe's own deadline decides that the server does not answer.
      pingTimeout: settings.probeTimeoutMs,
    });
    const connection = await (await probePool).getConnection();
    try {
      await connection.query('SELECT 1');
    } finally {
      await connection.release().catch(() => undefined);
    }
  };
  const guard = new ConnectionGuard(probe, settings);
  // The Prisma adapter wants a pool now; the driver's pool comes when its adapter has asked the version.
  const lazy: DriverPool = {
    getConnection: async () => (await main).getConnection(),
    end: async () => (await main).end(),
  };
  return {
    pool: guard.wrap(lazy),
    async close() {
      guard.stop();
      await (await main).end().catch(() => undefined);
      if (probePool) await (await probePool).end().catch(() => undefined);
    },
  };
}

/**
 * @internal The Prisma client of a database opened by {@link openDatabase}: for this package's own modules
 * (the tenant store) and tests. Not exported from the package.
 */
export function prismaOf(db: BillingDatabase): BillingPrismaClient {
  const prisma = clients.get(db);
  if (!prisma) throw new Error('prismaOf: not a database opened by openDatabase');
  return prisma;
}

// libsql is synchronous: two connections to one file in one process, each inside a transaction,
// would block the event loop on each other's lock. So a process opens each SQLite file once and every
// `openDatabase` on it shares that connection, whose transactions take turns. Separate processes are
// serialised by SQLite's own file lock (busy timeout 10 s). The Prisma client over it (for tests and tools
// that ask `prismaOf`) is made but runs no query, so its query compiler is never loaded.
const sqliteClients = new Map<
  string,
  { connection: SqliteConnection; prisma: BillingPrismaClient; refs: number }
>();

function acquireSqliteClient(file: string): {
  connection: SqliteConnection;
  prisma: BillingPrismaClient;
  release: () => Promise<void>;
} {
  let entry = sqliteClients.get(file);
  if (!entry) {
    // Foreign keys: libsql enforces them on every connection by default, so no PRAGMA is needed here.
    const connection = openSqliteConnection(file);
    const prisma = new SqlitePrismaClient({ adapter: sqliteAdapter(connection) });
    entry = { connection, prisma, refs: 0 };
    sqliteClients.set(file, entry);
  }
  entry.refs += 1;
  const held = entry;
  let released = false;
  return {
    connection: held.connection,
    prisma: held.prisma,
    release: async () => {
      if (released) return;
      released = true;
      held.refs -= 1;
      if (held.refs === 0) {
        sqliteClients.delete(file);
        await held.prisma.$disconnect();
        // Its last transaction ends before the file closes.
        const release = await held.connection.nextTurn();
        held.connection.close();
        release();
      }
    },
  };
}

// Ported from Prisma's @prisma/adapter-better-sqlite3 7.10.0, src/better-sqlite3.ts (Apache-2.0, © Prisma Data,
// Inc.; https://github.com/prisma/prisma/tree/7.10.0/packages/adapter-better-sqlite3), over libsql, whose
// `Database` has better-sqlite3's synchronous API but ships prebuilt Node-API binaries (no compiler, one binary
// for Node 20, 22 and 24). Changes: statements take their arguments in run()/all() (libsql has no `bind`) and
// are reused by SQL text, a transaction whose BEGIN fails releases the lock, and no debug logging. Unlike `@prisma/adapter-libsql`
// (whose client opens a connection per transaction and leaks it until GC, libsql-client-ts#350), the adapter
// runs on ONE connection that its opener owns and serialises transactions on it.
import {
  DriverAdapterError,
  type IsolationLevel,
  type SqlDriverAdapter,
  type SqlDriverAdapterFactory,
  type SqlQuery,
  type SqlQueryable,
  type SqlResultSet,
  type Transaction,
} from '@prisma/driver-adapter-utils';
import Database from 'libsql';
import { getColumnTypes, mapArg, mapRow } from './conversion.js';
import { toDriverAdapterError } from './driver-error.js';

const ADAPTER_NAME = '@billkit/db:libsql';
const CACHED_STATEMENTS = 200;

/**
 * One libsql connection to a SQLite file, its most recently used prepared statements, and the turn its
 * transactions take one at a time. libsql frees a statement's native memory only when V8 collects the
 * object, so preparing every query anew costs CPU and grows RSS until a GC; statements repeat (one text per
 * query shape), so they are kept by SQL text (LRU). Shared by billkit's own statements (raw-client.ts) and,
 * when a test or tool asks for it, Prisma's client through {@link LibsqlAdapterFactory}.
 */
export class SqliteConnection {
  private readonly statements = new Map<string, Database.Statement>();
  // The connection's transactions, one at a time, in the order they were asked for.
  private turn: Promise<void> = Promise.resolve();

  constructor(readonly client: Database.Database) {}

  /**
   * Opens `file` with safe integers (64-bit values come back exact), the busy timeout (in milliseconds) and
   * better-sqlite3's durability and cache settings.
   */
  static open(file: string, busyTimeoutMs: number): SqliteConnection {
    const client = new Database(file, { timeout: busyTimeoutMs });
    client.defaultSafeIntegers(true);
    // better-sqlite3's compiled defaults, which billing_db ran on before libsql: in WAL mode a commit is written
    // to the WAL without an fsync (synced at checkpoints: a power cut may lose the last commits, never corrupts
    // the file) and a 16 MB page cache. libsql's (FULL, 2 MB) cost an fsync per commit: 3-8x the time of a
    // small transaction.
    client.exec('PRAGMA synchronous = NORMAL; PRAGMA cache_size = -16000');
    return new SqliteConnection(client);
  }

  prepare(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (statement) {
      this.statements.delete(sql);
    } else {
      statement = this.client.prepare(sql);
      if (this.statements.size >= CACHED_STATEMENTS) {
        const oldest = this.statements.keys().next().value;
        if (oldest !== undefined) this.statements.delete(oldest);
      }
    }
    this.statements.set(sql, statement);
    return statement;
  }

  /** Waits for the connection's earlier transactions; call the returned function when this one has ended. */
  nextTurn(): Promise<() => void> {
    let release!: () => void;
    const done = new Promise<void>((resolve) => {
      release = resolve;
    });
    const mine = this.turn.then(() => release);
    this.turn = this.turn.then(() => done);
    return mine;
  }

  close(): void {
    this.statements.clear();
    this.client.close();
  }
}

class LibsqlQueryable implements SqlQueryable {
  readonly provider = 'sqlite';
  readonly adapterName = ADAPTER_NAME;

  constructor(protected readonly connection: SqliteConnection) {}

  async queryRaw(query: SqlQuery): Promise<SqlResultSet> {
    try {
      const statement = this.connection.prepare(query.sql);
      const args = bindArgs(query);
      if (!statement.reader) {
        statement.run(args);
        return { columnNames: [], columnTypes: [], rows: [] };
      }
      const rows = statement.raw().all(args) as unknown[][];
      // After the run: SQLite re-prepares a reused statement whose table changed, and columns() follows it.
      const columns = statement.columns();
      const columnTypes = getColumnTypes(
        columns.map((column) => column.type),
        rows,
      );
      return {
        columnNames: columns.map((column) => column.name),
        columnTypes,
        rows: rows.map((row) => mapRow(row, columnTypes)),
      };
    } catch (error) {
      throw toDriverAdapterError(error);
    }
  }

  async executeRaw(query: SqlQuery): Promise<number> {
    try {
      return this.connection.prepare(query.sql).run(bindArgs(query)).changes;
    } catch (error) {
      throw toDriverAdapterError(error);
    }
  }
}

// One array argument: libsql binds its items positionally (several arguments would be flattened).
function bindArgs(query: SqlQuery): unknown[] {
  return query.args.map((arg, i) => mapArg(arg, query.argTypes[i]));
}

class LibsqlTransaction extends LibsqlQueryable implements Transaction {
  // Prisma sends BEGIN's counterpart (COMMIT or ROLLBACK) as a query; commit()/rollback() only end our turn.
  readonly options = { usePhantomQuery: false };

  constructor(
    connection: SqliteConnection,
    private readonly release: () => void,
  ) {
    super(connection);
  }

  async commit(): Promise<void> {
    this.release();
  }

  async rollback(): Promise<void> {
    this.release();
  }

  async createSavepoint(name: string): Promise<void> {
    await this.executeRaw({ sql: `SAVEPOINT ${name}`, args: [], argTypes: [] });
  }

  async rollbackToSavepoint(name: string): Promise<void> {
    await this.executeRaw({ sql: `ROLLBACK TO ${name}`, args: [], argTypes: [] });
  }

  async releaseSavepoint(name: string): Promise<void> {
    await this.executeRaw({ sql: `RELEASE SAVEPOINT ${name}`, args: [], argTypes: [] });
  }
}

class LibsqlAdapter extends LibsqlQueryable implements SqlDriverAdapter {
  async executeScript(script: string): Promise<void> {
    try {
      this.connection.client.exec(script);
    } catch (error) {
      throw toDriverAdapterError(error);
    }
  }

  async startTransaction(isolationLevel?: IsolationLevel): Promise<Transaction> {
    if (isolationLevel && isolationLevel !== 'SERIALIZABLE')
      throw new DriverAdapterError({ kind: 'InvalidIsolationLevel', level: isolationLevel });
    const release = await this.connection.nextTurn();
    try {
      this.connection.client.exec('BEGIN');
    } catch (error) {
      release();
      throw toDriverAdapterError(error);
    }
    return new LibsqlTransaction(this.connection, release);
  }

  async dispose(): Promise<void> {
    // The connection is its opener's (open-database.ts), closed when the last database on the file closes.
  }
}

/**
 * A Prisma driver adapter factory over one open {@link SqliteConnection}: Prisma's transactions take the
 * connection's turn like billkit's own, so both can share the file's one connection in a process.
 *
 * @example
 * new PrismaClient({ adapter: new LibsqlAdapterFactory(SqliteConnection.open('/srv/billing/data/billing.db', 10_000)) });
 */
export class LibsqlAdapterFactory implements SqlDriverAdapterFactory {
  readonly provider = 'sqlite';
  readonly adapterName = ADAPTER_NAME;

  constructor(private readonly connection: SqliteConnection) {}

  async connect(): Promise<SqlDriverAdapter> {
    return new LibsqlAdapter(this.connection);
  }
}

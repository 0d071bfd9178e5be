// Fast, honest failures for a MariaDB/MySQL connection pool.
//
// A server that is down refuses connections, but the pool keeps retrying them until its acquire timeout; a
// server that is frozen (stopped, or a network that drops packets) never answers a statement at all, and a
// socket timeout cannot tell that from a statement legitimately waiting on a lock, while it would also close
// every idle connection. So the guard watches instead: when a statement or a connection request has been
// outstanding for `stallMs`, it asks the server a trivial question on a separate connection. An answer
// means the server is alive (the statement is slow or waits for a lock: it goes on); no answer within
// `probeTimeoutMs` means the server is unreachable: every outstanding statement fails at once (its
// connection is destroyed, so the server rolls its transaction back), and so does every new one, until a
// check succeeds again. Nothing needs restarting.
//
// The guard is for a server that was there and went away. A connection that never worked (a wrong password,
// port, host or database name) is answered before that, at open: see `verifyConnection`.

import * as mariadb from 'mariadb';
import type { DatabaseTarget } from './database-url.js';
import { DbError } from './errors.js';

/** What the guard needs of the mariadb driver's connections (the driver is the Prisma adapter's). */
export interface DriverConnection {
  query(...args: unknown[]): Promise<unknown>;
  release(): Promise<void>;
  destroy(): void;
}

/** What the guard needs of the mariadb driver's pool. */
export interface DriverPool {
  getConnection(): Promise<DriverConnection>;
  end(): Promise<void>;
}

export interface GuardSettings {
  /** A statement or connection request outstanding this long makes the guard check the server (ms). */
  readonly stallMs: number;
  /** How long that check may take before the server counts as unreachable (ms). */
  readonly probeTimeoutMs: number;
  /** While unreachable, how often the server is checked again (ms). */
  readonly recheckMs: number;
}

/** Detection within about 1.3 s (stall + a tick + the probe), well inside the API's 2 s answer. */
export const DEFAULT_GUARD_SETTINGS: GuardSettings = { stallMs: 400, probeTimeoutMs: 800, recheckMs: 500 };

/** How often outstanding work is looked at while there is some (ms). */
const TICK_MS = 50;

interface Outstanding {
  readonly since: number;
  abandon(): void;
}

/**
 * The error the guard fails work with: shaped like the mariadb driver's own (`errno`, `sqlState`), so the
 * Prisma adapter passes it on, and with the client library's "can't connect" / "lost connection" errnos,
 * which `driverFailure` reads as `DB_UNAVAILABLE`.
 */
function unreachable(what: 'connect' | 'statement'): Error {
  const message =
    what === 'connect'
      ? 'billing_db is unreachable: no answer from the server'
      : 'billing_db stopped answering during the statement';
  return Object.assign(new Error(message), {
    errno: what === 'connect' ? 2003 : 2013,
    sqlState: 'HY000',
    sqlMessage: message,
    code: what === 'connect' ? 'ER_SERVER_UNREACHABLE' : 'ER_SERVER_LOST',
    fatal: true,
  });
}

export class ConnectionGuard {
  private readonly outstanding = new Set<Outstanding>();
  private unreachableSince: number | null = null;
  private checking: Promise<boolean> | null = null;
  private lastAnswer = 0;
  private ticker: ReturnType<typeof setInterval> | null = null;
  private recheck: ReturnType<typeof setTimeout> | null = null;
  private ended = false;

  constructor(
    /** Asks the server a trivial question on a connection of its own; rejects when it cannot. */
    private readonly probe: () => Promise<void>,
    private readonly settings: GuardSettings = DEFAULT_GUARD_SETTINGS,
  ) {}

  /** True while the server is known to be unreachable. */
  get down(): boolean {
    return this.unreachableSince !== null;
  }

  /** `pool` as the Prisma adapter should use it: every connection request and statement watched. */
  wrap<P extends DriverPool>(pool: P): P {
    const guard = this;
    const getConnection = async (): Promise<DriverConnection> => {
      const asked = Date.now();
      const connection = await guard.watch(
        () => pool.getConnection(),
        'connect',
        // A connection that arrives after the request was given up goes straight back to the pool.
        (late) => {
          late.then((conn) => conn.release()).catch(() => undefined);
        },
        asked,
      );
      return guard.wrapConnection(connection, asked);
    };
    // The pool's own `query` takes a connection, runs the statement and releases it: the same, watched.
    const query = async (...args: unknown[]): Promise<unknown> => {
      const connection = await getConnection();
      try {
        return await connection.query(...args);
      } finally {
        await connection.release().catch(() => undefined);
      }
    };
    return new Proxy(pool, {
      get(target, property) {
        if (property === 'getConnection') return getConnection;
        if (property === 'query') return query;
        if (property === 'end') {
          return async () => {
            guard.stop();
            await target.end();
          };
        }
        const value = Reflect.get(target, property, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  }

  /**
   * The connection's first statement counts as waiting since the connection was asked for: a pool may hand
   * out an idle connection without a word from the server, and the wait for an answer began back then.
   */
  private wrapConnection(connection: DriverConnection, asked: number): DriverConnection {
    let since: number | null = asked;
    const query = (...args: unknown[]) => {
      const started = since ?? Date.now();
      since = null;
      return this.watch(
        () => connection.query(...args),
        'statement',
        (late) => {
          // Destroying the connection makes the server roll back whatever transaction it had open.
          connection.destroy();
          late.catch(() => undefined);
        },
        started,
      );
    };
    return new Proxy(connection, {
      get(target, property) {
        if (property === 'query') return query;
        const value = Reflect.get(target, property, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  }

  /**
   * Runs `start` unless the server is known to be unreachable; fails it as soon as the server is found
   * unreachable while it is outstanding (`onAbandon` gets its promise, to clean up after it).
   */
  private watch<T>(
    start: () => Promise<T>,
    what: 'connect' | 'statement',
    onAbandon: (late: Promise<T>) => void,
    since: number,
  ): Promise<T> {
    if (this.unreachableSince !== null) return Promise.reject(unreachable(what));
    return new Promise<T>((resolve, reject) => {
      let work: Promise<T> | null = null;
      const entry: Outstanding = {
        since,
        abandon: () => {
          if (!this.outstanding.delete(entry)) return;
          if (work) onAbandon(work);
          reject(unreachable(what));
        },
      };
      this.outstanding.add(entry);
      this.startTicking();
      try {
        work = start();
      } catch (error) {
        this.outstanding.delete(entry);
        reject(error);
        return;
      }
      work.then(
        (value) => {
          // A statement answered: whatever else stalls, the server is alive. (A connection may come from the
          // pool without a word from the server, so it proves nothing.)
          if (what === 'statement') this.lastAnswer = Date.now();
          if (this.outstanding.delete(entry)) resolve(value);
        },
        (error: unknown) => {
          if (this.outstanding.delete(entry)) reject(error);
        },
      );
    });
  }

  private startTicking(): void {
    if (this.ticker !== null || this.ended) return;
    this.ticker = setInterval(() => this.tick(), TICK_MS);
    this.ticker.unref?.();
  }

  private tick(): void {
    if (this.outstanding.size === 0) {
      if (this.ticker !== null) clearInterval(this.ticker);
      this.ticker = null;
      return;
    }
    if (this.unreachableSince !== null) {
      this.abandonAll();
      return;
    }
    const now = Date.now();
    let oldest = now;
    for (const entry of this.outstanding) oldest = Math.min(oldest, entry.since);
    // Nothing stalled, or the server answered something a moment ago: a slow statement or a lock wait.
    if (now - oldest < this.settings.stallMs || now - this.lastAnswer < this.settings.stallMs) return;
    void this.check();
  }

  /** Asks the server (one check at a time); true when it answered within the probe timeout. */
  check(): Promise<boolean> {
    this.checking ??= (async () => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      try {
        await Promise.race([
          this.probe(),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error('probe timed out')), this.settings.probeTimeoutMs);
          }),
        ]);
        this.lastAnswer = Date.now();
        this.unreachableSince = null;
        return true;
      } catch {
        this.markUnreachable();
        return false;
      } finally {
        clearTimeout(timer);
        this.checking = null;
      }
    })();
    return this.checking;
  }

  private markUnreachable(): void {
    if (this.ended) return;
    this.unreachableSince ??= Date.now();
    this.abandonAll();
    if (this.recheck === null) {
      this.recheck = setTimeout(() => {
        this.recheck = null;
        void this.check();
      }, this.settings.recheckMs);
      this.recheck.unref?.();
    }
  }

  private abandonAll(): void {
    for (const entry of [...this.outstanding]) entry.abandon();
  }

  /** Stops watching (the pool is being closed). */
  stop(): void {
    this.ended = true;
    if (this.ticker !== null) clearInterval(this.ticker);
    if (this.recheck !== null) clearTimeout(this.recheck);
    this.ticker = null;
    this.recheck = null;
  }
}

/** How long opening waits for the server's first answer before `DB_CONNECTION_FAILED` (ms). */
export const CONNECT_TIMEOUT_MS = 2_000;

/** Why a first connection failed (`details.reason` of `DB_CONNECTION_FAILED`), and what fixes it. */
const CONNECTION_REASONS: ReadonlyArray<{
  readonly reason: string;
  readonly matches: (code: string, errno: number) => boolean;
  readonly fix: string;
}> = [
  {
    reason: 'access_denied',
    matches: (code, errno) => [1044, 1045, 1698].includes(errno) || code.startsWith('ER_ACCESS_DENIED'),
    fix: 'check the user and password in the URL, and that the user may use this database',
  },
  {
    reason: 'unknown_database',
    matches: (_code, errno) => errno === 1049,
    fix: 'create the database, or run `billkit-db migrate`, which creates it',
  },
  {
    reason: 'refused',
    matches: (code) => code === 'ECONNREFUSED',
    fix: 'nothing listens there: check the host and port, and that MariaDB/MySQL is running',
  },
  {
    reason: 'unknown_host',
    matches: (code) => code === 'ENOTFOUND' || code === 'EAI_AGAIN',
    fix: 'the host name does not resolve: check the host in the URL',
  },
  {
    reason: 'timeout',
    matches: (code, errno) => errno === 45012 || code === 'ETIMEDOUT' || code === 'ER_CONNECTION_TIMEOUT',
    fix: 'no answer: check the host, the port and any firewall in between',
  },
];

/**
 * Opens one connection to a MariaDB/MySQL target and closes it again, so that a connection mistake is
 * answered at once with the server's own reason instead of a pool that retries until its acquire timeout and
 * then reports only "pool timeout". With `database: false` only the server is checked (migrations create a
 * missing database). Throws `DB_CONNECTION_FAILED` naming the host, port, user and database tried (never the
 * password) within {@link CONNECT_TIMEOUT_MS} or the URL's `connectTimeout`, whichever is shorter.
 *
 * @example
 * await verifyConnection(resolveDatabaseTarget('mysql://billing:wrong@db:3306/billing_db'));
 * // → DbError DB_CONNECTION_FAILED: Cannot connect to billing_db as billing@db:3306/billing_db:
 * //   Access denied for user 'billing'@'10.0.0.7' (using password: YES); check the user and password …
 */
export async function verifyConnection(
  target: Extract<DatabaseTarget, { provider: 'mysql' }>,
  options: { database?: boolean } = {},
): Promise<void> {
  const checkDatabase = options.database ?? true;
  let connection: mariadb.Connection | undefined;
  try {
    connection = await mariadb.createConnection({
      host: target.host,
      port: target.port,
      user: target.user,
      password: target.password,
      ...(checkDatabase ? { database: target.database } : {}),
      connectTimeout: Math.min(target.pool.connectTimeout ?? CONNECT_TIMEOUT_MS, CONNECT_TIMEOUT_MS),
    });
  } catch (error) {
    throw connectionFailed(target, checkDatabase, error);
  }
  await connection.end().catch(() => connection?.destroy());
}

function connectionFailed(
  target: Extract<DatabaseTarget, { provider: 'mysql' }>,
  checkDatabase: boolean,
  error: unknown,
): DbError {
  const e = (typeof error === 'object' && error !== null ? error : {}) as {
    code?: unknown;
    errno?: unknown;
    sqlMessage?: unknown;
    message?: unknown;
  };
  const code = typeof e.code === 'string' ? e.code : '';
  const errno = typeof e.errno === 'number' ? e.errno : 0;
  const found = CONNECTION_REASONS.find((r) => r.matches(code, errno));
  // The driver's message without its "(conn:…, no: …, SQLState: …)" prefix; never the password.
  let said = String(e.sqlMessage ?? e.message ?? error).replace(/^\(conn:[^)]*\)\s*/, '');
  if (target.password !== '') said = said.replaceAll(target.password, '***');
  const where = `${target.user}@${target.host}:${target.port}${checkDatabase ? `/${target.database}` : ''}`;
  return new DbError(
    'DB_CONNECTION_FAILED',
    `Cannot connect to billing_db as ${where}: ${said}${found ? `; ${found.fix}` : ''}`,
    {
      reason: found?.reason ?? 'other',
      host: target.host,
      port: target.port,
      user: target.user,
      database: target.database,
      driverCode: code || String(errno),
    },
    { cause: error },
  );
}

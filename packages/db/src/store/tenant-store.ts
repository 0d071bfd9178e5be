import { canonicalJson } from '../canonical-json.js';
import type { BillingClient } from '../client.js';
import { driverFailure, isDbError, isUniqueViolation, toDbError } from '../errors.js';
import { type BillingDatabase, type OpenDatabaseOptions, openDatabase, rawOf } from '../open-database.js';
import { appendAuditEvents } from '../repositories/audit-log.js';
import { missingTenant } from '../repositories.js';
import { lockFailure, lockRetryFits, newId } from '../scope.js';
import { generateApiKey } from './api-key-secret.js';
import type {
  AuditQuery,
  AuditVerification,
  IdempotencyBegin,
  IdempotencyClaim,
  ListQuery,
  Page,
  Store,
  StoredIdempotency,
  TenantReader,
  TenantStore,
  TenantTransaction,
  TransactionOptions,
} from './port.js';
import { StoreError } from './port.js';
import { type RawDatabase, rawReader, rawTransaction } from './raw-client.js';
import type {
  ApiKeyRecord,
  ApiKeySummary,
  AuditEventInput,
  AuditEventRecord,
  EntityKind,
  EntityMap,
  Scope,
  TenantRecord,
  WebhookEventRecord,
} from './records.js';
import {
  columnWhere,
  createRow,
  findRows,
  fromRow,
  isRelational,
  type RelationalKind,
  type RelationalRecord,
  storedVersion,
  updateRow,
} from './relational.js';

// The storage port over @billkit/db (SQLite by default, MariaDB/MySQL with DATABASE_URL_BILLING=mysql://…).
//
// Everything lives in @billkit/db's own tables, created by its migrations (nothing here creates a table):
// tenants, API keys (SHA-256 only), the hash-chained audit log (db's `auditHash`, verified by db's
// `verifyAuditChain`), gap-free document numbers (`DocumentCounter`), idempotency records, raw webhook events
// (unique per tenant, provider and event id), and customers, products, prices, discount definitions,
// promotion codes, subscriptions, invoices, credit notes, the tax rate table, billing runs and balance
// transactions (column for column as db's repositories store them: see relational.ts).

/** A Prisma client or an interactive-transaction client of it. */
type Client = BillingClient;

/** How often a tenant transaction runs when it loses a race (see `DbTenantStore.transaction`). */
const TRANSACTION_ATTEMPTS = 6;
/** Rows read per round trip when a list filters on fields inside the JSON body. */
const SCAN_BATCH = 200;

export interface DbStoreOptions extends OpenDatabaseOptions {}

/**
 * Opens billing_db (SQLite file under `dataDir`, or `url` / `DATABASE_URL_BILLING`) and applies db's
 * migrations when `migrate` is true (default: SQLite yes, MySQL no).
 *
 * @example
 * const store = await openDbStore({ dataDir: './data' });
 * await store.addTenant({ id: 'acme', name: 'Acme', defaultCurrency: 'USD' });
 * const { secret } = await store.addApiKey('acme', ['admin']);
 */
export async function openDbStore(options: DbStoreOptions = {}): Promise<DbStore> {
  return new DbStore(await openDatabase(options));
}

type Row = Record<string, unknown>;

/**
 * The row a record's lost-update check locks: its table and the column its id is in (`null`: the tenant's
 * one row, keyed by `tenantId` alone).
 */
const LOCK_TARGETS = {
  customer: ['Customer', 'id'],
  product: ['Product', 'id'],
  price: ['Price', 'id'],
  discount: ['DiscountDefinition', 'key'],
  promotion_code: ['PromotionCode', 'id'],
  subscription: ['Subscription', 'id'],
  invoice: ['Invoice', 'id'],
  credit_note: ['CreditNote', 'id'],
  tax_table: ['TaxRateTable', null],
  billing_run: ['BillingRun', 'id'],
  balance_transaction: ['CustomerBalanceTransaction', 'id'],
  webhook_event: ['WebhookEvent', 'id'],
  payment_attempt: ['Payment', 'id'],
} as const satisfies Record<EntityKind, readonly [string, string | null]>;

/** A transaction that lost a race and may be run again: a conflict (see translate), a deadlock or a lock wait timeout. */
function lostRace(error: unknown): boolean {
  if (error instanceof StoreError) return error.code === 'DB_VERSION_CONFLICT';
  if (isDbError(error, 'DB_LOCK_TIMEOUT')) return true;
  return lockFailure(error) !== null;
}

/** An instant from a raw query's DATETIME column (a Date, an ISO string or, on SQLite, epoch ms). */
function instantOf(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'number' || typeof value === 'bigint') return new Date(Number(value)).toISOString();
  const text = String(value);
  return new Date(
    /^\d+$/.test(text)
      ? Number(text)
      : text.includes('T') || text.endsWith('Z')
        ? text
        : `${text.replace(' ', 'T')}Z`,
  ).toISOString();
}

/**
 * Translates driver-level failures into codes: the port's StoreError for a lost race (deadlock, write
 * conflict) and a unique violation, db's DbError for the rest (`DB_UNAVAILABLE` for a server that is down,
 * frozen, full or misconfigured, `DB_LOCK_TIMEOUT`, `DB_QUERY_FAILED`…; see `toDbError`). Anything else,
 * a billkit error or a caller's own, goes up unchanged.
 */
function translate(error: unknown): unknown {
  if (error instanceof StoreError) return error;
  if (isDbError(error, 'DB_VERSION_CONFLICT'))
    return new StoreError('DB_VERSION_CONFLICT', error.message, { ...error.details });
  const failure = driverFailure(error);
  // A deadlock or write conflict (MySQL): the caller may retry, like a version conflict.
  if (failure?.kind === 'deadlock')
    return new StoreError('DB_VERSION_CONFLICT', 'The change lost a race with another transaction; retry', {
      reason: 'deadlock',
    });
  if (failure?.kind === 'duplicate')
    return new StoreError('DB_UNIQUE_VIOLATION', 'Another record already holds one of these unique keys');
  return toDbError(error);
}

export class DbStore implements Store {
  readonly provider: 'sqlite' | 'mysql';
  private queue: Promise<unknown> = Promise.resolve();
  private readonly caches = new Map<string, Map<string, unknown>>();

  constructor(readonly db: BillingDatabase) {
    this.provider = db.provider;
    const raw = rawOf(db);
    rawStores.set(this, { raw, reader: rawReader(raw) as Client });
  }

  /**
   * SQLite: one client per file per process, and its adapter (one libsql connection) only serialises single statements
   * and *transactions* — the statements of one store operation could interleave with another's, each
   * reading what the other has half written. So every SQLite operation of this store runs one at a time,
   * SQLite's single writer. MySQL uses the pool and row locks instead.
   * @internal
   */
  exclusive<T>(work: () => Promise<T>, tenantId?: string): Promise<T> {
    const guarded = async () => {
      try {
        return await work();
      } catch (error) {
        const unknownTenant =
          tenantId === undefined ? null : await missingTenant(readerClient(this), tenantId, error);
        throw unknownTenant ?? translate(error);
      }
    };
    if (this.provider !== 'sqlite') return guarded();
    const run = this.queue.then(guarded, guarded);
    this.queue = run.catch(() => undefined);
    return run;
  }

  async ping(): Promise<void> {
    await this.exclusive(() => readerClient(this).$queryRawUnsafe('SELECT 1'));
  }

  async close(): Promise<void> {
    await this.queue.catch(() => undefined);
    await this.db.close();
  }

  /** Creates the tenant (and db's invoice / credit-note counters) unless it exists. */
  async addTenant(record: TenantRecord): Promise<void> {
    await this.exclusive(async () => {
      if (await this.db.tenants.get(record.id)) return;
      await this.db.tenants.create(record);
    });
  }

  /** Creates a key for the tenant and returns its secret (shown once); only the SHA-256 is stored. */
  async addApiKey(
    tenantId: string,
    scopes: readonly Scope[],
    name = 'default',
  ): Promise<{ id: string; secret: string }> {
    const { secret, prefix, hashedKey } = generateApiKey();
    const id = newId('key');
    await this.exclusive(
      () =>
        readerClient(this).apiKey.create({
          data: { id, tenantId, name, prefix, hashedKey, scopes: JSON.stringify(scopes) },
        }),
      tenantId,
    );
    return { id, secret };
  }

  /** Test support: edits a stored audit event behind the chain's back. */
  async tamperAudit(tenantId: string, seq: number, data: Record<string, unknown>): Promise<void> {
    await this.exclusive(() =>
      readerClient(this).auditEvent.updateMany({
        where: { tenantId, seq },
        data: { data: canonicalJson(data) },
      }),
    );
  }

  async findApiKey(
    hashedKey: string,
  ): Promise<(ApiKeyRecord & { tenant: TenantRecord; changeMarker: string }) | null> {
    // Read on every request (a revocation applies to the very next one), in one round trip with the
    // tenant's change marker (what `changeMarker()` reads), which the upcoming-invoice preview keys its
    // cache by; the tenant row is memoised, as the API never changes a tenant.
    const rows = await this.exclusive(() =>
      readerClient(this).$queryRawUnsafe<Row[]>(
        'SELECT k.`id`, k.`tenantId`, k.`name`, k.`prefix`, k.`scopes`, k.`expiresAt`, k.`revokedAt`, ' +
          '(SELECT MAX(e.`seq`) FROM `AuditEvent` e WHERE e.`tenantId` = k.`tenantId`) AS `head` ' +
          'FROM `ApiKey` k WHERE k.`hashedKey` = ?',
        hashedKey,
      ),
    );
    const row = rows[0];
    if (!row || row.revokedAt !== null) return null;
    const tenantId = String(row.tenantId);
    const tenant = await this.tenantRecord(tenantId);
    if (!tenant) return null;
    return {
      id: String(row.id),
      tenantId,
      name: String(row.name),
      prefix: String(row.prefix),
      scopes: JSON.parse(String(row.scopes)) as Scope[],
      expiresAt: row.expiresAt === null ? null : instantOf(row.expiresAt),
      revokedAt: null,
      tenant,
      changeMarker: String(row.head ?? 0),
    };
  }

  private readonly tenantRecords = new Map<string, TenantRecord>();

  private async tenantRecord(id: string): Promise<TenantRecord | null> {
    const known = this.tenantRecords.get(id);
    if (known) return known;
    const row = await this.exclusive(() => this.db.tenants.get(id));
    if (!row) return null;
    const record = { id: row.id, name: row.name, defaultCurrency: row.defaultCurrency };
    this.tenantRecords.set(id, record);
    return record;
  }

  async listTenants(): Promise<TenantRecord[]> {
    const tenants = await this.exclusive(() => this.db.tenants.list());
    return tenants.map((t) => ({ id: t.id, name: t.name, defaultCurrency: t.defaultCurrency }));
  }

  forTenant(tenantId: string): TenantStore {
    return new DbTenantStore(this, tenantId);
  }

  /** @internal The tenant's memo space in this process. */
  cacheOf(tenantId: string): Map<string, unknown> {
    let cache = this.caches.get(tenantId);
    if (!cache) {
      cache = new Map();
      this.caches.set(tenantId, cache);
    }
    return cache;
  }
}

/** Where the tenant store's statements run (see raw-client.ts), and a reader over it. */
const rawStores = new WeakMap<DbStore, { raw: RawDatabase; reader: Client }>();

function rawStore(store: DbStore): { raw: RawDatabase; reader: Client } {
  const found = rawStores.get(store);
  if (!found) throw new Error('tenant store: not constructed');
  return found;
}

/** The client the tenant store reads with outside transactions. */
function readerClient(store: DbStore): Client {
  return rawStore(store).reader;
}

/**
 * Runs `work` in one transaction (the statements through raw-client.ts): SQLite on the file's connection,
 * serializable; MySQL on a pooled driver connection at READ COMMITTED: no gap locks (so concurrent inserts of
 * unrelated rows never deadlock on an index gap), and a read after a row lock sees the latest committed row,
 * which the lost-update check of `DbTransaction.update` relies on.
 */
async function inTransaction<T>(store: DbStore, work: (client: Client) => Promise<T>): Promise<T> {
  return rawTransaction(rawStore(store).raw, 'READ COMMITTED', work);
}

// --- reads and writes against one client (the database or a transaction) --------------------------

const webhookFromRow = (row: {
  id: string;
  provider: string;
  eventId: string;
  type: string;
  rawBody: string;
  signature: string | null;
  receivedAt: Date;
  processedAt: Date | null;
  processingError: string | null;
}): WebhookEventRecord => ({
  id: row.id,
  provider: row.provider as 'tilled',
  eventId: row.eventId,
  type: row.type,
  rawBody: row.rawBody,
  signature: row.signature,
  receivedAt: row.receivedAt.toISOString(),
  processedAt: row.processedAt?.toISOString() ?? null,
  processingError: row.processingError,
  createdAt: row.receivedAt.toISOString(),
  updatedAt: (row.processedAt ?? row.receivedAt).toISOString(),
});

const apiKeyFromRow = (row: {
  id: string;
  tenantId: string;
  name: string;
  prefix: string;
  scopes: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
}): ApiKeySummary => ({
  id: row.id,
  tenantId: row.tenantId,
  name: row.name,
  prefix: row.prefix,
  scopes: JSON.parse(row.scopes) as Scope[],
  expiresAt: row.expiresAt?.toISOString() ?? null,
  revokedAt: row.revokedAt?.toISOString() ?? null,
  createdAt: row.createdAt.toISOString(),
  lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
});

const auditFromRow = (row: {
  id: string;
  seq: number;
  type: string;
  actor: string | null;
  entityType: string;
  entityId: string;
  data: string;
  occurredAt: Date;
  prevHash: string;
  hash: string;
}): AuditEventRecord => ({
  id: row.id,
  seq: row.seq,
  type: row.type,
  actor: row.actor,
  entityType: row.entityType,
  entityId: row.entityId,
  data: JSON.parse(row.data) as Record<string, unknown>,
  occurredAt: row.occurredAt.toISOString(),
  prevHash: row.prevHash,
  hash: row.hash,
});

function matches(item: unknown, where: ListQuery['where']): boolean {
  const row = item as Record<string, unknown>;
  for (const [field, value] of Object.entries(where ?? {})) if (row[field] !== value) return false;
  return true;
}

class DbReader implements TenantReader {
  constructor(
    protected readonly client: () => Client,
    readonly tenantId: string,
    protected readonly run: <T>(work: () => Promise<T>) => Promise<T>,
    readonly cache: Map<string, unknown>,
  ) {}

  listApiKeys(): Promise<ApiKeySummary[]> {
    return this.run(async () => {
      const rows = await this.client().apiKey.findMany({
        where: { tenantId: this.tenantId },
        orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      });
      return rows.map(apiKeyFromRow);
    });
  }

  getMany<K extends EntityKind>(kind: K, ids: readonly string[]): Promise<EntityMap[K][]> {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return Promise.resolve([]);
    if (isRelational(kind)) {
      return this.run(async () => (await this.relational(kind, { id: { in: unique } })) as EntityMap[K][]);
    }
    return this.run(async () => {
      const rows = await this.client().webhookEvent.findMany({
        where: { tenantId: this.tenantId, id: { in: unique } },
      });
      return rows.map(webhookFromRow) as EntityMap[K][];
    });
  }

  changeMarker(): Promise<string> {
    return this.run(async () => {
      const rows = await this.client().$queryRawUnsafe<Row[]>(
        'SELECT MAX(`seq`) AS `head` FROM `AuditEvent` WHERE `tenantId` = ?',
        this.tenantId,
      );
      return String(rows[0]?.head ?? 0);
    });
  }

  versionOf(kind: EntityKind, id: string): Promise<number | null> {
    return this.run(async () => {
      // Subscriptions, the tax rate table and billing runs carry a version; other rows do not (present = 0).
      if (isRelational(kind)) return storedVersion(this.client(), this.tenantId, kind, id);
      const row = await this.client().webhookEvent.findFirst({
        where: { tenantId: this.tenantId, id },
        select: { id: true },
      });
      return row ? 0 : null;
    });
  }

  /** @internal Records of db's relational tables matching `where`, in id order. */
  protected async relational(
    kind: RelationalKind,
    where: Record<string, unknown>,
    options: { take?: number } = {},
  ): Promise<RelationalRecord[]> {
    const rows = await findRows(this.client(), kind, { ...where, tenantId: this.tenantId }, options.take);
    return rows.map((row) => fromRow(kind, row));
  }

  get<K extends EntityKind>(kind: K, id: string): Promise<EntityMap[K] | null> {
    return this.run(async () => {
      if (isRelational(kind)) {
        const [found] = await this.relational(kind, { id });
        return (found ?? null) as EntityMap[K] | null;
      }
      const row = await this.client().webhookEvent.findFirst({ where: { tenantId: this.tenantId, id } });
      return (row ? webhookFromRow(row) : null) as EntityMap[K] | null;
    });
  }

  list<K extends EntityKind>(kind: K, query: ListQuery): Promise<Page<EntityMap[K]>> {
    return this.run(async () => {
      const found: EntityMap[K][] = [];
      let after = query.startingAfter ?? '';
      // Filters on fields without a column are checked on the records: scan in id order until limit + 1 match.
      for (;;) {
        const batch = await this.scan(kind, after, query.where);
        for (const item of batch.items) if (matches(item, query.where)) found.push(item as EntityMap[K]);
        if (found.length > query.limit || !batch.more) break;
        after = batch.lastId;
      }
      return { data: found.slice(0, query.limit), hasMore: found.length > query.limit };
    });
  }

  private async scan(
    kind: EntityKind,
    after: string,
    where: ListQuery['where'],
  ): Promise<{ items: unknown[]; more: boolean; lastId: string }> {
    if (isRelational(kind)) {
      // Filters on columns run in the database; the caller re-checks every filter on the records.
      const items = await this.relational(
        kind,
        { id: { gt: after }, ...columnWhere(kind, where) },
        { take: SCAN_BATCH },
      );
      return { items, more: items.length === SCAN_BATCH, lastId: items.at(-1)?.id ?? after };
    }
    const rows = await this.client().webhookEvent.findMany({
      where: { tenantId: this.tenantId, id: { gt: after } },
      orderBy: { id: 'asc' },
      take: SCAN_BATCH,
    });
    return {
      items: rows.map(webhookFromRow),
      more: rows.length === SCAN_BATCH,
      lastId: rows.at(-1)?.id ?? after,
    };
  }

  listAudit(query: AuditQuery): Promise<Page<AuditEventRecord>> {
    return this.run(async () => {
      const occurredAt = {
        ...(query.from !== undefined ? { gte: new Date(query.from) } : {}),
        ...(query.to !== undefined ? { lt: new Date(query.to) } : {}),
      };
      const rows = await this.client().auditEvent.findMany({
        where: {
          tenantId: this.tenantId,
          ...(query.afterSeq !== undefined ? { seq: { gt: query.afterSeq } } : {}),
          ...(query.entityType !== undefined ? { entityType: query.entityType } : {}),
          ...(query.entityId !== undefined ? { entityId: query.entityId } : {}),
          ...(query.actor !== undefined ? { actor: query.actor } : {}),
          ...(Object.keys(occurredAt).length > 0 ? { occurredAt } : {}),
        },
        orderBy: { seq: 'asc' },
        take: query.limit + 1,
      });
      return { data: rows.slice(0, query.limit).map(auditFromRow), hasMore: rows.length > query.limit };
    });
  }
}

const inline = <T>(work: () => Promise<T>) => work();

class DbTransaction extends DbReader implements TenantTransaction {
  constructor(
    private readonly db: BillingDatabase,
    client: Client,
    tenantId: string,
    cache: Map<string, unknown>,
  ) {
    super(() => client, tenantId, inline, cache);
  }

  async insert<K extends EntityKind>(kind: K, entity: EntityMap[K]): Promise<void> {
    const id = (entity as { id: string }).id;
    if (!isRelational(kind)) {
      await this.insertWebhook(entity as WebhookEventRecord);
      return;
    }
    try {
      await createRow(this.client(), this.tenantId, kind, entity as RelationalRecord);
    } catch (error) {
      if (isUniqueViolation(error))
        throw new StoreError(
          'DB_UNIQUE_VIOLATION',
          `${kind} ${id} (or one of its unique keys) already exists`,
        );
      throw error;
    }
  }

  /** @internal */
  async insertWebhook(event: WebhookEventRecord): Promise<void> {
    // createMany: a plain INSERT (create would read the row back).
    await this.client().webhookEvent.createMany({
      data: {
        id: event.id,
        tenantId: this.tenantId,
        provider: event.provider,
        eventId: event.eventId,
        type: event.type,
        rawBody: event.rawBody,
        signature: event.signature,
        receivedAt: new Date(event.receivedAt),
        processedAt: event.processedAt ? new Date(event.processedAt) : null,
        processingError: event.processingError,
      },
    });
  }

  /**
   * Records as this transaction first read them (or last wrote them), by `kind:id`: what an update of one
   * is based on (MySQL: checked under a row lock first, see `lockAndCheck`), and what its row holds.
   */
  private readonly readRecords = new Map<string, unknown>();
  /** Rows this transaction holds locked (read for update, checked or written): no check needed. */
  private readonly locked = new Set<string>();

  override async get<K extends EntityKind>(kind: K, id: string): Promise<EntityMap[K] | null> {
    const found = await super.get(kind, id);
    if (found) this.remember(kind, found);
    return found;
  }

  override async getMany<K extends EntityKind>(kind: K, ids: readonly string[]): Promise<EntityMap[K][]> {
    const found = await super.getMany(kind, ids);
    for (const entity of found) this.remember(kind, entity);
    return found;
  }

  private remember(kind: EntityKind, entity: unknown): void {
    const key = `${kind}:${(entity as { id: string }).id}`;
    if (!this.readRecords.has(key)) this.readRecords.set(key, structuredClone(entity));
  }

  async getForUpdate<K extends EntityKind>(kind: K, id: string): Promise<EntityMap[K] | null> {
    const key = `${kind}:${id}`;
    if (this.db.provider === 'mysql' && !this.locked.has(key)) {
      // Locked as it is read (one SELECT … FOR UPDATE): what is read now stays so until the commit, no later
      // check needed.
      this.readRecords.delete(key);
      const found = await this.readLocked(kind, id);
      this.locked.add(key);
      if (found !== undefined) {
        if (found) this.remember(kind, found);
        return found as EntityMap[K] | null;
      }
    }
    return this.get(kind, id);
  }

  /** MySQL: the record read with its row locked; undefined where the row is locked first and read after. */
  private async readLocked(kind: EntityKind, id: string): Promise<unknown> {
    if (kind === 'tax_table') {
      await this.lockRow(kind, id);
      return undefined;
    }
    if (!isRelational(kind)) {
      const row = await this.client().webhookEvent.findFirst({
        where: { tenantId: this.tenantId, id },
        forUpdate: true,
      } as never);
      return row ? webhookFromRow(row) : null;
    }
    const [row] = await findRows(this.client(), kind, { id, tenantId: this.tenantId }, undefined, true);
    return row ? fromRow(kind, row) : null;
  }

  private async lockRow(kind: EntityKind, id: string): Promise<void> {
    const [table, column] = LOCK_TARGETS[kind];
    if (column === null) {
      await this.client().$queryRawUnsafe(
        `SELECT 1 FROM \`${table}\` WHERE \`tenantId\` = ? FOR UPDATE`,
        this.tenantId,
      );
      return;
    }
    await this.client().$queryRawUnsafe(
      `SELECT 1 FROM \`${table}\` WHERE \`tenantId\` = ? AND \`${column}\` = ? FOR UPDATE`,
      this.tenantId,
      id,
    );
  }

  /**
   * Lost-update check (MySQL): the tenant's transactions run concurrently, so a record read earlier in this
   * transaction may have been changed since by another one. Lock its row (held to commit), read it again
   * (READ COMMITTED: the latest committed state) and refuse with a retryable `DB_VERSION_CONFLICT` when it
   * differs from what this transaction based its change on. Records never read here are blind writes.
   */
  private async lockAndCheck(kind: EntityKind, id: string): Promise<void> {
    // SQLite runs one transaction at a time: nothing can change what this one read.
    if (this.db.provider !== 'mysql') return;
    const key = `${kind}:${id}`;
    if (this.locked.has(key)) return;
    const seen = this.readRecords.get(key);
    await this.lockRow(kind, id);
    this.locked.add(key);
    if (seen === undefined) return;
    const now = await super.get(kind, id);
    if (now === null || canonicalJson(now) !== canonicalJson(seen)) {
      throw new StoreError('DB_VERSION_CONFLICT', `${kind} ${id} was changed by another request`, {
        reason: 'changed_since_read',
      });
    }
  }

  async update<K extends EntityKind>(kind: K, entity: EntityMap[K], expectedVersion?: number): Promise<void> {
    const id = (entity as { id: string }).id;
    // A subscription update with its expected version is checked by the UPDATE itself, whose row lock
    // then holds to the commit like any other this transaction takes.
    if (kind === 'subscription' && expectedVersion !== undefined) this.locked.add(`${kind}:${id}`);
    else await this.lockAndCheck(kind, id);
    if (!isRelational(kind)) {
      const event = entity as WebhookEventRecord;
      const updated = await this.client().webhookEvent.updateMany({
        where: { tenantId: this.tenantId, id },
        data: {
          processedAt: event.processedAt ? new Date(event.processedAt) : null,
          processingError: event.processingError,
        },
      });
      if (updated.count === 0) throw new StoreError('DB_NOT_FOUND', `No such webhook_event: ${id}`);
      return;
    }
    const record = entity as RelationalRecord;
    let count: number;
    try {
      // What the row holds now: read in this transaction and checked (or version-checked) since.
      const stored = this.readRecords.get(`${kind}:${id}`) as RelationalRecord | undefined;
      count = await updateRow(this.client(), this.tenantId, kind, record, expectedVersion, stored);
      this.readRecords.set(`${kind}:${id}`, structuredClone(record));
    } catch (error) {
      if (isUniqueViolation(error))
        throw new StoreError('DB_UNIQUE_VIOLATION', `Another ${kind} already holds one of these unique keys`);
      throw error;
    }
    if (count > 0) return;
    // Zero rows: not there, or (optimistic concurrency) another transaction moved the version on.
    const actualVersion = await storedVersion(this.client(), this.tenantId, kind, id);
    if (actualVersion === null) throw new StoreError('DB_NOT_FOUND', `No such ${kind}: ${id}`);
    // MySQL may count changed rows, not matched ones: an identical write answers 0 and is fine, but only if
    // the row still holds the expected version (a twin that made the same bump is a conflict).
    if (expectedVersion !== undefined && actualVersion !== expectedVersion) {
      throw new StoreError('DB_VERSION_CONFLICT', `${kind} ${id} was changed by another request`, {
        expectedVersion,
        actualVersion,
      });
    }
  }

  private readonly pendingAudit: AuditEventInput[] = [];

  async appendAudit(input: AuditEventInput): Promise<void> {
    this.pendingAudit.push(input);
  }

  /**
   * @internal Writes the transaction's audit events, last thing before the commit: one append through
   * @billkit/db (so the tenant's chain head advances and every writer, this API, billing-run workers or a
   * host using the repositories, extends one chain), and its chain-head row lock is held only for the
   * transaction's last statements.
   */
  async flushAudit(): Promise<void> {
    if (this.pendingAudit.length === 0) return;
    const events = this.pendingAudit.splice(0).map((input) => ({
      type: input.type,
      entityType: input.entityType,
      entityId: input.entityId,
      actor: input.actor ?? null,
      data: input.data ?? null,
      occurredAt: new Date(input.occurredAt).toISOString(),
    }));
    await appendAuditEvents(
      {
        provider: this.db.provider,
        client: this.client(),
        inTransaction: true,
        pipelined: this.db.provider === 'mysql',
      },
      this.tenantId,
      events,
    );
  }

  async createApiKey(input: Parameters<TenantTransaction['createApiKey']>[0]): Promise<ApiKeySummary> {
    const row = await this.client().apiKey.create({
      data: {
        id: input.id,
        tenantId: this.tenantId,
        name: input.name,
        prefix: input.prefix,
        hashedKey: input.hashedKey,
        scopes: JSON.stringify(input.scopes),
        createdAt: new Date(input.createdAt),
        expiresAt: input.expiresAt === null ? null : new Date(input.expiresAt),
      },
    });
    return apiKeyFromRow(row);
  }

  async revokeApiKey(
    id: string,
    at: string,
  ): Promise<{ before: ApiKeySummary; after: ApiKeySummary } | null> {
    const row = await this.client().apiKey.findFirst({ where: { tenantId: this.tenantId, id } });
    if (!row) return null;
    if (row.revokedAt !== null) return { before: apiKeyFromRow(row), after: apiKeyFromRow(row) };
    await this.client().apiKey.updateMany({
      where: { tenantId: this.tenantId, id, revokedAt: null },
      data: { revokedAt: new Date(at) },
    });
    const after = await this.client().apiKey.findFirstOrThrow({ where: { tenantId: this.tenantId, id } });
    return { before: apiKeyFromRow(row), after: apiKeyFromRow(after) };
  }

  async claimIdempotent(input: IdempotencyClaim): Promise<StoredIdempotency | null> {
    // SQLite: the database is ours alone, so read-then-insert is race-free. MySQL: a twin request's insert
    // waits on the unique (tenant, key) index until this transaction ends, then fails as a duplicate,
    // which is a retryable conflict: the twin's rerun reads the committed record and replays it.
    const now = new Date();
    const existing = await this.client().idempotencyRecord.findFirst({
      where: { tenantId: this.tenantId, key: input.key },
    });
    if (existing && existing.expiresAt > now) return idempotencyFromRow(existing);
    if (existing) await this.client().idempotencyRecord.deleteMany({ where: { id: existing.id } });
    await this.createIdempotencyRecord(input, now);
    return null;
  }

  private async createIdempotencyRecord(input: IdempotencyClaim, now: Date): Promise<void> {
    try {
      await this.client().idempotencyRecord.create({
        data: {
          id: newId('idem'),
          tenantId: this.tenantId,
          key: input.key,
          requestHash: input.requestHash,
          method: input.method,
          path: input.path,
          createdAt: now,
          expiresAt: new Date(now.getTime() + input.ttlMs),
        },
      });
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      throw new StoreError(
        'DB_VERSION_CONFLICT',
        `Idempotency-Key ${input.key} was claimed by a twin request`,
        {
          reason: 'idempotency_key_claimed',
        },
      );
    }
  }

  async completeIdempotent(key: string, status: number, body: string): Promise<void> {
    const updated = await this.client().idempotencyRecord.updateMany({
      where: { tenantId: this.tenantId, key },
      data: { responseStatus: status, responseBody: body, completedAt: new Date() },
    });
    if (updated.count === 0) throw new StoreError('DB_NOT_FOUND', `No idempotency record ${key}`);
  }

  async nextNumber(kind: 'invoice' | 'credit_note'): Promise<string> {
    const where = { tenantId: this.tenantId, kind };
    const updated = await this.client().documentCounter.updateMany({
      where,
      data: { nextNumber: { increment: 1 } },
    });
    if (updated.count === 0)
      throw new StoreError('DB_NOT_FOUND', `Tenant ${this.tenantId} has no ${kind} counter`);
    const counter = await this.client().documentCounter.findUniqueOrThrow({
      where: { tenantId_kind: where },
    });
    return `${counter.prefix}${String(counter.nextNumber - 1).padStart(6, '0')}`;
  }
}

const idempotencyFromRow = (row: {
  requestHash: string;
  responseStatus: number | null;
  responseBody: string | null;
}): StoredIdempotency => ({
  requestHash: row.requestHash,
  status: row.responseStatus,
  body: row.responseBody,
});

class DbTenantStore extends DbReader implements TenantStore {
  constructor(
    private readonly store: DbStore,
    tenantId: string,
  ) {
    super(
      () => readerClient(store),
      tenantId,
      (work) => store.exclusive(work, tenantId),
      store.cacheOf(tenantId),
    );
  }

  /**
   * SQLite: one transaction at a time (see `DbStore.exclusive`). MySQL: a tenant's transactions run in
   * parallel, with row locks only where they write: versions and `DbTransaction.update`'s check keep every
   * change based on the state it read, db's audit chain head and document counters serialise only the
   * tail of each transaction. A transaction that loses a race (deadlock, lock wait timeout, a record
   * changed since it was read, a twin Idempotency-Key) is rolled back and run again from the start after a
   * short random pause, up to TRANSACTION_ATTEMPTS times, while `options.mayRetry` allows; then the
   * conflict goes up as a 409.
   */
  async transaction<T>(
    work: (tx: TenantTransaction) => Promise<T>,
    options: TransactionOptions = {},
  ): Promise<T> {
    const once = () =>
      this.run(() =>
        inTransaction(this.store, async (client) => {
          const tx = new DbTransaction(this.store.db, client, this.tenantId, this.cache);
          const result = await work(tx);
          await tx.flushAudit();
          return result;
        }),
      );
    if (this.store.provider !== 'mysql') return once();
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      try {
        return await once();
      } catch (error) {
        // A lock wait is retried only while the whole transaction can still give up within seconds.
        const lockWait = isDbError(error, 'DB_LOCK_TIMEOUT');
        const retry =
          attempt < TRANSACTION_ATTEMPTS &&
          lostRace(error) &&
          (!lockWait || lockRetryFits(attempt, Date.now() - started)) &&
          (options.mayRetry?.() ?? true);
        if (!retry) throw error;
        // Jitter, growing with the attempt, so the transactions that collided do not meet again in lockstep.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 4 * attempt));
      }
    }
  }

  async verifyAudit(): Promise<AuditVerification> {
    const result = await this.run(() => this.store.db.verifyAuditChain(this.tenantId));
    return result.valid
      ? { valid: true, checked: result.events, brokenAtSeq: null, reason: null }
      : { valid: false, checked: result.events, brokenAtSeq: result.brokenAtSeq, reason: result.message };
  }

  findIdempotent(key: string): Promise<StoredIdempotency | null> {
    return this.run(async () => {
      const row = await readerClient(this.store).idempotencyRecord.findFirst({
        where: { tenantId: this.tenantId, key, expiresAt: { gt: new Date() } },
      });
      return row ? idempotencyFromRow(row) : null;
    });
  }

  beginIdempotent(
    key: string,
    requestHash: string,
    method: string,
    path: string,
    ttlMs: number,
    leaseMs?: number,
  ): Promise<IdempotencyBegin> {
    return this.run(async () => {
      try {
        const begun = await this.store.db.idempotency.begin(this.tenantId, {
          key,
          requestHash,
          method,
          path,
          ttlSeconds: Math.max(1, Math.ceil(ttlMs / 1000)),
          ...(leaseMs !== undefined ? { leaseSeconds: Math.max(1, Math.ceil(leaseMs / 1000)) } : {}),
        });
        if (begun.outcome === 'started') return { state: 'new', takenOver: begun.takenOver };
        if (begun.outcome === 'in_progress') {
          const leaseUntil = begun.record.leaseUntil;
          const left = leaseUntil === null ? 0 : Date.parse(leaseUntil) - Date.now();
          return { state: 'in_progress', retryAfterMs: Math.max(1_000, left) };
        }
        return {
          state: 'replay',
          status: begun.record.responseStatus ?? 500,
          body: begun.record.responseBody ?? '',
        };
      } catch (error) {
        if (isDbError(error, 'DB_IDEMPOTENCY_KEY_REUSED')) return { state: 'mismatch' };
        throw error;
      }
    });
  }

  async completeIdempotent(key: string, status: number, body: string): Promise<void> {
    await this.run(() => this.store.db.idempotency.complete(this.tenantId, key, { status, body }));
  }

  renewIdempotent(key: string, leaseMs?: number): Promise<boolean> {
    return this.run(() =>
      this.store.db.idempotency.renew(
        this.tenantId,
        key,
        leaseMs !== undefined ? { leaseSeconds: Math.max(1, Math.ceil(leaseMs / 1000)) } : {},
      ),
    );
  }

  async releaseIdempotent(key: string): Promise<void> {
    await this.run(() => this.store.db.idempotency.release(this.tenantId, key));
  }

  recordWebhook(
    event: WebhookEventRecord,
  ): Promise<{ readonly stored: boolean; readonly existing: WebhookEventRecord | null }> {
    return this.run(async () => {
      const where = { tenantId: this.tenantId, provider: event.provider, eventId: event.eventId };
      // Insert first: a redelivery (rare) fails on the unique (tenant, provider, event id) and is read.
      try {
        await new DbTransaction(
          this.store.db,
          readerClient(this.store),
          this.tenantId,
          this.cache,
        ).insertWebhook(event);
        return { stored: true, existing: null };
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        const raced = await readerClient(this.store).webhookEvent.findFirstOrThrow({ where });
        return { stored: false, existing: webhookFromRow(raced) };
      }
    });
  }
}

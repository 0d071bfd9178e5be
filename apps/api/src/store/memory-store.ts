import { randomUUID } from 'node:crypto';
import { generateApiKey } from '../api-keys.js';
import { auditHash, GENESIS_HASH, verifyChain } from '../audit-chain.js';
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
} from './port.js';
import { StoreError } from './port.js';
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

interface IdempotencyRow {
  requestHash: string;
  status: number | null;
  body: string | null;
  expiresAt: number;
}

interface TenantState {
  entities: Map<EntityKind, Map<string, unknown>>;
  audit: AuditEventRecord[];
  counters: Map<string, number>;
  idempotency: Map<string, IdempotencyRow>;
}

const clone = <T>(value: T): T => structuredClone(value);

/**
 * Storage in process memory, with the same semantics as the database adapter (tenant scoping,
 * all-or-nothing transactions, optimistic versions, hash-chained audit). For fast HTTP-layer tests.
 */
export class MemoryStore implements Store {
  readonly provider = 'memory' as const;
  private readonly tenants = new Map<string, { record: TenantRecord; state: TenantState }>();
  /** @internal By hashed key. */
  readonly keys = new Map<
    string,
    ApiKeyRecord & { hashedKey: string; createdAt: string; lastUsedAt: string | null }
  >();
  private queue: Promise<unknown> = Promise.resolve();
  private readonly caches = new Map<string, Map<string, unknown>>();

  /** @internal */
  cacheOf(tenantId: string): Map<string, unknown> {
    let cache = this.caches.get(tenantId);
    if (!cache) {
      cache = new Map();
      this.caches.set(tenantId, cache);
    }
    return cache;
  }

  async ping(): Promise<void> {}
  async close(): Promise<void> {}

  addTenant(record: TenantRecord): void {
    this.tenants.set(record.id, {
      record,
      state: { entities: new Map(), audit: [], counters: new Map(), idempotency: new Map() },
    });
  }

  /** Creates a key and returns its secret (shown once). */
  addApiKey(tenantId: string, scopes: readonly Scope[], name = 'test'): { id: string; secret: string } {
    const { secret, prefix, hashedKey } = generateApiKey();
    const id = `key_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
    this.keys.set(hashedKey, {
      id,
      tenantId,
      name,
      prefix,
      scopes: [...scopes],
      expiresAt: null,
      revokedAt: null,
      hashedKey,
      createdAt: new Date().toISOString(),
      lastUsedAt: null,
    });
    return { id, secret };
  }

  /** Test support: edits a stored audit event behind the chain's back. */
  tamperAudit(tenantId: string, seq: number, data: Record<string, unknown>): void {
    const state = this.state(tenantId);
    const index = state.audit.findIndex((e) => e.seq === seq);
    const event = state.audit[index];
    if (event) state.audit[index] = { ...event, data };
  }

  async findApiKey(hashedKey: string) {
    const key = this.keys.get(hashedKey);
    if (!key || key.revokedAt) return null;
    const tenant = this.tenants.get(key.tenantId);
    if (!tenant) return null;
    const { hashedKey: _omit, createdAt: _c, lastUsedAt: _l, ...rest } = key;
    return { ...rest, tenant: tenant.record };
  }

  async listTenants(): Promise<TenantRecord[]> {
    return [...this.tenants.values()].map((t) => t.record);
  }

  forTenant(tenantId: string): TenantStore {
    return new MemoryTenantStore(this, tenantId);
  }

  /** @internal */
  state(tenantId: string): TenantState {
    const tenant = this.tenants.get(tenantId);
    if (!tenant) throw new StoreError('DB_NOT_FOUND', `No such tenant: ${tenantId}`);
    return tenant.state;
  }

  /** @internal Serialises writers, like SQLite's single writer. */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

class MemoryReader implements TenantReader {
  constructor(
    protected readonly stateOf: () => TenantState,
    readonly tenantId: string,
    readonly cache: Map<string, unknown>,
    protected readonly keys: MemoryStore['keys'],
  ) {}

  async listApiKeys(): Promise<ApiKeySummary[]> {
    return [...this.keys.values()]
      .filter((k) => k.tenantId === this.tenantId)
      .map(({ hashedKey: _h, ...key }) => clone(key))
      .sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0));
  }

  async get<K extends EntityKind>(kind: K, id: string): Promise<EntityMap[K] | null> {
    const found = this.stateOf().entities.get(kind)?.get(id);
    return found === undefined ? null : (clone(found) as EntityMap[K]);
  }

  async getMany<K extends EntityKind>(kind: K, ids: readonly string[]): Promise<EntityMap[K][]> {
    const table = this.stateOf().entities.get(kind);
    const found: EntityMap[K][] = [];
    for (const id of new Set(ids)) {
      const item = table?.get(id);
      if (item !== undefined) found.push(clone(item) as EntityMap[K]);
    }
    return found;
  }

  async changeMarker(): Promise<string> {
    return String(this.stateOf().audit.at(-1)?.seq ?? 0);
  }

  async versionOf(kind: EntityKind, id: string): Promise<number | null> {
    const found = this.stateOf().entities.get(kind)?.get(id) as { version?: unknown } | undefined;
    if (found === undefined) return null;
    return typeof found.version === 'number' ? found.version : 0;
  }

  async list<K extends EntityKind>(kind: K, query: ListQuery): Promise<Page<EntityMap[K]>> {
    const all = [...(this.stateOf().entities.get(kind)?.values() ?? [])] as EntityMap[K][];
    const matching = all
      .filter((item) => {
        const row = item as unknown as Record<string, unknown>;
        if (query.startingAfter !== undefined && String(row.id) <= query.startingAfter) return false;
        for (const [field, value] of Object.entries(query.where ?? {}))
          if (row[field] !== value) return false;
        return true;
      })
      .sort((a, b) => (String((a as { id: string }).id) < String((b as { id: string }).id) ? -1 : 1));
    return { data: clone(matching.slice(0, query.limit)), hasMore: matching.length > query.limit };
  }

  async listAudit(query: AuditQuery): Promise<Page<AuditEventRecord>> {
    const matching = this.stateOf().audit.filter(
      (e) =>
        (query.afterSeq === undefined || e.seq > query.afterSeq) &&
        (query.entityType === undefined || e.entityType === query.entityType) &&
        (query.entityId === undefined || e.entityId === query.entityId) &&
        (query.actor === undefined || e.actor === query.actor) &&
        (query.from === undefined || e.occurredAt >= query.from) &&
        (query.to === undefined || e.occurredAt < query.to),
    );
    return { data: clone(matching.slice(0, query.limit)), hasMore: matching.length > query.limit };
  }
}

class MemoryTransaction extends MemoryReader implements TenantTransaction {
  getForUpdate<K extends EntityKind>(kind: K, id: string): Promise<EntityMap[K] | null> {
    return this.get(kind, id); // the memory store runs one transaction at a time
  }

  async insert<K extends EntityKind>(kind: K, entity: EntityMap[K]): Promise<void> {
    const state = this.stateOf();
    let table = state.entities.get(kind);
    if (!table) {
      table = new Map();
      state.entities.set(kind, table);
    }
    const id = (entity as { id: string }).id;
    if (table.has(id)) throw new StoreError('DB_UNIQUE_VIOLATION', `${kind} ${id} already exists`);
    table.set(id, clone(entity));
  }

  async update<K extends EntityKind>(kind: K, entity: EntityMap[K], expectedVersion?: number): Promise<void> {
    const table = this.stateOf().entities.get(kind);
    const id = (entity as { id: string }).id;
    const current = table?.get(id) as { version?: number } | undefined;
    if (!table || !current) throw new StoreError('DB_NOT_FOUND', `No such ${kind}: ${id}`);
    if (expectedVersion !== undefined && current.version !== expectedVersion) {
      throw new StoreError('DB_VERSION_CONFLICT', `${kind} ${id} was changed by another request`, {
        expectedVersion,
        actualVersion: current.version,
      });
    }
    table.set(id, clone(entity));
  }

  async appendAudit(input: AuditEventInput): Promise<void> {
    const state = this.stateOf();
    const last = state.audit.at(-1);
    const seq = (last?.seq ?? 0) + 1;
    const prevHash = last?.hash ?? GENESIS_HASH;
    const base = { ...clone(input), seq };
    const event: AuditEventRecord = {
      ...base,
      id: `aud_${randomUUID()}`,
      prevHash,
      hash: auditHash(prevHash, base),
    };
    state.audit.push(event);
  }

  async createApiKey(input: Parameters<TenantTransaction['createApiKey']>[0]): Promise<ApiKeySummary> {
    const key = {
      id: input.id,
      tenantId: this.tenantId,
      name: input.name,
      prefix: input.prefix,
      scopes: [...input.scopes],
      expiresAt: input.expiresAt,
      revokedAt: null,
      createdAt: input.createdAt,
      lastUsedAt: null,
    };
    this.keys.set(input.hashedKey, { ...key, hashedKey: input.hashedKey });
    return clone(key);
  }

  async revokeApiKey(id: string, at: string) {
    for (const [hash, key] of this.keys) {
      if (key.id !== id || key.tenantId !== this.tenantId) continue;
      const { hashedKey: _h, ...before } = key;
      const after = { ...before, revokedAt: key.revokedAt ?? at };
      this.keys.set(hash, { ...after, hashedKey: hash });
      return { before: clone(before), after: clone(after) };
    }
    return null;
  }

  async claimIdempotent(input: IdempotencyClaim): Promise<StoredIdempotency | null> {
    const rows = this.stateOf().idempotency;
    const row = rows.get(input.key);
    if (row && row.expiresAt > Date.now())
      return { requestHash: row.requestHash, status: row.status, body: row.body };
    rows.set(input.key, {
      requestHash: input.requestHash,
      status: null,
      body: null,
      expiresAt: Date.now() + input.ttlMs,
    });
    return null;
  }

  async completeIdempotent(key: string, status: number, body: string): Promise<void> {
    const row = this.stateOf().idempotency.get(key);
    if (!row) throw new StoreError('DB_NOT_FOUND', `No idempotency record ${key}`);
    row.status = status;
    row.body = body;
  }

  async nextNumber(kind: 'invoice' | 'credit_note'): Promise<string> {
    const counters = this.stateOf().counters;
    const next = (counters.get(kind) ?? 0) + 1;
    counters.set(kind, next);
    return `${kind === 'invoice' ? 'INV' : 'CN'}-${String(next).padStart(6, '0')}`;
  }
}

class MemoryTenantStore extends MemoryReader implements TenantStore {
  constructor(
    private readonly store: MemoryStore,
    tenantId: string,
  ) {
    super(() => store.state(tenantId), tenantId, store.cacheOf(tenantId), store.keys);
  }

  transaction<T>(work: (tx: TenantTransaction) => Promise<T>): Promise<T> {
    return this.store.exclusive(async () => {
      const state = this.store.state(this.tenantId);
      const snapshot = clone({
        entities: state.entities,
        audit: state.audit,
        counters: state.counters,
        idempotency: state.idempotency,
      });
      try {
        return await work(new MemoryTransaction(() => state, this.tenantId, this.cache, this.keys));
      } catch (error) {
        state.entities = snapshot.entities;
        state.audit = snapshot.audit;
        state.counters = snapshot.counters;
        state.idempotency = snapshot.idempotency;
        throw error;
      }
    });
  }

  async verifyAudit(): Promise<AuditVerification> {
    return verifyChain(this.store.state(this.tenantId).audit);
  }

  async findIdempotent(key: string): Promise<StoredIdempotency | null> {
    const row = this.store.state(this.tenantId).idempotency.get(key);
    if (!row || row.expiresAt <= Date.now()) return null;
    return { requestHash: row.requestHash, status: row.status, body: row.body };
  }

  async beginIdempotent(
    key: string,
    requestHash: string,
    _method: string,
    _path: string,
    ttlMs: number,
  ): Promise<IdempotencyBegin> {
    const rows = this.store.state(this.tenantId).idempotency;
    const row = rows.get(key);
    if (row && row.expiresAt > Date.now()) {
      if (row.requestHash !== requestHash) return { state: 'mismatch' };
      if (row.status === null || row.body === null) return { state: 'in_progress' };
      return { state: 'replay', status: row.status, body: row.body };
    }
    rows.set(key, { requestHash, status: null, body: null, expiresAt: Date.now() + ttlMs });
    return { state: 'new' };
  }

  async completeIdempotent(key: string, status: number, body: string): Promise<void> {
    const row = this.store.state(this.tenantId).idempotency.get(key);
    if (row) {
      row.status = status;
      row.body = body;
    }
  }

  async releaseIdempotent(key: string): Promise<void> {
    this.store.state(this.tenantId).idempotency.delete(key);
  }

  async recordWebhook(event: WebhookEventRecord) {
    return this.store.exclusive(async () => {
      const state = this.store.state(this.tenantId);
      let table = state.entities.get('webhook_event');
      if (!table) {
        table = new Map();
        state.entities.set('webhook_event', table);
      }
      for (const existing of table.values() as IterableIterator<WebhookEventRecord>) {
        if (existing.provider === event.provider && existing.eventId === event.eventId) {
          return { stored: false, existing: clone(existing) };
        }
      }
      table.set(event.id, clone(event));
      return { stored: true, existing: null };
    });
  }
}

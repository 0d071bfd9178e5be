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

/** A page of a list, ordered by id ascending (ids sort by creation time). */
export interface Page<T> {
  readonly data: T[];
  readonly hasMore: boolean;
}

export interface ListQuery {
  readonly limit: number;
  /** Return items after this id. */
  readonly startingAfter?: string;
  /** Exact matches on top-level string/boolean fields (`customerId`, `status`, …). */
  readonly where?: Readonly<Record<string, string | boolean | null>>;
}

export interface AuditQuery {
  readonly limit: number;
  /** Return events with `seq` greater than this. */
  readonly afterSeq?: number;
  readonly entityType?: string;
  readonly entityId?: string;
  readonly actor?: string;
  readonly from?: string;
  readonly to?: string;
}

export interface AuditVerification {
  readonly valid: boolean;
  readonly checked: number;
  /** The first event whose hash or link does not match, or the first one missing, when invalid. */
  readonly brokenAtSeq: number | null;
  /** What is wrong, in words (db's `AuditChainVerification.message`): `events after seq 4 are missing (…)`. */
  readonly reason: string | null;
}

/** Reads scoped to one tenant: another tenant's ids are simply not found. */
export interface TenantReader {
  readonly tenantId: string;
  /**
   * Memo space of this tenant in this process (derived values such as the validated tax table). Callers
   * key their entries by a stored version, so a stale entry is never used.
   */
  readonly cache: Map<string, unknown>;
  get<K extends EntityKind>(kind: K, id: string): Promise<EntityMap[K] | null>;
  /** The entities with these ids (missing ones are left out), in one round trip. */
  getMany<K extends EntityKind>(kind: K, ids: readonly string[]): Promise<EntityMap[K][]>;
  /**
   * A marker that changes whenever a change to this tenant commits: the head of its audit chain (every
   * change writes its audit events in the same transaction). Cheap: one indexed read.
   */
  changeMarker(): Promise<string>;
  /** The stored `version` of an entity without reading its body; null when absent. */
  versionOf(kind: EntityKind, id: string): Promise<number | null>;
  list<K extends EntityKind>(kind: K, query: ListQuery): Promise<Page<EntityMap[K]>>;
  listAudit(query: AuditQuery): Promise<Page<AuditEventRecord>>;
  /** The tenant's API keys, oldest first (revoked ones included). */
  listApiKeys(): Promise<ApiKeySummary[]>;
}

/** Writes inside one transaction: everything (including audit events) commits together or not at all. */
export interface TenantTransaction extends TenantReader {
  /**
   * Reads an entity this transaction is about to update, locking it until the commit (MySQL: a row
   * lock), so concurrent changes of it queue here instead of failing the lost-update check later.
   */
  getForUpdate<K extends EntityKind>(kind: K, id: string): Promise<EntityMap[K] | null>;
  insert<K extends EntityKind>(kind: K, entity: EntityMap[K]): Promise<void>;
  /**
   * Replaces an entity. With `expectedVersion` the write succeeds only if the stored `version` still
   * equals it (optimistic concurrency); otherwise throws StoreError `DB_VERSION_CONFLICT`.
   */
  update<K extends EntityKind>(kind: K, entity: EntityMap[K], expectedVersion?: number): Promise<void>;
  /**
   * Appends an event to the tenant's audit chain with this transaction: it commits or rolls back with the
   * change. A store may write the transaction's events together at its end (in the order appended).
   */
  appendAudit(event: AuditEventInput): Promise<void>;
  /** Next gap-free document number (`INV-000001`), consumed only if the transaction commits. */
  nextNumber(kind: 'invoice' | 'credit_note'): Promise<string>;
  /**
   * Claims an Idempotency-Key inside this transaction: `null` when claimed (the row becomes visible only
   * with the commit, together with the change and its response), else the unexpired record already there.
   */
  claimIdempotent(input: IdempotencyClaim): Promise<StoredIdempotency | null>;
  /** Creates an API key; only the SHA-256 of `secret` is stored. */
  createApiKey(input: {
    readonly id: string;
    readonly name: string;
    readonly prefix: string;
    readonly hashedKey: string;
    readonly scopes: readonly Scope[];
    readonly expiresAt: string | null;
    readonly createdAt: string;
  }): Promise<ApiKeySummary>;
  /** Revokes the tenant's key `id` at `at` (kept if already revoked); null when the tenant has no such key. */
  revokeApiKey(id: string, at: string): Promise<{ before: ApiKeySummary; after: ApiKeySummary } | null>;
  /** Stores the response of a key claimed in this transaction. */
  completeIdempotent(key: string, status: number, body: string): Promise<void>;
}

export interface IdempotencyClaim {
  readonly key: string;
  readonly requestHash: string;
  readonly method: string;
  readonly path: string;
  readonly ttlMs: number;
}

/** An unexpired idempotency record; `status`/`body` are null while a claim-mode request is running. */
export interface StoredIdempotency {
  readonly requestHash: string;
  readonly status: number | null;
  readonly body: string | null;
}

export type IdempotencyBegin =
  /**
   * Claimed: run the request, keep the lease with `renewIdempotent`, then complete or release. `takenOver`:
   * an earlier request with this key died unfinished (its lease ran out), so this one runs it again.
   */
  | { readonly state: 'new'; readonly takenOver?: boolean }
  | { readonly state: 'replay'; readonly status: number; readonly body: string }
  | { readonly state: 'mismatch' }
  /** Another request with this key runs; its lease ends in `retryAfterMs` at the latest, unless renewed. */
  | { readonly state: 'in_progress'; readonly retryAfterMs?: number };

/** How a tenant transaction may be run. */
export interface TransactionOptions {
  /**
   * Asked before `work` runs again after the database aborted the transaction for a lost race (deadlock,
   * lock wait timeout, or an entity changed by another transaction since this one read it): a store may
   * roll back and run `work` again from the start, but only while this answers true (default: always).
   * `work` must have no effects outside the transaction for a rerun to be safe.
   */
  readonly mayRetry?: () => boolean;
}

export interface TenantStore extends TenantReader {
  /**
   * Runs `work` in one transaction. Concurrent transactions of one tenant run in parallel; an entity that
   * `work` read and then updates is checked under a row lock at the update, so no change is lost: a lost
   * race rolls the transaction back and (see {@link TransactionOptions.mayRetry}) runs it again.
   */
  transaction<T>(work: (tx: TenantTransaction) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /** Checks the tenant's audit chain, and that it reaches the chain head (deleted newest events fail). */
  verifyAudit(): Promise<AuditVerification>;
  /** The unexpired record of an Idempotency-Key, if any (a read; claims nothing). */
  findIdempotent(key: string): Promise<StoredIdempotency | null>;
  /**
   * Claims an Idempotency-Key for a request that runs outside one transaction (claim mode). The claim is
   * leased for `leaseMs` (default 30 s): its holder renews it while it works, and a claim whose holder died
   * is taken over by the next request with the key once the lease has run out.
   */
  beginIdempotent(
    key: string,
    requestHash: string,
    method: string,
    path: string,
    ttlMs: number,
    leaseMs?: number,
  ): Promise<IdempotencyBegin>;
  /** Extends the lease of a running claim (see `beginIdempotent`); false when it is no longer running. */
  renewIdempotent(key: string, leaseMs?: number): Promise<boolean>;
  completeIdempotent(key: string, status: number, body: string): Promise<void>;
  /** Forget an unfinished key (the request failed with a 5xx): a retry may run again. */
  releaseIdempotent(key: string): Promise<void>;
  /** Stores a received webhook event unless its provider event id is already stored; says which. */
  recordWebhook(
    event: WebhookEventRecord,
  ): Promise<{ readonly stored: boolean; readonly existing: WebhookEventRecord | null }>;
}

/**
 * What apps/api needs from storage. Implemented over @billkit/db (SQLite / MariaDB) and in memory for
 * unit tests of the HTTP layer.
 */
export interface Store {
  readonly provider: 'memory' | 'sqlite' | 'mysql';
  ping(): Promise<void>;
  close(): Promise<void>;
  /** The key whose secret hashes (SHA-256, hex) to `hashedKey`, if active. */
  /**
   * The key with this SHA-256 (null when unknown or revoked) and its tenant; `changeMarker`, when the store
   * can read it in the same round trip, is the tenant's `TenantReader.changeMarker()` at that moment.
   */
  findApiKey(
    hashedKey: string,
  ): Promise<(ApiKeyRecord & { tenant: TenantRecord; changeMarker?: string }) | null>;
  forTenant(tenantId: string): TenantStore;
  listTenants(): Promise<TenantRecord[]>;
}

export type StoreErrorCode =
  | 'DB_VERSION_CONFLICT'
  | 'DB_NOT_FOUND'
  | 'DB_UNIQUE_VIOLATION'
  | 'DB_UNAVAILABLE';

export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

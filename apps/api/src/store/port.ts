import type {
  ApiKeyRecord,
  AuditEventInput,
  AuditEventRecord,
  EntityKind,
  EntityMap,
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
  /** The first event whose hash or link does not match, when invalid. */
  readonly brokenAtSeq: number | null;
  readonly reason: string | null;
}

/** Reads scoped to one tenant: another tenant's ids are simply not found. */
export interface TenantReader {
  get<K extends EntityKind>(kind: K, id: string): Promise<EntityMap[K] | null>;
  list<K extends EntityKind>(kind: K, query: ListQuery): Promise<Page<EntityMap[K]>>;
  listAudit(query: AuditQuery): Promise<Page<AuditEventRecord>>;
}

/** Writes inside one transaction: everything (including audit events) commits together or not at all. */
export interface TenantTransaction extends TenantReader {
  insert<K extends EntityKind>(kind: K, entity: EntityMap[K]): Promise<void>;
  /**
   * Replaces an entity. With `expectedVersion` the write succeeds only if the stored `version` still
   * equals it (optimistic concurrency); otherwise throws StoreError `DB_VERSION_CONFLICT`.
   */
  update<K extends EntityKind>(kind: K, entity: EntityMap[K], expectedVersion?: number): Promise<void>;
  appendAudit(event: AuditEventInput): Promise<AuditEventRecord>;
  /** Next gap-free document number (`INV-000001`), consumed only if the transaction commits. */
  nextNumber(kind: 'invoice' | 'credit_note'): Promise<string>;
}

export type IdempotencyBegin =
  | { readonly state: 'new' }
  | { readonly state: 'replay'; readonly status: number; readonly body: string }
  | { readonly state: 'mismatch' }
  | { readonly state: 'in_progress' };

export interface TenantStore extends TenantReader {
  transaction<T>(work: (tx: TenantTransaction) => Promise<T>): Promise<T>;
  verifyAudit(): Promise<AuditVerification>;
  beginIdempotent(
    key: string,
    requestHash: string,
    method: string,
    path: string,
    ttlMs: number,
  ): Promise<IdempotencyBegin>;
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
  findApiKey(hashedKey: string): Promise<(ApiKeyRecord & { tenant: TenantRecord }) | null>;
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

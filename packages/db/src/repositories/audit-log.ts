import { createHash } from 'node:crypto';
import type { BillingEvent } from '@billkit/billing-core';
import { insertRows } from '../bulk.js';
import { canonicalJson, legacyCanonicalJson } from '../canonical-json.js';
import { toDate, toIso } from '../codec.js';
import { atomicWithRetry, newId, type Scope } from '../scope.js';

/** What a caller appends: the fact, who did it, and what it is about. billing-core's `BillingEvent`s are accepted as they are. */
export interface AuditEventInput {
  type: string;
  entityType: string;
  entityId: string;
  actor?: string | null;
  data: unknown;
  /** Defaults to now. */
  occurredAt?: string;
}

/** An audit event as a caller writes it, or a billing-core `BillingEvent` (subjectType/subjectId become entityType/entityId). */
export type AuditEventLike = AuditEventInput | BillingEvent;

/** Normalises a billing-core `BillingEvent` (or an `AuditEventInput`) to an `AuditEventInput`. */
export function toAuditEventInput(event: AuditEventLike, actor?: string): AuditEventInput {
  if ('subjectType' in event) {
    return {
      type: event.type,
      entityType: event.subjectType,
      entityId: event.subjectId,
      data: event.data,
      occurredAt: event.occurredAt,
      ...(actor !== undefined ? { actor } : {}),
    };
  }
  return actor !== undefined && event.actor === undefined ? { ...event, actor } : event;
}

export interface AuditEvent {
  id: string;
  seq: number;
  type: string;
  entityType: string;
  entityId: string;
  actor: string | null;
  data: unknown;
  occurredAt: string;
  prevHash: string;
  hash: string;
}

/**
 * Why a chain does not verify:
 * - `hash_mismatch`: the event at `brokenAtSeq` was edited (its hash is not that of its contents);
 * - `prev_hash_mismatch`: it does not link to the event before it (reordered, forged or replaced);
 * - `sequence_gap`: the event at `brokenAtSeq` is missing (deleted from the middle of the chain);
 * - `events_missing`: the chain ends before the tenant's chain head (`AuditChainHead`): the newest events,
 *   from `brokenAtSeq` on, were deleted;
 * - `head_mismatch`: the event the chain head records has another hash than the head (rewritten).
 */
export type AuditChainBreak =
  | 'hash_mismatch'
  | 'prev_hash_mismatch'
  | 'sequence_gap'
  | 'events_missing'
  | 'head_mismatch';

export type AuditChainVerification =
  | { valid: true; events: number; head: string }
  | {
      valid: false;
      /** Events checked and found intact before the break. */
      events: number;
      brokenAtSeq: number;
      reason: AuditChainBreak;
      /** The break in words, e.g. `events after seq 4 are missing (chain head records 6)`. */
      message: string;
    };

export interface AuditLogRepository {
  /** Appends events in order, extending the tenant's hash chain; returns them with seq and hashes. */
  append(tenantId: string, ...events: AuditEventLike[]): Promise<AuditEvent[]>;
  list(
    tenantId: string,
    options?: { entityType?: string; entityId?: string; afterSeq?: number; limit?: number },
  ): Promise<AuditEvent[]>;
  /**
   * Recomputes every hash of the tenant's chain and checks that it reaches the tenant's chain head (the last
   * seq and hash every append records); reports the first event that was edited, removed or reordered, and
   * a chain whose newest events were deleted.
   */
  verifyChain(tenantId: string): Promise<AuditChainVerification>;
}

/** The hash that starts every tenant's chain. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * Which canonical JSON an event was hashed with: `rfc8785` ({@link canonicalJson}) for events appended since
 * billkit hashes with RFC 8785, `legacy` ({@link legacyCanonicalJson}) for those appended before. Read from the
 * event's id, which changed to a ULID in the same release (the forms differ on array-index keys and lone
 * surrogates). The id is not hashed, but editing it cannot make an edited event verify: each form is
 * unambiguous JSON, so either one matching the hash means the data is what was hashed.
 */
export function auditHashForm(eventId: string): 'rfc8785' | 'legacy' {
  return ULID_ID.test(eventId) ? 'rfc8785' : 'legacy';
}

const ULID_ID = /_[0-9A-HJKMNP-TV-Z]{26}$/;

/**
 * SHA-256 over the previous hash and the event's canonical JSON (tenant and seq included, id and hash not), in
 * the form `form` (see {@link auditHashForm}; RFC 8785 unless told).
 */
export function auditHash(
  tenantId: string,
  event: Omit<AuditEvent, 'id' | 'hash'>,
  form: 'rfc8785' | 'legacy' = 'rfc8785',
): string {
  const text = form === 'rfc8785' ? canonicalJson : legacyCanonicalJson;
  return hashOver(tenantId, event, text(event.data), text);
}

/**
 * `auditHash` with the event's data already in canonical JSON: the hashed text is built around it rather
 * than canonicalising the data again (the largest part of an event). The same bytes as the canonical JSON of
 * the whole event: its keys in sorted order, `data` spliced in as is, the other fields written by `text`.
 */
function hashOver(
  tenantId: string,
  event: Omit<AuditEvent, 'id' | 'hash' | 'data'>,
  dataJson: string,
  text: (value: unknown) => string,
): string {
  const body =
    `{"actor":${text(event.actor)},"data":${dataJson},"entityId":${text(event.entityId)},` +
    `"entityType":${text(event.entityType)},"occurredAt":${text(event.occurredAt)},` +
    `"seq":${text(event.seq)},"tenantId":${text(tenantId)},"type":${text(event.type)}}`;
  return createHash('sha256').update(event.prevHash).update('\n').update(body).digest('hex');
}

type Row = Awaited<ReturnType<Scope['client']['auditEvent']['findFirstOrThrow']>>;
const fromRow = (row: Row): AuditEvent => ({
  id: row.id,
  seq: row.seq,
  type: row.type,
  entityType: row.entityType,
  entityId: row.entityId,
  actor: row.actor,
  data: JSON.parse(row.data) as unknown,
  occurredAt: toIso(row.occurredAt),
  prevHash: row.prevHash,
  hash: row.hash,
});

/**
 * Extends a chain whose head is `head` with `events`, in order: each gets the next `seq`, the previous hash
 * and its own hash. Pure; {@link appendAuditEvents} stores the result.
 */
export function chainAuditEvents(
  tenantId: string,
  head: { seq: number; hash: string },
  events: readonly AuditEventLike[],
  now: () => string = () => new Date().toISOString(),
): AuditEvent[] {
  return chainWithData(tenantId, head, events, now).map(({ event }) => event);
}

/** `chainAuditEvents`, with each event's data as the canonical JSON that is stored. */
function chainWithData(
  tenantId: string,
  head: { seq: number; hash: string },
  events: readonly AuditEventLike[],
  now: () => string = () => new Date().toISOString(),
): { event: AuditEvent; dataJson: string }[] {
  let seq = head.seq;
  let prevHash = head.hash;
  const out: { event: AuditEvent; dataJson: string }[] = [];
  for (const event of events) {
    const input = toAuditEventInput(event);
    seq += 1;
    // Round-trip through JSON so what is hashed is exactly what is stored and read back.
    const dataJson = canonicalJson(input.data ?? null);
    const data = JSON.parse(dataJson) as unknown;
    const occurredAt = toIso(toDate(input.occurredAt ?? now()));
    const chained = {
      seq,
      type: input.type,
      entityType: input.entityType,
      entityId: input.entityId,
      actor: input.actor ?? null,
      data,
      occurredAt,
      prevHash,
    };
    const hash = hashOver(tenantId, chained, dataJson, canonicalJson);
    out.push({ event: { ...chained, id: newId('evt'), hash }, dataJson });
    prevHash = hash;
  }
  return out;
}

/**
 * Appends inside the caller's transaction. The tenant's chain head (`AuditChainHead`) is locked (`FOR UPDATE` on
 * MySQL; SQLite serialises writers) and gives the last seq and hash, so appends queue per tenant on a row no
 * foreign key references. Call it last in a transaction: the head stays locked until the commit. However many
 * events there are, they are written with multi-row INSERTs and the head is moved once.
 */
export async function appendAuditEvents(
  scope: Scope,
  tenantId: string,
  events: readonly AuditEventLike[],
): Promise<AuditEvent[]> {
  if (events.length === 0) return [];
  const head = await lockChainHead(scope, tenantId);
  const chained = chainWithData(tenantId, head, events);
  const out = chained.map(({ event }) => event);
  const insert = () =>
    insertRows(
      scope,
      'AuditEvent',
      [
        'id',
        'tenantId',
        'seq',
        'type',
        'entityType',
        'entityId',
        'actor',
        'data',
        'occurredAt',
        'prevHash',
        'hash',
      ],
      chained.map(({ event: e, dataJson }) => [
        e.id,
        tenantId,
        e.seq,
        e.type,
        e.entityType,
        e.entityId,
        e.actor,
        dataJson,
        toDate(e.occurredAt),
        e.prevHash,
        e.hash,
      ]),
    );
  const last = out[out.length - 1] as AuditEvent;
  // updateMany: one UPDATE (update would read the row before and after).
  const moveHead = () =>
    scope.client.auditChainHead.updateMany({ where: { tenantId }, data: { seq: last.seq, hash: last.hash } });
  // The head stays locked until the commit: on a pipelined connection both statements go in one round trip.
  if (scope.pipelined) await Promise.all([insert(), moveHead()]);
  else {
    await insert();
    await moveHead();
  }
  return out;
}

/**
 * Locks the tenant's chain head and returns it. A tenant without one (created before the head existed, or
 * by raw SQL) gets it here, seeded from its latest event; the insert is idempotent, so concurrent first
 * appends both succeed and then queue on the same row.
 */
async function lockChainHead(scope: Scope, tenantId: string): Promise<{ seq: number; hash: string }> {
  const read = async () => {
    const rows =
      scope.provider === 'mysql'
        ? await scope.client.$queryRawUnsafe<{ seq: number | bigint; hash: string }[]>(
            'SELECT seq, hash FROM `AuditChainHead` WHERE tenantId = ? FOR UPDATE',
            tenantId,
          )
        : await scope.client.$queryRawUnsafe<{ seq: number | bigint; hash: string }[]>(
            'SELECT "seq", "hash" FROM "AuditChainHead" WHERE "tenantId" = ?',
            tenantId,
          );
    const row = rows[0];
    return row ? { seq: Number(row.seq), hash: row.hash } : null;
  };
  const head = await read();
  if (head) return head;
  // A locking read on MySQL: a plain read would see the transaction's snapshot, possibly older than the chain.
  const [last] =
    scope.provider === 'mysql'
      ? await scope.client.$queryRawUnsafe<{ seq: number | bigint; hash: string }[]>(
          'SELECT seq, hash FROM `AuditEvent` WHERE tenantId = ? ORDER BY seq DESC LIMIT 1 LOCK IN SHARE MODE',
          tenantId,
        )
      : await scope.client.$queryRawUnsafe<{ seq: number | bigint; hash: string }[]>(
          'SELECT "seq", "hash" FROM "AuditEvent" WHERE "tenantId" = ? ORDER BY "seq" DESC LIMIT 1',
          tenantId,
        );
  const seed = [tenantId, Number(last?.seq ?? 0), last?.hash ?? GENESIS_HASH] as const;
  if (scope.provider === 'mysql') {
    // ON DUPLICATE KEY UPDATE (not INSERT IGNORE): a missing tenant still fails its foreign key, and a row
    // another transaction inserted meanwhile is locked exclusively at once (no shared-to-exclusive upgrade).
    await scope.client.$executeRawUnsafe(
      'INSERT INTO `AuditChainHead` (tenantId, seq, hash) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE tenantId = tenantId',
      ...seed,
    );
  } else {
    await scope.client.$executeRawUnsafe(
      'INSERT INTO "AuditChainHead" ("tenantId", "seq", "hash") VALUES (?, ?, ?) ON CONFLICT ("tenantId") DO NOTHING',
      ...seed,
    );
  }
  return (await read()) as { seq: number; hash: string };
}

export function auditLogRepository(scope: Scope): AuditLogRepository {
  return {
    append(tenantId, ...events) {
      return atomicWithRetry(scope, (tx) => appendAuditEvents(tx, tenantId, events));
    },
    async list(tenantId, options = {}) {
      const rows = await scope.client.auditEvent.findMany({
        where: {
          tenantId,
          ...(options.entityType !== undefined ? { entityType: options.entityType } : {}),
          ...(options.entityId !== undefined ? { entityId: options.entityId } : {}),
          ...(options.afterSeq !== undefined ? { seq: { gt: options.afterSeq } } : {}),
        },
        orderBy: { seq: 'asc' },
        take: Math.min(options.limit ?? 1000, 10_000),
      });
      return rows.map(fromRow);
    },
    async verifyChain(tenantId) {
      // The head first: every event up to its seq was committed with it, while events appended after this
      // read have higher seqs, so a concurrent append cannot make an intact chain look short.
      const head = await scope.client.auditChainHead.findUnique({ where: { tenantId } });
      let prevHash = GENESIS_HASH;
      let expectedSeq = 1;
      let count = 0;
      const broken = (brokenAtSeq: number, reason: AuditChainBreak, message: string) =>
        ({ valid: false, events: count, brokenAtSeq, reason, message }) as const;
      for (;;) {
        const rows = await scope.client.auditEvent.findMany({
          where: { tenantId, seq: { gte: expectedSeq } },
          orderBy: { seq: 'asc' },
          take: 500,
        });
        if (rows.length === 0) break;
        for (const row of rows) {
          const event = fromRow(row);
          if (event.seq !== expectedSeq)
            return broken(
              expectedSeq,
              'sequence_gap',
              `event ${expectedSeq} is missing (next is ${event.seq})`,
            );
          if (event.prevHash !== prevHash)
            return broken(
              event.seq,
              'prev_hash_mismatch',
              `event ${event.seq} does not link to the one before`,
            );
          if (auditHash(tenantId, event, auditHashForm(event.id)) !== event.hash)
            return broken(event.seq, 'hash_mismatch', `event ${event.seq} does not match its hash`);
          if (head && event.seq === head.seq && event.hash !== head.hash)
            return broken(
              event.seq,
              'head_mismatch',
              `event ${event.seq} is not the one the chain head records`,
            );
          prevHash = event.hash;
          expectedSeq += 1;
          count += 1;
        }
      }
      if (head && count < head.seq)
        return broken(
          count + 1,
          'events_missing',
          `events after seq ${count} are missing (chain head records ${head.seq})`,
        );
      return { valid: true, events: count, head: prevHash };
    },
  };
}

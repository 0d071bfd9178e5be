import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';
import type { AuditEventRecord } from './store/records.js';

export const GENESIS_HASH = '0'.repeat(64);

/** SHA-256 over the previous hash and the event's canonical JSON: any edit or deletion breaks the chain. */
export function auditHash(
  prevHash: string,
  event: Omit<AuditEventRecord, 'id' | 'prevHash' | 'hash'>,
): string {
  const body = canonicalJson({
    seq: event.seq,
    type: event.type,
    actor: event.actor,
    entityType: event.entityType,
    entityId: event.entityId,
    data: event.data,
    occurredAt: event.occurredAt,
  });
  return createHash('sha256').update(prevHash).update('\n').update(body).digest('hex');
}

/** Walks a tenant's events in `seq` order and reports the first broken link. */
export function verifyChain(events: readonly AuditEventRecord[]) {
  let prev = GENESIS_HASH;
  let expectedSeq = 1;
  for (const event of events) {
    if (event.seq !== expectedSeq) {
      return {
        valid: false,
        checked: expectedSeq - 1,
        brokenAtSeq: expectedSeq,
        reason: 'missing event (gap in seq)',
      };
    }
    if (event.prevHash !== prev) {
      return {
        valid: false,
        checked: expectedSeq - 1,
        brokenAtSeq: event.seq,
        reason: 'prev_hash does not link',
      };
    }
    if (auditHash(prev, event) !== event.hash) {
      return {
        valid: false,
        checked: expectedSeq - 1,
        brokenAtSeq: event.seq,
        reason: 'hash does not match content',
      };
    }
    prev = event.hash;
    expectedSeq += 1;
  }
  return { valid: true, checked: events.length, brokenAtSeq: null, reason: null };
}

import type { AuditEventRecord, AuditVerification, Page } from '@billkit/db';
import { type Deps, type OperationContext, tenantOf } from './context.js';

/** Which audit events to list (oldest first): by entity, actor or time, after a `seq` cursor. */
export interface ListAuditEventsInput {
  readonly limit: number;
  /** The last `seq` of the previous page. */
  readonly startingAfter?: number | undefined;
  readonly entityType?: string | undefined;
  readonly entityId?: string | undefined;
  readonly actor?: string | undefined;
  /** ISO 8601 instants (any offset), inclusive. */
  readonly from?: string | undefined;
  readonly to?: string | undefined;
}

/**
 * The audit trail: list, verify.
 *
 * @example
 * const { valid, brokenAtSeq } = await billing.audit.verify({ tenantId });
 */
export function auditOperations(deps: Deps) {
  return {
    async list(ctx: OperationContext, query: ListAuditEventsInput): Promise<Page<AuditEventRecord>> {
      return tenantOf(deps, ctx).listAudit({
        limit: query.limit,
        ...(query.startingAfter !== undefined ? { afterSeq: query.startingAfter } : {}),
        ...(query.entityType !== undefined ? { entityType: query.entityType } : {}),
        ...(query.entityId !== undefined ? { entityId: query.entityId } : {}),
        ...(query.actor !== undefined ? { actor: query.actor } : {}),
        ...(query.from !== undefined ? { from: new Date(query.from).toISOString() } : {}),
        ...(query.to !== undefined ? { to: new Date(query.to).toISOString() } : {}),
      });
    },

    /** Checks the tenant's audit hash chain: an edited or deleted event breaks it at its `seq`. */
    async verify(ctx: OperationContext): Promise<AuditVerification> {
      return tenantOf(deps, ctx).verifyAudit();
    },
  };
}

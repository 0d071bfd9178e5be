import { z } from 'zod';
import { instantSchema } from '../http/schemas.js';
import type { AuditEventRecord } from '@billkit/db';
import { type RouteContext, type TypedApp, tenantOf } from './context.js';

const auditJson = z
  .object({
    id: z.string(),
    object: z.literal('audit_event'),
    seq: z.number().int(),
    type: z.string(),
    actor: z.string().nullable().describe('The API key id (or `system`) that caused it'),
    entity_type: z.string(),
    entity_id: z.string(),
    data: z.record(z.string(), z.unknown()).describe('{ before, after, requestId, event }'),
    occurred_at: z.string(),
    prev_hash: z.string(),
    hash: z.string(),
  })
  .meta({ id: 'AuditEvent' });

function presentAudit(e: AuditEventRecord): z.infer<typeof auditJson> {
  return {
    id: e.id,
    object: 'audit_event',
    seq: e.seq,
    type: e.type,
    actor: e.actor,
    entity_type: e.entityType,
    entity_id: e.entityId,
    data: e.data,
    occurred_at: e.occurredAt,
    prev_hash: e.prevHash,
    hash: e.hash,
  };
}

export async function auditRoutes(app: TypedApp, ctx: RouteContext): Promise<void> {
  const tags = ['audit'];
  app.get(
    '/v1/audit-events',
    {
      config: { scope: 'admin' },
      schema: {
        tags,
        summary: 'List audit events by entity, actor or time (oldest first)',
        querystring: z.strictObject({
          limit: z.coerce.number().int().min(1).max(100).default(20),
          starting_after: z.coerce
            .number()
            .int()
            .min(0)
            .optional()
            .describe('Cursor: the last seq of the previous page'),
          entity_type: z.string().optional(),
          entity_id: z.string().optional(),
          actor: z.string().optional(),
          from: instantSchema.optional(),
          to: instantSchema.optional(),
        }),
        response: {
          200: z.object({
            object: z.literal('list'),
            data: z.array(auditJson),
            has_more: z.boolean(),
            next_cursor: z.number().int().nullable(),
          }),
        },
      },
    },
    async (request) => {
      const q = request.query;
      const result = await tenantOf(ctx, request).listAudit({
        limit: q.limit,
        ...(q.starting_after !== undefined ? { afterSeq: q.starting_after } : {}),
        ...(q.entity_type !== undefined ? { entityType: q.entity_type } : {}),
        ...(q.entity_id !== undefined ? { entityId: q.entity_id } : {}),
        ...(q.actor !== undefined ? { actor: q.actor } : {}),
        ...(q.from !== undefined ? { from: new Date(q.from).toISOString() } : {}),
        ...(q.to !== undefined ? { to: new Date(q.to).toISOString() } : {}),
      });
      return {
        object: 'list' as const,
        data: result.data.map(presentAudit),
        has_more: result.hasMore,
        next_cursor: result.hasMore ? (result.data.at(-1)?.seq ?? null) : null,
      };
    },
  );

  app.get(
    '/v1/audit-events/verify',
    {
      config: { scope: 'admin' },
      schema: {
        tags,
        summary: "Verify the tenant's audit hash chain (detects edited or deleted events)",
        response: {
          200: z.object({
            object: z.literal('audit_verification'),
            valid: z.boolean(),
            checked: z.number().int(),
            broken_at_seq: z.number().int().nullable(),
            reason: z.string().nullable(),
          }),
        },
      },
    },
    async (request) => {
      const v = await tenantOf(ctx, request).verifyAudit();
      return {
        object: 'audit_verification' as const,
        valid: v.valid,
        checked: v.checked,
        broken_at_seq: v.brokenAtSeq,
        reason: v.reason,
      };
    },
  );
}

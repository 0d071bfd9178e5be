import type { AuditEventRecord } from '@billkit/db';
import { z } from 'zod';
import { camelize, snakeize } from '../http/casing.js';
import { instantSchema } from '../http/schemas.js';
import { operationOf, type RouteContext, type TypedApp } from './context.js';

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
  // `data` is the stored document as written (camelCase `requestId`, entity snapshots): not renamed.
  const { data, ...rest } = e;
  return { ...snakeize<z.infer<typeof auditJson>>(rest), object: 'audit_event', data };
}

export async function auditRoutes(app: TypedApp, ctx: RouteContext): Promise<void> {
  const tags = ['audit'];
  app.get(
    '/v1/audit-events',
    {
      config: { scope: 'admin' },
      schema: {
        tags,
        operationId: 'listAuditEvents',
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
      const result = await ctx.billing.audit.list(operationOf(ctx, request), camelize(request.query));
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
        operationId: 'verifyAuditChain',
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
    async (request) => ({
      ...snakeize<{ valid: boolean; checked: number; broken_at_seq: number | null; reason: string | null }>(
        await ctx.billing.audit.verify(operationOf(ctx, request)),
      ),
      object: 'audit_verification' as const,
    }),
  );
}

import { z } from 'zod';
import { generateApiKey } from '@billkit/db';
import { ApiError, notFound } from '../http/problem.js';
import { idParams, instantSchema, listOf, listQuery } from '../http/schemas.js';
import { newId } from '@billkit/workflows';
import type { ApiKeySummary } from '@billkit/db';
import { change, type RouteContext, type TypedApp, tenantOf } from './context.js';

const scopeSchema = z.enum(['read', 'write', 'admin']);

export const apiKeyJson = z
  .object({
    id: z.string(),
    object: z.literal('api_key'),
    name: z.string(),
    prefix: z
      .string()
      .describe('The first characters of the secret: enough to recognise it, never to use it'),
    scopes: z.array(scopeSchema),
    created_at: z.string(),
    expires_at: z.string().nullable(),
    revoked_at: z.string().nullable(),
    last_used_at: z.string().nullable(),
  })
  .meta({ id: 'ApiKey' });

const createdApiKeyJson = apiKeyJson
  .extend({
    secret: z
      .string()
      .nullable()
      .describe(
        'The key itself, shown only in the response that created it (null in an Idempotency-Key replay: ' +
          'only its SHA-256 is stored)',
      ),
  })
  .meta({ id: 'CreatedApiKey' });

const createBody = z.strictObject({
  name: z.string().min(1).max(100),
  scopes: z.array(scopeSchema).min(1).max(3),
  expires_at: instantSchema.nullable().optional().describe('When the key stops working; null = never'),
});

export function presentApiKey(key: ApiKeySummary): z.infer<typeof apiKeyJson> {
  return {
    id: key.id,
    object: 'api_key',
    name: key.name,
    prefix: key.prefix,
    scopes: [...key.scopes],
    created_at: key.createdAt,
    expires_at: key.expiresAt,
    revoked_at: key.revokedAt,
    last_used_at: key.lastUsedAt,
  };
}

/** What an idempotency record keeps of a creation: everything but the secret. */
function withoutSecret(body: string): string {
  const parsed = JSON.parse(body) as Record<string, unknown>;
  return JSON.stringify('secret' in parsed ? { ...parsed, secret: null } : parsed);
}

export async function apiKeyRoutes(app: TypedApp, ctx: RouteContext): Promise<void> {
  const tags = ['api keys'];

  app.post(
    '/v1/api-keys',
    {
      config: { scope: 'admin', idempotencyStoredBody: withoutSecret },
      schema: {
        tags,
        summary: "Create an API key for the caller's tenant; the secret is in this response only",
        body: createBody,
        response: { 201: createdApiKeyJson },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const now = ctx.clock();
      if (b.expires_at != null && Date.parse(b.expires_at) <= now.getTime()) {
        throw new ApiError('API_VALIDATION_FAILED', 'expires_at must be in the future', {
          fields: [{ location: 'body', path: 'expires_at', message: 'must be in the future' }],
        });
      }
      const { secret, prefix, hashedKey } = generateApiKey();
      const key = await change(ctx, request, async (tx, record) => {
        const created = await tx.createApiKey({
          id: newId('key'),
          name: b.name,
          prefix,
          hashedKey,
          scopes: [...new Set(b.scopes)],
          expiresAt: b.expires_at == null ? null : new Date(b.expires_at).toISOString(),
          createdAt: now.toISOString(),
        });
        await record({
          type: 'api_key.created',
          entityType: 'api_key',
          entityId: created.id,
          before: null,
          after: presentApiKey(created),
        });
        return created;
      });
      return reply.code(201).send({ ...presentApiKey(key), secret });
    },
  );

  app.get(
    '/v1/api-keys',
    {
      config: { scope: 'admin' },
      schema: {
        tags,
        summary: "List the tenant's API keys (revoked ones included; never their secrets)",
        querystring: listQuery,
        response: { 200: listOf(apiKeyJson) },
      },
    },
    async (request) => {
      const { limit, starting_after } = request.query;
      const keys = (await tenantOf(ctx, request).listApiKeys())
        .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
        .filter((k) => starting_after === undefined || k.id > starting_after);
      const data = keys.slice(0, limit);
      const hasMore = keys.length > limit;
      return {
        object: 'list' as const,
        data: data.map(presentApiKey),
        has_more: hasMore,
        next_cursor: hasMore ? (data.at(-1)?.id ?? null) : null,
      };
    },
  );

  app.post(
    '/v1/api-keys/:id/revoke',
    {
      config: { scope: 'admin' },
      schema: {
        tags,
        summary: 'Revoke an API key: the next request made with it is refused (401)',
        params: idParams,
        body: z.strictObject({}).optional(),
        response: { 200: apiKeyJson },
      },
    },
    async (request) => {
      const revoked = await change(ctx, request, async (tx, record) => {
        const result = await tx.revokeApiKey(request.params.id, ctx.clock().toISOString());
        if (!result) throw notFound('api_key', request.params.id);
        if (result.before.revokedAt === null) {
          await record({
            type: 'api_key.revoked',
            entityType: 'api_key',
            entityId: result.after.id,
            before: presentApiKey(result.before),
            after: presentApiKey(result.after),
          });
        }
        return result.after;
      });
      return presentApiKey(revoked);
    },
  );
}

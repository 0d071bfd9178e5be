import type { ApiKeySummary } from '@billkit/db';
import { z } from 'zod';
import { camelize, snakeize } from '../http/casing.js';
import { idParams, instantSchema } from '../http/schemas.js';
import { listRoute, operationOf, type RouteContext, type TypedApp } from './context.js';

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
  return { ...snakeize<z.infer<typeof apiKeyJson>>(key), object: 'api_key' };
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
        operationId: 'createApiKey',
        summary: "Create an API key for the caller's tenant; the secret is in this response only",
        body: createBody,
        response: { 201: createdApiKeyJson },
      },
    },
    async (request, reply) => {
      const key = await ctx.billing.apiKeys.create(operationOf(ctx, request), camelize(request.body));
      return reply.code(201).send({ ...presentApiKey(key), secret: key.secret });
    },
  );

  const listKeys = {
    tags,
    operationId: 'listApiKeys',
    summary: "List the tenant's API keys (revoked ones included; never their secrets)",
    scope: 'admin' as const,
  };
  listRoute(app, ctx, '/v1/api-keys', listKeys, apiKeyJson, {}, ctx.billing.apiKeys.list, presentApiKey);

  app.post(
    '/v1/api-keys/:id/revoke',
    {
      config: { scope: 'admin' },
      schema: {
        tags,
        operationId: 'revokeApiKey',
        summary: 'Revoke an API key: the next request made with it is refused (401)',
        params: idParams,
        body: z.strictObject({}).optional(),
        response: { 200: apiKeyJson },
      },
    },
    async (request) =>
      presentApiKey(await ctx.billing.apiKeys.revoke(operationOf(ctx, request), request.params.id)),
  );
}

import { type ApiKeyScope, type ApiKeySummary, generateApiKey, type Page } from '@billkit/db';
import { type Deps, mutate, type OperationContext, tenantOf } from './context.js';
import { notFound, WorkflowError } from './errors.js';
import { newId } from './ids.js';

/** A new API key of the tenant: a name, its scopes, and optionally when it stops working. */
export interface CreateApiKeyInput {
  readonly name: string;
  readonly scopes: readonly ApiKeyScope[];
  /** ISO 8601 instant in the future; null or absent = never expires. */
  readonly expiresAt?: string | null | undefined;
}

/** A page of the tenant's API keys by id. */
export interface ListApiKeysInput {
  readonly limit: number;
  readonly startingAfter?: string | undefined;
}

/**
 * A key just created, with its secret: the only time the secret is available (only its SHA-256 is
 * stored). `secret` is null when an idempotency key replays the creation.
 */
export interface CreatedApiKey extends ApiKeySummary {
  readonly secret: string | null;
}

/** What the audit trail keeps of a key: never its secret or hash. */
function auditedKey(key: ApiKeySummary) {
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

/**
 * The tenant's API keys: create, list, revoke.
 *
 * @example
 * const { id, secret } = await billing.apiKeys.create({ tenantId }, { name: 'reporting', scopes: ['read'] });
 */
export function apiKeyOperations(deps: Deps) {
  return {
    /** Creates a key; `expiresAt` not in the future is `WORKFLOW_VALIDATION_FAILED`. */
    async create(ctx: OperationContext, input: CreateApiKeyInput): Promise<CreatedApiKey> {
      const now = deps.clock();
      if (input.expiresAt != null && Date.parse(input.expiresAt) <= now.getTime()) {
        throw new WorkflowError('WORKFLOW_VALIDATION_FAILED', 'expires_at must be in the future', {
          fields: [{ path: 'expiresAt', message: 'must be in the future' }],
        });
      }
      const { secret, prefix, hashedKey } = generateApiKey();
      const id = newId('key');
      // The secret stays out of the transaction's result: an idempotency record stores that result.
      const key = await mutate(deps, ctx, 'apiKeys.create', input, async (tx, record) => {
        const created = await tx.createApiKey({
          id,
          name: input.name,
          prefix,
          hashedKey,
          scopes: [...new Set(input.scopes)],
          expiresAt: input.expiresAt == null ? null : new Date(input.expiresAt).toISOString(),
          createdAt: now.toISOString(),
        });
        await record({
          type: 'api_key.created',
          entityType: 'api_key',
          entityId: created.id,
          before: null,
          after: auditedKey(created),
        });
        return created;
      });
      return { ...key, secret: key.id === id ? secret : null };
    },

    /** The tenant's keys by id (revoked ones included; never their secrets). */
    async list(ctx: OperationContext, query: ListApiKeysInput): Promise<Page<ApiKeySummary>> {
      const keys = (await tenantOf(deps, ctx).listApiKeys())
        .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
        .filter((k) => query.startingAfter === undefined || k.id > query.startingAfter);
      return { data: keys.slice(0, query.limit), hasMore: keys.length > query.limit };
    },

    /** Revokes key `id` at once (revoking a revoked key changes nothing). */
    async revoke(ctx: OperationContext, id: string): Promise<ApiKeySummary> {
      return mutate(deps, ctx, 'apiKeys.revoke', { id }, async (tx, record) => {
        const result = await tx.revokeApiKey(id, deps.clock().toISOString());
        if (!result) throw notFound('api_key', id);
        if (result.before.revokedAt === null) {
          await record({
            type: 'api_key.revoked',
            entityType: 'api_key',
            entityId: result.after.id,
            before: auditedKey(result.before),
            after: auditedKey(result.after),
          });
        }
        return result.after;
      });
    },
  };
}

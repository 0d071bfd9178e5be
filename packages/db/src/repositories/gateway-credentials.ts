import { z } from 'zod';
import { fromJson, toIso } from '../codec.js';
import type { EncryptionKeys } from '../encryption.js';
import { DbError, type DbErrorCode, isDbError, isUniqueViolation } from '../errors.js';
import { atomic, newId, type Scope } from '../scope.js';
import { Secret } from '../secret.js';

// Per-tenant payment-gateway credentials. The secret key and the webhook signing secrets are stored only as
// AES-256-GCM envelopes (src/encryption.ts) bound to (tenant, provider, field); they come back wrapped in
// `Secret`, so a credential can be logged or serialised without leaking them.

/** The gateways billkit stores credentials for. */
export const GATEWAY_PROVIDERS = ['tilled'] as const;
export type GatewayProvider = (typeof GATEWAY_PROVIDERS)[number];

const secretText = z.union([z.string().min(1).max(4096), z.instanceof(Secret)]);

const gatewayCredentialInputSchema = z.object({
  provider: z.enum(GATEWAY_PROVIDERS),
  /** The merchant account (`acct_…`): `tilled-account` header, and a webhook event's `account_id`. */
  accountId: z.string().min(1).max(191),
  secretKey: secretText,
  /** Webhook signing secrets, newest first; keep the old one listed until its endpoint is deleted. */
  webhookSecrets: z.array(secretText).max(20),
  sandbox: z.boolean(),
});

/** What `gatewayCredentials.save` takes. Secrets as plaintext strings or `Secret`s. */
export type GatewayCredentialInput = z.input<typeof gatewayCredentialInputSchema>;

/** A tenant's stored gateway credentials, decrypted; the secrets stay wrapped in {@link Secret}. */
export interface GatewayCredential {
  id: string;
  tenantId: string;
  provider: GatewayProvider;
  accountId: string;
  secretKey: Secret;
  /** Newest first. A webhook is authentic when its signature verifies with any of them. */
  webhookSecrets: Secret[];
  sandbox: boolean;
  /** The encryption key id the stored envelopes were made with. */
  encryptionKeyId: string;
  createdAt: string;
  updatedAt: string;
}

export interface GatewayCredentialRepository {
  /**
   * Stores (or replaces) the tenant's credentials for `input.provider`, encrypted with the current key.
   * An account connected to another tenant → `DB_DUPLICATE`; an unknown tenant → `DB_NOT_FOUND`.
   */
  save(tenantId: string, input: GatewayCredentialInput): Promise<GatewayCredential>;
  /** The tenant's credentials for the provider, decrypted, or null. */
  get(tenantId: string, provider: GatewayProvider): Promise<GatewayCredential | null>;
  /**
   * The credentials (and so the tenant) a webhook belongs to, by the event's account id, or null when no
   * tenant has connected that account. The one lookup across tenants, as `apiKeys.authenticate` is.
   */
  findByAccountId(provider: GatewayProvider, accountId: string): Promise<GatewayCredential | null>;
  /** Removes the tenant's credentials for the provider; `DB_NOT_FOUND` when there are none. */
  delete(tenantId: string, provider: GatewayProvider): Promise<void>;
  /**
   * Re-encrypts the tenant's credentials that are not under the current key (after a key rotation). Rows
   * that do not decrypt are left as they are and listed in `failed`; nothing about their secrets is reported.
   */
  reencrypt(tenantId: string): Promise<ReencryptResult>;
  /** `reencrypt` for every tenant: run it after a rotation, and drop the old key once `failed` is empty. */
  reencryptAll(): Promise<ReencryptResult>;
}

export interface ReencryptResult {
  /** Rows now encrypted with the current key. */
  reencrypted: number;
  /** Rows still under an old key because they could not be decrypted. */
  failed: { tenantId: string; provider: string; encryptionKeyId: string; code: DbErrorCode }[];
}

type Row = Awaited<ReturnType<Scope['client']['gatewayCredential']['findFirstOrThrow']>>;
type Field = 'secretKey' | 'webhookSecrets';

/** Associated data: a ciphertext only decrypts in the row and field it was written for. */
const context = (tenantId: string, provider: string, field: Field) =>
  JSON.stringify(['GatewayCredential', tenantId, provider, field]);

function parseInput(input: GatewayCredentialInput): z.output<typeof gatewayCredentialInputSchema> {
  const parsed = gatewayCredentialInputSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  // Paths and codes only: zod's issues may carry the input, which holds the secrets.
  const fields = [...new Set(parsed.error.issues.map((issue) => issue.path.join('.') || '(input)'))];
  throw new DbError('DB_INVALID_DATA', `Invalid gateway credentials: ${fields.join(', ')}`, { fields });
}

function encryptFields(
  keys: EncryptionKeys,
  tenantId: string,
  provider: string,
  secretKey: string,
  webhookSecrets: string[],
) {
  return {
    encryptedSecretKey: keys.encrypt(secretKey, context(tenantId, provider, 'secretKey')),
    encryptedWebhookSecrets: keys.encrypt(
      JSON.stringify(webhookSecrets),
      context(tenantId, provider, 'webhookSecrets'),
    ),
    encryptionKeyId: keys.currentKeyId,
  };
}

function decryptField(keys: EncryptionKeys, row: Row, field: Field): string {
  const envelope = field === 'secretKey' ? row.encryptedSecretKey : row.encryptedWebhookSecrets;
  try {
    return keys.decrypt(envelope, context(row.tenantId, row.provider, field));
  } catch (error) {
    if (!isDbError(error)) throw error;
    throw new DbError(error.code, `${error.message} (${row.provider} ${field} of tenant ${row.tenantId})`, {
      ...error.details,
      tenantId: row.tenantId,
      provider: row.provider,
      field,
    });
  }
}

function decryptRow(keys: EncryptionKeys, row: Row) {
  const webhookSecrets = fromJson<string[]>(decryptField(keys, row, 'webhookSecrets'), 'webhookSecrets');
  return { secretKey: decryptField(keys, row, 'secretKey'), webhookSecrets };
}

function credentialFromRow(keys: EncryptionKeys, row: Row): GatewayCredential {
  const { secretKey, webhookSecrets } = decryptRow(keys, row);
  return {
    id: row.id,
    tenantId: row.tenantId,
    provider: row.provider as GatewayProvider,
    accountId: row.accountId,
    secretKey: new Secret(secretKey),
    webhookSecrets: webhookSecrets.map((value) => new Secret(value)),
    sandbox: row.sandbox,
    encryptionKeyId: row.encryptionKeyId,
    createdAt: toIso(row.createdAt),
    updatedAt: toIso(row.updatedAt),
  };
}

const reveal = (value: string | Secret) => (typeof value === 'string' ? value : value.reveal());

/**
 * The gateway-credential repository. `keys` is called when a secret is encrypted or decrypted, so a
 * database opened without `BILLKIT_ENCRYPTION_KEY` works until credentials are used.
 */
export function gatewayCredentialRepository(
  scope: Scope,
  keys: () => EncryptionKeys,
): GatewayCredentialRepository {
  async function reencryptWhere(where: { tenantId?: string }): Promise<ReencryptResult> {
    const ring = keys();
    const failed: ReencryptResult['failed'] = [];
    let reencrypted = 0;
    let after = '';
    for (;;) {
      const rows = await scope.client.gatewayCredential.findMany({
        where: { ...where, encryptionKeyId: { not: ring.currentKeyId }, id: { gt: after } },
        orderBy: { id: 'asc' },
        take: 100,
      });
      if (rows.length === 0) return { reencrypted, failed };
      for (const row of rows) {
        let plain: ReturnType<typeof decryptRow>;
        try {
          plain = decryptRow(ring, row);
        } catch (error) {
          if (!isDbError(error)) throw error;
          const { tenantId, provider, encryptionKeyId } = row;
          failed.push({ tenantId, provider, encryptionKeyId, code: error.code });
          continue;
        }
        const { secretKey, webhookSecrets } = plain;
        // Matching the old envelope skips a row that a concurrent `save` has just rewritten.
        const updated = await scope.client.gatewayCredential.updateMany({
          where: { id: row.id, encryptedSecretKey: row.encryptedSecretKey },
          data: encryptFields(ring, row.tenantId, row.provider, secretKey, webhookSecrets),
        });
        reencrypted += updated.count;
      }
      after = (rows[rows.length - 1] as Row).id;
    }
  }

  return {
    async save(tenantId, input) {
      const { provider, accountId, secretKey, webhookSecrets, sandbox } = parseInput(input);
      const ring = keys();
      const data = {
        accountId,
        sandbox,
        ...encryptFields(ring, tenantId, provider, reveal(secretKey), webhookSecrets.map(reveal)),
      };
      try {
        const row = await atomic(scope, async (tx) => {
          const existing = await tx.client.gatewayCredential.findUnique({
            where: { tenantId_provider: { tenantId, provider } },
          });
          return existing
            ? tx.client.gatewayCredential.update({ where: { id: existing.id }, data })
            : tx.client.gatewayCredential.create({
                data: { id: newId('gwc'), tenantId, provider, ...data },
              });
        });
        return credentialFromRow(ring, row);
      } catch (error) {
        if (isUniqueViolation(error)) {
          throw new DbError(
            'DB_DUPLICATE',
            `${provider} account ${accountId} is already connected to another tenant`,
            { provider, accountId },
          );
        }
        throw error;
      }
    },

    async get(tenantId, provider) {
      const row = await scope.client.gatewayCredential.findUnique({
        where: { tenantId_provider: { tenantId, provider } },
      });
      return row ? credentialFromRow(keys(), row) : null;
    },

    async findByAccountId(provider, accountId) {
      const row = await scope.client.gatewayCredential.findUnique({
        where: { provider_accountId: { provider, accountId } },
      });
      return row ? credentialFromRow(keys(), row) : null;
    },

    async delete(tenantId, provider) {
      const deleted = await scope.client.gatewayCredential.deleteMany({ where: { tenantId, provider } });
      if (deleted.count === 0) {
        throw new DbError('DB_NOT_FOUND', `No ${provider} credentials for tenant ${tenantId}`, {
          tenantId,
          provider,
        });
      }
    },

    reencrypt: (tenantId) => reencryptWhere({ tenantId }),
    reencryptAll: () => reencryptWhere({}),
  };
}

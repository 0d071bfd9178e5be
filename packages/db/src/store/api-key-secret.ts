import { createHash, randomBytes } from 'node:crypto';

/** SHA-256 hex of an API key secret: the only form in which keys are stored. */
export function hashApiKey(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/**
 * A new API key, the only place billkit makes one: `bk_<prefix>_<secret>`, the prefix 48 random bits in hex
 * (it identifies the key in logs and lists), the secret 192 random bits in base64url. A secret, not an id:
 * the whole string is shown once and only its SHA-256 ({@link hashApiKey}) is stored.
 *
 * @example
 * const { secret, prefix, hashedKey } = generateApiKey(); // secret 'bk_3f9a0c1d2e4b_…' (prefix + 32 chars)
 */
export function generateApiKey(): {
  readonly secret: string;
  readonly prefix: string;
  readonly hashedKey: string;
} {
  const prefix = randomBytes(6).toString('hex');
  const secret = `bk_${prefix}_${randomBytes(24).toString('base64url')}`;
  return { secret, prefix: `bk_${prefix}`, hashedKey: hashApiKey(secret) };
}

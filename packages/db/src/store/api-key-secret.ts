import { createHash, randomBytes } from 'node:crypto';

/** SHA-256 hex of an API key secret: the only form in which keys are stored. */
export function hashApiKey(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** A new key: `bk_<prefix>_<secret>`; the prefix identifies it in logs, the whole string is shown once. */
export function generateApiKey(): {
  readonly secret: string;
  readonly prefix: string;
  readonly hashedKey: string;
} {
  const prefix = randomBytes(6).toString('hex');
  const secret = `bk_${prefix}_${randomBytes(24).toString('base64url')}`;
  return { secret, prefix: `bk_${prefix}`, hashedKey: hashApiKey(secret) };
}

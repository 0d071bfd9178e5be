import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { DbError } from './errors.js';

// Encryption at rest for the few secrets billing_db keeps (gateway credentials). AES-256-GCM, a random 96-bit
// IV per value, the 128-bit tag stored beside the ciphertext, and associated data that binds each value to
// its row and field, so a ciphertext copied into another tenant's row does not decrypt. The envelope names
// the key it was made with, so old keys keep decrypting while `reencrypt` moves rows to the current one.

/** The environment variables {@link loadEncryptionKeys} reads. */
export const ENCRYPTION_ENV = {
  key: 'BILLKIT_ENCRYPTION_KEY',
  keyId: 'BILLKIT_ENCRYPTION_KEY_ID',
  oldKeys: 'BILLKIT_ENCRYPTION_KEYS_OLD',
} as const;

/** Key id used when `BILLKIT_ENCRYPTION_KEY_ID` is unset. */
export const DEFAULT_ENCRYPTION_KEY_ID = 'default';

const ENVELOPE_VERSION = 'bk1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
const KEY_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** One key: an id (stored with every value it encrypts) and 32 bytes, as hex, base64 or raw bytes. */
export interface EncryptionKeyInput {
  id: string;
  key: string | Uint8Array;
}

export interface EncryptionKeysOptions {
  /** The key new values are encrypted with. */
  current: EncryptionKeyInput;
  /** Retired keys, still accepted for decryption (and by `reencrypt`). */
  old?: readonly EncryptionKeyInput[];
}

/**
 * A key ring: encrypts with the current key, decrypts with whichever key an envelope names. Key material
 * stays in a private field; `inspect` and `JSON.stringify` show only the key ids.
 */
export class EncryptionKeys {
  readonly currentKeyId: string;
  readonly #keys: ReadonlyMap<string, Buffer>;

  /** Use {@link createEncryptionKeys} or {@link loadEncryptionKeys}; they validate the keys. */
  private constructor(currentKeyId: string, keys: ReadonlyMap<string, Buffer>) {
    this.currentKeyId = currentKeyId;
    this.#keys = keys;
  }

  /** @internal */
  static fromValidated(currentKeyId: string, keys: ReadonlyMap<string, Buffer>): EncryptionKeys {
    return new EncryptionKeys(currentKeyId, keys);
  }

  /** Every key id this ring can decrypt, the current one first. */
  get keyIds(): string[] {
    return [...this.#keys.keys()];
  }

  /**
   * Encrypts `plaintext` under the current key. `context` (associated data) must be given again to decrypt.
   * Returns `bk1.<keyId>.<iv>.<tag>.<ciphertext>`, base64url parts.
   */
  encrypt(plaintext: string, context: string): string {
    const key = this.#keys.get(this.currentKeyId) as Buffer;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [
      ENVELOPE_VERSION,
      this.currentKeyId,
      iv.toString('base64url'),
      cipher.getAuthTag().toString('base64url'),
      ciphertext.toString('base64url'),
    ].join('.');
  }

  /**
   * Decrypts an envelope made by {@link encrypt} with the same `context`. Throws `DB_ENCRYPTION_KEY_UNKNOWN`
   * when its key id is not in the ring and `DB_DECRYPTION_FAILED` when the tag does not verify (wrong key
   * under that id, altered ciphertext, IV, tag or context). Errors never carry the ciphertext or plaintext.
   */
  decrypt(envelope: string, context: string): string {
    const parts = envelope.split('.');
    const [version, keyId, iv, tag, ciphertext] = parts;
    if (
      parts.length !== 5 ||
      version !== ENVELOPE_VERSION ||
      keyId === undefined ||
      iv === undefined ||
      tag === undefined ||
      ciphertext === undefined
    ) {
      throw new DbError('DB_DECRYPTION_FAILED', 'Stored value is not a billkit encryption envelope');
    }
    const key = this.#keys.get(keyId);
    if (!key) {
      throw new DbError(
        'DB_ENCRYPTION_KEY_UNKNOWN',
        `Stored value was encrypted with key id "${keyId}", which is neither ${ENCRYPTION_ENV.keyId} nor listed in ${ENCRYPTION_ENV.oldKeys}`,
        { keyId, variable: ENCRYPTION_ENV.oldKeys },
      );
    }
    const ivBytes = Buffer.from(iv, 'base64url');
    const tagBytes = Buffer.from(tag, 'base64url');
    if (ivBytes.length !== IV_BYTES || tagBytes.length !== TAG_BYTES) {
      throw new DbError('DB_DECRYPTION_FAILED', 'Stored value has a malformed IV or authentication tag', {
        keyId,
      });
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, ivBytes, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(tagBytes);
      return Buffer.concat([
        decipher.update(Buffer.from(ciphertext, 'base64url')),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      throw new DbError(
        'DB_DECRYPTION_FAILED',
        `Stored value does not decrypt with key id "${keyId}": wrong key for that id, or the data was altered`,
        { keyId },
      );
    }
  }

  toJSON(): { currentKeyId: string; keyIds: string[] } {
    return { currentKeyId: this.currentKeyId, keyIds: this.keyIds };
  }

  [inspect.custom](): string {
    return `EncryptionKeys { currentKeyId: '${this.currentKeyId}', keyIds: [${this.keyIds.map((id) => `'${id}'`).join(', ')}] }`;
  }
}

/**
 * Builds a key ring from keys given in code (tests, secret managers). Keys are 32 bytes: 64 hex digits,
 * base64 / base64url, or a `Uint8Array`. Invalid input throws `DB_ENCRYPTION_KEY_INVALID`.
 *
 * @example
 * const keys = createEncryptionKeys({ current: { id: '2026-11', key: process.env.MY_KEY! } });
 * const db = await openDatabase({ encryptionKeys: keys });
 */
export function createEncryptionKeys(options: EncryptionKeysOptions): EncryptionKeys {
  return build(
    { ...options.current, variable: 'current' },
    (options.old ?? []).map((entry, n) => ({ ...entry, variable: `old[${n}]` })),
  );
}

/**
 * Reads the key ring from the environment: `BILLKIT_ENCRYPTION_KEY` (required; 32 bytes as hex or base64),
 * `BILLKIT_ENCRYPTION_KEY_ID` (default `default`) and `BILLKIT_ENCRYPTION_KEYS_OLD` (`id:key,id:key`,
 * retired keys still accepted for decryption). A missing key throws `DB_ENCRYPTION_KEY_MISSING`, a malformed
 * one `DB_ENCRYPTION_KEY_INVALID`; both name the variable, never its value.
 *
 * @example
 * // BILLKIT_ENCRYPTION_KEY=$(openssl rand -base64 32)
 * const keys = loadEncryptionKeys();
 * keys.currentKeyId; // 'default'
 */
export function loadEncryptionKeys(
  env: Readonly<Record<string, string | undefined>> = process.env,
): EncryptionKeys {
  const key = env[ENCRYPTION_ENV.key]?.trim();
  if (!key) {
    throw new DbError(
      'DB_ENCRYPTION_KEY_MISSING',
      `${ENCRYPTION_ENV.key} is not set; it must hold a 32-byte key as hex or base64 (openssl rand -base64 32)`,
      { variable: ENCRYPTION_ENV.key },
    );
  }
  const id = env[ENCRYPTION_ENV.keyId]?.trim() || DEFAULT_ENCRYPTION_KEY_ID;
  const old = (env[ENCRYPTION_ENV.oldKeys] ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry, n) => {
      const colon = entry.indexOf(':');
      const variable = `${ENCRYPTION_ENV.oldKeys} (entry ${n + 1})`;
      if (colon <= 0) {
        throw new DbError('DB_ENCRYPTION_KEY_INVALID', `${variable} must be written id:key`, { variable });
      }
      return { id: entry.slice(0, colon).trim(), key: entry.slice(colon + 1).trim(), variable };
    });
  return build(
    { id, key, variable: ENCRYPTION_ENV.key, idVariable: ENCRYPTION_ENV.keyId },
    old.map((entry) => ({ ...entry, idVariable: entry.variable })),
  );
}

interface LabelledKey extends EncryptionKeyInput {
  variable: string;
  idVariable?: string;
}

function build(current: LabelledKey, old: readonly LabelledKey[]): EncryptionKeys {
  const keys = new Map<string, Buffer>();
  for (const entry of [current, ...old]) {
    const idVariable = entry.idVariable ?? `${entry.variable}.id`;
    if (!KEY_ID.test(entry.id)) {
      throw new DbError(
        'DB_ENCRYPTION_KEY_INVALID',
        `${idVariable} must be 1–64 letters, digits, "_" or "-"`,
        { variable: idVariable },
      );
    }
    if (keys.has(entry.id)) {
      throw new DbError('DB_ENCRYPTION_KEY_INVALID', `Key id "${entry.id}" is given twice (${idVariable})`, {
        variable: idVariable,
        keyId: entry.id,
      });
    }
    keys.set(entry.id, decodeKey(entry.key, entry.variable));
  }
  return EncryptionKeys.fromValidated(current.id, keys);
}

function decodeKey(key: string | Uint8Array, variable: string): Buffer {
  let bytes: Buffer | undefined;
  if (typeof key !== 'string') bytes = Buffer.from(key);
  else if (/^[0-9a-fA-F]{64}$/.test(key)) bytes = Buffer.from(key, 'hex');
  else if (/^[A-Za-z0-9+/]{43}=?$/.test(key) || /^[A-Za-z0-9_-]{43}$/.test(key))
    bytes = Buffer.from(key, key.includes('-') || key.includes('_') ? 'base64url' : 'base64');
  if (bytes?.length !== KEY_BYTES) {
    throw new DbError(
      'DB_ENCRYPTION_KEY_INVALID',
      `${variable} must be a 32-byte key written as 64 hex digits or base64 (openssl rand -base64 32)`,
      { variable },
    );
  }
  return bytes;
}

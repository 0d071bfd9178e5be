import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createEncryptionKeys, DbError, loadEncryptionKeys, Secret } from '../src/index.js';

const keyA = randomBytes(32);
const keyB = randomBytes(32);
const context = '["GatewayCredential","ten_1","tilled","secretKey"]';

function thrown(fn: () => unknown): DbError {
  try {
    fn();
  } catch (error) {
    if (error instanceof DbError) return error;
    throw error;
  }
  throw new Error('expected a DbError');
}

describe('loadEncryptionKeys', () => {
  it.each([
    ['64 hex digits', keyA.toString('hex')],
    ['upper-case hex', keyA.toString('hex').toUpperCase()],
    ['padded base64', keyA.toString('base64')],
    ['base64url without padding', keyA.toString('base64url')],
    ['base64 with surrounding whitespace', `  ${keyA.toString('base64')}\n`],
  ])('accepts a 32-byte key written as %s', (_how, written) => {
    const keys = loadEncryptionKeys({ BILLKIT_ENCRYPTION_KEY: written });
    const reference = createEncryptionKeys({ current: { id: 'default', key: keyA } });
    // Same bytes: what one ring encrypts the other decrypts.
    expect(reference.decrypt(keys.encrypt('sk_test', context), context)).toBe('sk_test');
    expect(keys.currentKeyId).toBe('default');
  });

  it('fails with DB_ENCRYPTION_KEY_MISSING naming the variable when no key is set', () => {
    for (const env of [{}, { BILLKIT_ENCRYPTION_KEY: '  ' }]) {
      const error = thrown(() => loadEncryptionKeys(env));
      expect(error.code).toBe('DB_ENCRYPTION_KEY_MISSING');
      expect(error.message).toContain('BILLKIT_ENCRYPTION_KEY');
      expect(error.details).toEqual({ variable: 'BILLKIT_ENCRYPTION_KEY' });
    }
  });

  it.each([
    ['16 bytes of hex', randomBytes(16).toString('hex')],
    ['33 bytes of base64', randomBytes(33).toString('base64')],
    ['a passphrase', 'correct horse battery staple correct horse'],
    ['hex with one digit missing', keyA.toString('hex').slice(1)],
  ])('refuses %s with DB_ENCRYPTION_KEY_INVALID and never echoes the value', (_what, value) => {
    const error = thrown(() => loadEncryptionKeys({ BILLKIT_ENCRYPTION_KEY: value }));
    expect(error.code).toBe('DB_ENCRYPTION_KEY_INVALID');
    expect(error.details).toEqual({ variable: 'BILLKIT_ENCRYPTION_KEY' });
    expect(`${error.message} ${JSON.stringify(error.details)} ${inspect(error)}`).not.toContain(value);
  });

  it.each([
    ['a key id with a colon', { BILLKIT_ENCRYPTION_KEY_ID: 'a:b' }, 'BILLKIT_ENCRYPTION_KEY_ID'],
    ['an old entry without an id', { BILLKIT_ENCRYPTION_KEYS_OLD: keyB.toString('hex') }, 'entry 1'],
    ['an old key that is too short', { BILLKIT_ENCRYPTION_KEYS_OLD: 'old:abcd' }, 'entry 1'],
    [
      'an old id equal to the current id',
      { BILLKIT_ENCRYPTION_KEYS_OLD: `default:${keyB.toString('hex')}` },
      'entry 1',
    ],
  ])('refuses %s', (_what, extra, named) => {
    const error = thrown(() =>
      loadEncryptionKeys({ BILLKIT_ENCRYPTION_KEY: keyA.toString('hex'), ...extra }),
    );
    expect(error.code).toBe('DB_ENCRYPTION_KEY_INVALID');
    expect(error.message).toContain(named);
    expect(error.message).not.toContain(keyB.toString('hex'));
  });

  it('reads the key id and the old keys (id:key,id:key) for rotation', () => {
    const keyC = randomBytes(32);
    const keys = loadEncryptionKeys({
      BILLKIT_ENCRYPTION_KEY: keyA.toString('base64'),
      BILLKIT_ENCRYPTION_KEY_ID: '2026-11',
      BILLKIT_ENCRYPTION_KEYS_OLD: ` 2026-05:${keyB.toString('hex')} , 2025-11:${keyC.toString('base64')},`,
    });
    expect(keys.currentKeyId).toBe('2026-11');
    expect(keys.keyIds).toEqual(['2026-11', '2026-05', '2025-11']);
    const old = createEncryptionKeys({ current: { id: '2025-11', key: keyC } });
    expect(keys.decrypt(old.encrypt('whsec_1', context), context)).toBe('whsec_1');
  });
});

describe('EncryptionKeys', () => {
  const keys = createEncryptionKeys({ current: { id: 'k2', key: keyA }, old: [{ id: 'k1', key: keyB }] });

  it('round-trips text and uses a fresh 96-bit IV for every value', () => {
    const first = keys.encrypt('sk_live_ünïcödé', context);
    const second = keys.encrypt('sk_live_ünïcödé', context);
    expect(first).not.toBe(second);
    const [version, keyId, iv, tag] = first.split('.');
    expect([version, keyId]).toEqual(['bk1', 'k2']);
    expect(Buffer.from(iv as string, 'base64url')).toHaveLength(12);
    expect(Buffer.from(tag as string, 'base64url')).toHaveLength(16);
    expect(first).not.toContain('sk_live');
    expect(keys.decrypt(first, context)).toBe('sk_live_ünïcödé');
    expect(keys.decrypt(second, context)).toBe('sk_live_ünïcödé');
  });

  const flip = (envelope: string, part: number) =>
    envelope
      .split('.')
      .map((text, n) => {
        if (n !== part) return text;
        const bytes = Buffer.from(text, 'base64url');
        bytes[0] = (bytes[0] as number) ^ 1;
        return bytes.toString('base64url');
      })
      .join('.');

  it.each([
    ['the IV', (e: string) => flip(e, 2), context],
    ['the authentication tag', (e: string) => flip(e, 3), context],
    ['the ciphertext', (e: string) => flip(e, 4), context],
    ['the associated data (another row)', (e: string) => e, context.replace('ten_1', 'ten_2')],
    ['the envelope format', (e: string) => e.replace('bk1.', 'bk0.'), context],
  ])('refuses an altered value (%s) with DB_DECRYPTION_FAILED', (_what, alter, readContext) => {
    const envelope = keys.encrypt('sk_live_secret', context);
    const error = thrown(() => keys.decrypt(alter(envelope), readContext));
    expect(error.code).toBe('DB_DECRYPTION_FAILED');
    expect(`${error.message} ${JSON.stringify(error.details)}`).not.toContain('sk_live_secret');
  });

  it('refuses a value under the right id but a different key with DB_DECRYPTION_FAILED', () => {
    const impostor = createEncryptionKeys({ current: { id: 'k2', key: randomBytes(32) } });
    expect(thrown(() => impostor.decrypt(keys.encrypt('x', context), context)).code).toBe(
      'DB_DECRYPTION_FAILED',
    );
  });

  it('names an unknown key id with DB_ENCRYPTION_KEY_UNKNOWN', () => {
    const newer = createEncryptionKeys({ current: { id: 'k3', key: randomBytes(32) } });
    const error = thrown(() => keys.decrypt(newer.encrypt('x', context), context));
    expect(error.code).toBe('DB_ENCRYPTION_KEY_UNKNOWN');
    expect(error.details).toMatchObject({ keyId: 'k3', variable: 'BILLKIT_ENCRYPTION_KEYS_OLD' });
  });

  it('shows key ids but no key material when inspected or serialised', () => {
    const shown = `${inspect(keys)} ${JSON.stringify(keys)} ${inspect({ keys }, { showHidden: true, depth: 5 })}`;
    expect(shown).toContain('k2');
    for (const key of [keyA, keyB]) {
      expect(shown).not.toContain(key.toString('hex'));
      expect(shown).not.toContain(key.toString('base64'));
    }
  });
});

describe('Secret', () => {
  const secret = new Secret('sk_live_do_not_log');

  it('reveals its value only through reveal()', () => {
    expect(secret.reveal()).toBe('sk_live_do_not_log');
  });

  it.each([
    ['JSON.stringify', () => JSON.stringify({ secret, list: [secret] })],
    ['String()', () => String(secret)],
    ['a template literal', () => `${secret}`],
    ['string concatenation', () => 'key=' + secret],
    ['util.inspect', () => inspect({ secret }, { showHidden: true, depth: 10 })],
    ['spreading into an object', () => JSON.stringify({ ...secret }) + inspect({ ...secret })],
    ['structuredClone', () => inspect(structuredClone({ ...secret }))],
  ])('stays redacted through %s', (_how, render) => {
    const shown = render();
    expect(shown).not.toContain('sk_live_do_not_log');
  });

  it('renders as [redacted]', () => {
    expect(JSON.stringify({ secret })).toBe('{"secret":"[redacted]"}');
    expect(inspect(secret)).toBe('Secret([redacted])');
  });
});

import { decodeTime } from 'ulid';
import { describe, expect, it } from 'vitest';
import { generateApiKey, hashApiKey, newId, newSortableId } from '../src/index.js';

const CROCKFORD = /^[0-9A-HJKMNP-TV-Z]+$/;

describe('newId', () => {
  it.each(['cus', 'in', 'evt', 'key', 'cbtxn', 'whevt'])(
    'makes %s ids of the prefix, _ and a ULID',
    (prefix) => {
      const before = Date.now();
      const id = newId(prefix);
      expect(id).toMatch(new RegExp(`^${prefix}_[0-9A-HJKMNP-TV-Z]{26}$`));
      const time = decodeTime(id.slice(prefix.length + 1));
      expect(time).toBeGreaterThanOrEqual(before);
      expect(time).toBeLessThanOrEqual(Date.now());
    },
  );

  it('sorts as plain strings in creation order, within a millisecond too', () => {
    const ids = Array.from({ length: 1000 }, () => newId('cus'));
    const sameMs = ids.filter((id, n) => n > 0 && id.slice(4, 14) === ids[n - 1]?.slice(4, 14));
    expect(sameMs.length).toBeGreaterThan(0);
    expect([...ids].sort()).toEqual(ids);
  });

  it('never repeats over 100,000 ids', () => {
    const ids = new Set(Array.from({ length: 100_000 }, () => newId('in')));
    expect(ids.size).toBe(100_000);
  });

  it('draws only Crockford base32 characters, every one of them in the random part', () => {
    const seen = new Set<string>();
    for (let n = 0; n < 2000; n++) {
      const ulid = newId('x').slice(2);
      expect(ulid).toMatch(CROCKFORD);
      for (const c of ulid.slice(10)) seen.add(c);
    }
    expect([...seen].sort().join('')).toBe('0123456789ABCDEFGHJKMNPQRSTVWXYZ');
  });

  it('is the one generator: newSortableId is the same function', () => {
    expect(newSortableId).toBe(newId);
  });
});

describe('generateApiKey', () => {
  it('makes a bk_ key with a 48-bit hex prefix and a 192-bit base64url secret, stored only as its SHA-256', () => {
    const keys = Array.from({ length: 50 }, () => generateApiKey());
    for (const { secret, prefix, hashedKey } of keys) {
      expect(secret).toMatch(/^bk_[0-9a-f]{12}_[A-Za-z0-9_-]{32}$/);
      expect(secret.startsWith(`${prefix}_`)).toBe(true);
      expect(Buffer.from(secret.slice(prefix.length + 1), 'base64url')).toHaveLength(24);
      expect(hashedKey).toBe(hashApiKey(secret));
      expect(hashedKey).toMatch(/^[0-9a-f]{64}$/);
    }
    expect(new Set(keys.map((k) => k.secret)).size).toBe(keys.length);
  });
});

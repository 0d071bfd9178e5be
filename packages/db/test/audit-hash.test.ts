import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toBigInt, toMinorUnits } from '../src/codec.js';
import { auditHash, canonicalJson, GENESIS_HASH } from '../src/index.js';

const json = fc.jsonValue({ maxDepth: 3 });

function reorderKeys(value: unknown, seed: number): unknown {
  if (Array.isArray(value)) return value.map((v) => reorderKeys(v, seed + 1));
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    const rotated = entries.map((_, n) => entries[(n + seed) % entries.length]!);
    return Object.fromEntries(rotated.reverse().map(([k, v]) => [k, reorderKeys(v, seed + 1)]));
  }
  return value;
}

describe('canonicalJson', () => {
  it('gives the same text whatever the key order, and parses back to equal data', () => {
    fc.assert(
      fc.property(json, fc.nat(5), (value, seed) => {
        const text = canonicalJson(value);
        expect(canonicalJson(reorderKeys(value, seed))).toBe(text);
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
  });
});

/** The hash as RFC 8785 defines it: SHA-256 of the previous hash and the canonical JSON of the whole event. */
function auditHashByCanonicalJson(
  tenantId: string,
  e: {
    seq: number;
    type: string;
    entityType: string;
    entityId: string;
    actor: string | null;
    data: unknown;
    occurredAt: string;
    prevHash: string;
  },
): string {
  const { seq, type, entityType, entityId, actor, data, occurredAt } = e;
  const body = canonicalJson({ tenantId, seq, type, entityType, entityId, actor, data, occurredAt });
  return createHash('sha256').update(e.prevHash).update('\n').update(body).digest('hex');
}

describe('auditHash', () => {
  const event = {
    seq: 1,
    type: 'invoice.paid',
    entityType: 'invoice',
    entityId: 'in_1',
    actor: null,
    data: { amountPaid: 2339 },
    occurredAt: '2026-01-20T00:00:00.000Z',
    prevHash: GENESIS_HASH,
  };

  it('changes when any hashed field, the tenant or the previous hash changes', () => {
    const base = auditHash('ten_a', event);
    expect(base).toMatch(/^[0-9a-f]{64}$/);
    const variants = [
      auditHash('ten_b', event),
      auditHash('ten_a', { ...event, seq: 2 }),
      auditHash('ten_a', { ...event, type: 'invoice.voided' }),
      auditHash('ten_a', { ...event, entityId: 'in_2' }),
      auditHash('ten_a', { ...event, actor: 'api-key:ops' }),
      auditHash('ten_a', { ...event, data: { amountPaid: 2338 } }),
      auditHash('ten_a', { ...event, occurredAt: '2026-01-20T00:00:00.001Z' }),
      auditHash('ten_a', { ...event, prevHash: 'f'.repeat(64) }),
    ];
    expect(new Set([base, ...variants]).size).toBe(variants.length + 1);
  });

  it('hashes exactly the canonical JSON of the whole event (chains written before stay verifiable)', () => {
    expect(auditHash('ten_a', event)).toBe(auditHashByCanonicalJson('ten_a', event));
    fc.assert(
      fc.property(
        json,
        fc.string(),
        fc.option(fc.string(), { nil: null }),
        fc.nat(),
        fc.string({ unit: 'grapheme' }),
        (data, type, actor, seq, entityId) => {
          const e = { ...event, data, type, actor, seq, entityId };
          expect(auditHash('ten_ü"\\', e)).toBe(auditHashByCanonicalJson('ten_ü"\\', e));
        },
      ),
    );
  });
});

describe('minor-unit columns', () => {
  it('round-trip every safe integer through BIGINT exactly', () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), (n) => {
        expect(toMinorUnits(toBigInt(n))).toBe(n);
      }),
    );
  });

  it.each([0.5, Number.MAX_SAFE_INTEGER + 1, Number.NaN])('refuses %s as an amount', (n) => {
    expect(() => toBigInt(n)).toThrow(/safe integer/);
  });

  it('refuses a BIGINT beyond the safe-integer range instead of rounding it', () => {
    expect(() => toMinorUnits(2n ** 53n + 1n)).toThrow(/safe integer/);
  });
});

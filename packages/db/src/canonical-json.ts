import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';

/**
 * The RFC 8785 (JCS) canonical JSON of `value`, by the `canonicalize` library: object keys sorted by UTF-16
 * code units at every level, no whitespace, numbers and strings as ECMAScript's JSON.stringify writes them.
 * The audit hash and every idempotency fingerprint use it, so the same data always gives the same text.
 * `value` is taken as JSON.stringify would send it (`toJSON` applied, `undefined` members dropped); what JSON
 * cannot carry is read as JSON.stringify reads it (NaN and ±Infinity as null), and a lone UTF-16 surrogate,
 * which RFC 8785 refuses, as U+FFFD, as a UTF-8 column would store it.
 *
 * @example
 * canonicalJson({ b: 1, a: [2, { d: null, c: 'é' }] }) // → '{"a":[2,{"c":"é","d":null}],"b":1}'
 */
export function canonicalJson(value: unknown): string {
  try {
    return canonicalize(value) as string;
  } catch {
    // Rare: NaN, ±Infinity or a lone surrogate somewhere. Read it as JSON would, then make strings well-formed.
    return canonicalize(wellFormed(JSON.parse(JSON.stringify(value) ?? 'null'))) as string;
  }
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const wellFormedText = (text: string) => text.replace(LONE_SURROGATE, '\ufffd');

function wellFormed(value: unknown): unknown {
  if (typeof value === 'string') return wellFormedText(value);
  if (Array.isArray(value)) return value.map(wellFormed);
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [wellFormedText(k), wellFormed(v)]));
  return value;
}

/**
 * The canonical JSON billkit wrote before RFC 8785: JSON.stringify with object keys sorted, except that an
 * object's array-index keys (`"2"`, `"10"`) came first in numeric order (the engine's property order), and a
 * lone surrogate was escaped (`"\ud800"`). Only for reading what was hashed with it: audit events stored
 * before RFC 8785 (see `auditHashForm`) and idempotency claims made before it.
 */
export function legacyCanonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}

/**
 * The fingerprints an idempotency key is bound to for a request: SHA-256 hex of `subject` (the operation,
 * or the method and path), a newline and the canonical JSON of `body`. The first is the one to store; a
 * second, from {@link legacyCanonicalJson}, comes only when that differs (array-index keys out of order, a
 * lone surrogate), so a retry of a request claimed before the upgrade still matches its claim.
 *
 * @example
 * const [requestHash, formerRequestHash] = requestFingerprints('customers.update', input);
 */
export function requestFingerprints(subject: string, body: unknown): [string] | [string, string] {
  const current = canonicalJson(body ?? null);
  const legacy = legacyCanonicalJson(body ?? null);
  const hash = (text: string) => createHash('sha256').update(`${subject}\n${text}`).digest('hex');
  return legacy === current ? [hash(current)] : [hash(current), hash(legacy)];
}

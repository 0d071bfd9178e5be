/**
 * The key `${jurisdictionId}|${taxType}|${inclusive}` that groups tax amounts into invoice totals.
 * Building that string for every tax amount and hashing it afresh in a Map was the single largest
 * self time of totalling and checking an invoice (40 lookups for a 10-line Chicago invoice). The same
 * string is now built once per (jurisdiction, tax type, inclusive) and reused, so Map lookups hit a
 * string whose hash is already cached. The value is exactly the template string it replaces.
 */
const MAX_JURISDICTIONS = 4096;
const keys = new Map<string, Map<string, readonly [exclusive: string, inclusive: string]>>();

export function taxTotalKey(t: {
  readonly jurisdictionId: string;
  readonly taxType: string;
  readonly inclusive: boolean;
}): string {
  let byType = keys.get(t.jurisdictionId);
  if (byType === undefined) {
    if (keys.size >= MAX_JURISDICTIONS) keys.clear();
    byType = new Map();
    keys.set(t.jurisdictionId, byType);
  }
  let pair = byType.get(t.taxType);
  if (pair === undefined) {
    pair = [`${t.jurisdictionId}|${t.taxType}|false`, `${t.jurisdictionId}|${t.taxType}|true`];
    byType.set(t.taxType, pair);
  }
  return t.inclusive === true
    ? pair[1]
    : t.inclusive === false
      ? pair[0]
      : `${t.jurisdictionId}|${t.taxType}|${t.inclusive}`;
}

/**
 * The key `${jurisdictionId}|${taxType}|${inclusive}` that groups tax amounts into invoice totals.
 * Building that string for every tax amount and hashing it afresh in a Map was the single largest
 * self time of totalling and checking an invoice (40 lookups for a 10-line Chicago invoice). The same
 * string is now built once per (jurisdiction, tax type, inclusive) and reused, so Map lookups hit a
 * string whose hash is already cached. The value is exactly the template string it replaces.
 */
const MAX_JURISDICTIONS = 4096;
const keys = new Map<string, Map<string, readonly [exclusive: string, inclusive: string]>>();

// The pairs found last, by jurisdiction and tax type: an invoice's lines repeat the same few
// jurisdictions (the same strings, from the rate table), so most keys are found here by reference
// comparison before any Map is hashed.
const RECENT = 8;
const recentIds: (string | undefined)[] = new Array(RECENT).fill(undefined);
const recentTypes: (string | undefined)[] = new Array(RECENT).fill(undefined);
const recentPairs: (readonly [string, string] | undefined)[] = new Array(RECENT).fill(undefined);
let recentNext = 0;

export function taxTotalKey(t: {
  readonly jurisdictionId: string;
  readonly taxType: string;
  readonly inclusive: boolean;
}): string {
  const id = t.jurisdictionId;
  const type = t.taxType;
  for (let i = 0; i < RECENT; i += 1) {
    if (recentIds[i] === id && recentTypes[i] === type) {
      const pair = recentPairs[i] as readonly [string, string];
      return t.inclusive === true
        ? pair[1]
        : t.inclusive === false
          ? pair[0]
          : `${t.jurisdictionId}|${t.taxType}|${t.inclusive}`;
    }
  }
  const pair = pairOf(t);
  recentIds[recentNext] = id;
  recentTypes[recentNext] = type;
  recentPairs[recentNext] = pair;
  recentNext = (recentNext + 1) % RECENT;
  return t.inclusive === true
    ? pair[1]
    : t.inclusive === false
      ? pair[0]
      : `${t.jurisdictionId}|${t.taxType}|${t.inclusive}`;
}

function pairOf(t: { readonly jurisdictionId: string; readonly taxType: string }): readonly [string, string] {
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
  return pair;
}

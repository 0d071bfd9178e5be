/**
 * Positions of keys in first-seen order, for the running sums of an invoice's tax amounts (one key per
 * jurisdiction, tax type and inclusiveness: a handful per invoice, the same strings from taxTotalKey).
 * While there are few keys a key is found by a scan — comparing a string with itself is one pointer
 * test — instead of hashing it in a Map twice per tax amount; past {@link SCAN_LIMIT} keys a Map takes
 * over. Keys compare as a Map's do (SameValueZero), so the positions are a Map's insertion order.
 */
const SCAN_LIMIT = 16;

export class KeyIndex {
  /** The keys, in the order they were first added. */
  readonly keys: unknown[] = [];
  private map: Map<unknown, number> | undefined;

  /** The position of `key`, or −1. */
  indexOf(key: unknown): number {
    if (this.map !== undefined) return this.map.get(key) ?? -1;
    const keys = this.keys;
    for (let i = 0; i < keys.length; i += 1) {
      const k = keys[i];
      // biome-ignore lint/suspicious/noSelfCompare: SameValueZero (NaN equals NaN), as a Map compares.
      if (k === key || (k !== k && key !== key)) return i;
    }
    return -1;
  }

  /** The position of `key`, added after the others when it is new. */
  slot(key: unknown): number {
    const found = this.indexOf(key);
    if (found >= 0) return found;
    const index = this.keys.length;
    // A Map keeps −0 as +0.
    this.keys.push(key === 0 ? 0 : key);
    if (this.map !== undefined) this.map.set(key, index);
    else if (this.keys.length > SCAN_LIMIT) {
      this.map = new Map();
      for (let i = 0; i < this.keys.length; i += 1) this.map.set(this.keys[i], i);
    }
    return index;
  }
}

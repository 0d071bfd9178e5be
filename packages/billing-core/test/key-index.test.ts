import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeyIndex } from '../src/key-index.js';

describe('KeyIndex: positions in first-seen order, as a Map keeps its keys', () => {
  it('agrees with a Map on every sequence of keys (a few or many, NaN included)', () => {
    const key = fc.oneof(
      fc.constantFrom('US-IL|sales|false', 'US-IL|sales|true', 'a', '', Number.NaN, 0, -0),
      fc.string({ maxLength: 3 }),
    );
    fc.assert(
      fc.property(fc.array(key, { maxLength: 60 }), (keys) => {
        const index = new KeyIndex();
        const map = new Map<unknown, number>();
        for (const k of keys) {
          if (!map.has(k)) map.set(k, map.size);
          expect(index.slot(k)).toBe(map.get(k));
        }
        expect(index.keys).toEqual([...map.keys()]);
        for (const k of keys) expect(index.indexOf(k)).toBe(map.get(k));
        expect(index.indexOf('never-added-key')).toBe(-1);
      }),
      { numRuns: 500 },
    );
  });
});

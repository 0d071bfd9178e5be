import { describe, expect, it } from 'vitest';
import { type ChangePolicyRule, resolveChangePolicy } from '../src/index.js';

const TABLE: ChangePolicyRule[] = [
  { type: 'downgrade', effective: 'period_end' },
  { from: 'price_pro', effective: 'immediately', prorationBehavior: 'always_invoice' },
  { to: 'price_enterprise', effective: 'immediately', prorationBehavior: 'none' },
  { from: 'price_pro', to: 'price_basic', effective: 'period_end', prorationBehavior: 'none' },
];

describe('resolveChangePolicy', () => {
  it.each([
    [
      'an exact from/to row beats partial rows',
      { from: 'price_pro', to: 'price_basic', type: 'downgrade' },
      3,
    ],
    ['a from row beats a type row', { from: 'price_pro', to: 'price_team', type: 'downgrade' }, 1],
    [
      'a to row applies to any from-plan',
      { from: 'price_basic', to: 'price_enterprise', type: 'upgrade' },
      2,
    ],
    [
      'a type row applies when no plan row matches',
      { from: 'price_basic', to: 'price_free', type: 'downgrade' },
      0,
    ],
    ['no match means immediately', { from: 'price_basic', to: 'price_team', type: 'upgrade' }, undefined],
  ] as const)('%s', (_name, change, ruleIndex) => {
    const resolved = resolveChangePolicy(TABLE, change);
    expect(resolved.ruleIndex).toBe(ruleIndex);
    if (ruleIndex === undefined) expect(resolved.effective).toBe('immediately');
    else expect(resolved.effective).toEqual(TABLE[ruleIndex]?.effective);
  });
});

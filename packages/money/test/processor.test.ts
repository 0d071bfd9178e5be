import { describe, expect, it } from 'vitest';
import {
  checkChargeable,
  money,
  type ProcessorConstraints,
  roundForProcessor,
  TILLED_CONSTRAINTS,
} from '../src/index.js';

const tenFils: ProcessorConstraints = {
  name: 'x',
  minorUnitMultiple: { KWD: 10, BHD: 10 },
  minimumAmount: { USD: 50 },
};

describe('processor constraints', () => {
  it.each([
    [money(1000, 'USD'), TILLED_CONSTRAINTS, { chargeable: true }],
    [money(1000, 'KWD'), TILLED_CONSTRAINTS, { chargeable: false, problem: 'unsupported_currency' }],
    [money(0, 'USD'), TILLED_CONSTRAINTS, { chargeable: false, problem: 'not_positive' }],
    [money(49, 'USD'), tenFils, { chargeable: false, problem: 'below_minimum' }],
    [money(12340, 'KWD'), tenFils, { chargeable: true }],
    [
      money(12345, 'KWD'),
      tenFils,
      { chargeable: false, problem: 'not_a_multiple', suggestion: money(12350, 'KWD') },
    ],
  ])('%j under %s → %j', (m, constraints, expected) => {
    expect(checkChargeable(m, constraints)).toEqual(expected);
  });

  it.each([
    [12345, 'half_up', 12350],
    [12345, 'half_even', 12340],
    [12345, 'down', 12340],
    [12341, 'up', 12350],
    [12340, 'up', 12340],
  ] as const)('rounds %i fils with %s to %i for a 10-fils processor', (amount, mode, expected) => {
    expect(roundForProcessor(money(amount, 'KWD'), tenFils, mode).amount).toBe(expected);
  });

  it('leaves currencies without a step rule alone', () => {
    expect(roundForProcessor(money(1999, 'USD'), tenFils, 'up')).toEqual(money(1999, 'USD'));
  });
});

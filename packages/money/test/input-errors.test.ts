import { describe, expect, it } from 'vitest';
import {
  add,
  allocate,
  checkChargeable,
  compare,
  formatMoney,
  isZero,
  MoneyError,
  money,
  multiply,
  negate,
  subtract,
  sum,
  TILLED_CONSTRAINTS,
  toDecimalString,
} from '../src/index.js';

// Every public entry refuses a wrong-typed argument with a MoneyError naming it, never a TypeError
// from inside or a silent coercion (`subtract($1.00, { amount: '5' })` used to answer 95 cents).

const usd = money(100, 'USD');
// Wrong-typed values, cast past the compiler as a JavaScript caller or a JSON body would send them.
const bad = <T>(value: unknown) => value as T;

describe('money public entries name the wrong argument', () => {
  it.each([
    ['add: a number for b', () => add(usd, bad(5)), 'MONEY_INVALID_INPUT', 'b'],
    [
      'subtract: a string amount',
      () => subtract(usd, bad({ amount: '5', currency: 'USD' })),
      'MONEY_INVALID_INPUT',
      'b',
    ],
    ['sum: a string for the list', () => sum(bad('x'), 'USD'), 'MONEY_INVALID_INPUT', 'values'],
    ['sum: null inside the list', () => sum([usd, bad(null)], 'USD'), 'MONEY_INVALID_INPUT', 'values[1]'],
    ['compare: null for b', () => compare(usd, bad(null)), 'MONEY_INVALID_INPUT', 'b'],
    ['negate: null', () => negate(bad(null)), 'MONEY_INVALID_INPUT', 'm'],
    ['isZero: a number', () => isZero(bad(0)), 'MONEY_INVALID_INPUT', 'm'],
    ['allocate: a number for total', () => allocate(bad(100), [1, 2]), 'MONEY_INVALID_INPUT', 'total'],
    ['allocate: a string for weights', () => allocate(usd, bad('1,2')), 'MONEY_INVALID_WEIGHTS', 'weights'],
    ['formatMoney: null', () => formatMoney(bad(null)), 'MONEY_INVALID_INPUT', 'm'],
    ['toDecimalString: a string', () => toDecimalString(bad('1.00')), 'MONEY_INVALID_INPUT', 'm'],
    ['multiply: a number for m', () => multiply(bad(100), '1.5', 'half_up'), 'MONEY_INVALID_INPUT', 'm'],
    [
      'checkChargeable: null',
      () => checkChargeable(bad(null), TILLED_CONSTRAINTS),
      'MONEY_INVALID_INPUT',
      'm',
    ],
  ])('%s', (_label, call, code, field) => {
    let thrown: unknown;
    try {
      call();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(MoneyError);
    expect(thrown).toMatchObject({ code, details: { field } });
    expect((thrown as Error).message).toContain(field);
  });
});

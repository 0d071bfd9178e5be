import { money } from '@billkit/money';
import { describe, expect, it } from 'vitest';
import {
  applyDiscounts,
  assertUniquePromotionCodes,
  DiscountError,
  isPromotionCodeActive,
  normalizePromotionCode,
  resolvePromotionCode,
} from '../src/index.js';

// Every public entry refuses a wrong-typed field with a DiscountError whose code says what is wrong and
// whose `details.field` is the caller's path to it; a date without a time is refused where an instant
// is expected (it names a day, not an instant).

const NOW = '2025-03-01T00:00:00Z';
const senior = { id: 'SENIOR15', type: 'percentage' as const, percentOff: '15' };
const request = {
  currency: 'USD',
  lines: [{ id: 'plan', amount: money(10000, 'USD') }],
  discounts: [senior],
  context: { now: NOW },
};
const spring = { id: 'promo_1', code: 'SPRING', discountId: 'spring' };
// Wrong-typed values, cast past the compiler as a JavaScript caller or a JSON body would send them.
const bad = <T>(value: unknown) => value as T;

describe('discount public entries name the wrong field', () => {
  it.each([
    [
      'applyDiscounts: percentOff as a number',
      () => applyDiscounts({ ...request, discounts: [{ ...senior, percentOff: bad<string>(15) }] }),
      'DISCOUNT_INVALID_INPUT',
      'discounts[0].percentOff',
    ],
    [
      'applyDiscounts: a line amount as a number',
      () => applyDiscounts({ ...request, lines: [{ id: 'plan', amount: bad(10000) }] }),
      'DISCOUNT_INVALID_INPUT',
      'lines[0].amount',
    ],
    [
      'applyDiscounts: context.now as a date alone',
      () => applyDiscounts({ ...request, context: { now: '2025-03-01' } }),
      'DISCOUNT_DATE_WITHOUT_TIME',
      'context.now',
    ],
    [
      'applyDiscounts: maxTotalPercent as a number',
      () => applyDiscounts(request, { maxTotalPercent: bad(50) }),
      'DISCOUNT_INVALID_INPUT',
      'maxTotalPercent',
    ],
    [
      'resolvePromotionCode: now as a date alone',
      () => resolvePromotionCode([spring], { code: 'spring', now: '2025-03-01' }),
      'DISCOUNT_DATE_WITHOUT_TIME',
      'now',
    ],
    [
      'resolvePromotionCode: the second code with maxRedemptions as a string',
      () =>
        resolvePromotionCode([spring, { ...spring, id: 'promo_2', maxRedemptions: bad('10') }], {
          code: 'spring',
          now: NOW,
        }),
      'DISCOUNT_INVALID_INPUT',
      'codes[1].maxRedemptions',
    ],
    [
      'isPromotionCodeActive: now in US notation',
      () => isPromotionCodeActive(spring, '03/01/2025'),
      'DISCOUNT_INVALID_INPUT',
      'now',
    ],
    [
      'isPromotionCodeActive: active as a string',
      () => isPromotionCodeActive({ ...spring, active: bad('yes') }, NOW),
      'DISCOUNT_INVALID_INPUT',
      'code.active',
    ],
    [
      'assertUniquePromotionCodes: now as a date alone',
      () => assertUniquePromotionCodes([spring], '2025-03-01'),
      'DISCOUNT_DATE_WITHOUT_TIME',
      'now',
    ],
    [
      'assertUniquePromotionCodes: a code as a number',
      () => assertUniquePromotionCodes([spring, { ...spring, code: bad(42) }], NOW),
      'DISCOUNT_INVALID_INPUT',
      'codes[1].code',
    ],
    [
      'normalizePromotionCode: a number',
      () => normalizePromotionCode(bad(42)),
      'DISCOUNT_INVALID_INPUT',
      'code',
    ],
  ])('%s', (_label, call, code, field) => {
    let thrown: unknown;
    try {
      call();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(DiscountError);
    expect(thrown).toMatchObject({ code, details: { field } });
    expect((thrown as Error).message).toContain(field);
  });

  it('suggests the instant at midnight with an offset for a date alone', () => {
    expect(() => applyDiscounts({ ...request, context: { now: '2025-03-01' } })).toThrow(
      /context\.now is a date without a time \("2025-03-01"\).*2025-03-01T00:00:00-05:00/,
    );
  });
});

import { describe, expect, it } from 'vitest';
import {
  assertUniquePromotionCodes,
  type DiscountErrorCode,
  isDiscountError,
  isPromotionCodeActive,
  type PromotionCodeInput,
  type PromotionCodeRedemptionInput,
  resolvePromotionCode,
} from '../src/index.js';
import { NOW, usd } from './helpers.js';

const codes: PromotionCodeInput[] = [
  { id: 'p_spring', code: 'SPRING25', discountId: 'spring' },
  { id: 'p_old', code: 'SUMMER', discountId: 'summer', expiresAt: '2025-01-01T00:00:00Z' },
  { id: 'p_off', code: 'PAUSED', discountId: 'paused', active: false },
  { id: 'p_later', code: 'LATER', discountId: 'later', startsAt: '2025-06-01T00:00:00Z' },
  { id: 'p_full', code: 'LIMITED', discountId: 'limited', maxRedemptions: 10, timesRedeemed: 10 },
  { id: 'p_vip', code: 'VIP', discountId: 'vip', customerId: 'cus_vip' },
  { id: 'p_new', code: 'WELCOME', discountId: 'welcome', restrictions: { firstTimeTransaction: true } },
  { id: 'p_min', code: 'BIG50', discountId: 'big', restrictions: { minimumAmount: usd(5000) } },
  // an expired code may share its text with a live one
  { id: 'p_spring_2024', code: 'spring25', discountId: 'spring_2024', expiresAt: '2024-06-01T00:00:00Z' },
];

function attempt(redemption: Partial<PromotionCodeRedemptionInput> & { code: string }) {
  try {
    return resolvePromotionCode(codes, { now: NOW, ...redemption }).discountId;
  } catch (error) {
    if (isDiscountError(error)) return error.code;
    throw error;
  }
}

describe('promotion codes', () => {
  it.each([
    ['matches case-insensitively and ignores surrounding spaces', { code: '  spring25 ' }, 'spring'],
    ['unknown code', { code: 'NOPE' }, 'DISCOUNT_PROMOTION_CODE_NOT_FOUND'],
    ['expired code', { code: 'summer' }, 'DISCOUNT_PROMOTION_CODE_EXPIRED'],
    ['switched-off code', { code: 'PAUSED' }, 'DISCOUNT_PROMOTION_CODE_INACTIVE'],
    ['code before its start', { code: 'LATER' }, 'DISCOUNT_PROMOTION_CODE_NOT_STARTED'],
    ['redemption limit reached', { code: 'LIMITED' }, 'DISCOUNT_PROMOTION_CODE_EXHAUSTED'],
    [
      'single-customer code, other customer',
      { code: 'VIP', customerId: 'cus_other' },
      'DISCOUNT_PROMOTION_CODE_CUSTOMER_RESTRICTED',
    ],
    ['single-customer code, its customer', { code: 'vip', customerId: 'cus_vip' }, 'vip'],
    [
      'first-time code, returning customer',
      { code: 'WELCOME', isFirstTimeCustomer: false },
      'DISCOUNT_PROMOTION_CODE_FIRST_TIME_ONLY',
    ],
    ['first-time code, new customer', { code: 'WELCOME', isFirstTimeCustomer: true }, 'welcome'],
    [
      'minimum amount not met',
      { code: 'BIG50', subtotal: usd(4999) },
      'DISCOUNT_PROMOTION_CODE_MINIMUM_NOT_MET',
    ],
    ['minimum amount without a subtotal', { code: 'BIG50' }, 'DISCOUNT_PROMOTION_CODE_MINIMUM_NOT_MET'],
    ['minimum amount met', { code: 'BIG50', subtotal: usd(5000) }, 'big'],
    [
      'minimum in another currency',
      { code: 'BIG50', subtotal: { amount: 9000, currency: 'EUR' } },
      'DISCOUNT_CURRENCY_MISMATCH',
    ],
  ] as [string, PromotionCodeRedemptionInput, string | DiscountErrorCode][])(
    '%s',
    (_label, redemption, expected) => {
      expect(attempt(redemption)).toBe(expected);
    },
  );

  it('refuses two active codes that differ only in case', () => {
    const clash: PromotionCodeInput[] = [
      { id: 'a', code: 'Spring', discountId: 'd1' },
      { id: 'b', code: 'SPRING', discountId: 'd2' },
    ];
    expect(() => assertUniquePromotionCodes(clash, NOW)).toThrow(
      expect.objectContaining({ code: 'DISCOUNT_PROMOTION_CODE_DUPLICATE' }),
    );
    expect(() => resolvePromotionCode(clash, { code: 'spring', now: NOW })).toThrow(
      expect.objectContaining({ code: 'DISCOUNT_PROMOTION_CODE_DUPLICATE' }),
    );
  });

  it('lets an expired code share its text with an active one', () => {
    expect(() => assertUniquePromotionCodes(codes, NOW)).not.toThrow();
    expect(isPromotionCodeActive(codes[1] as PromotionCodeInput, NOW)).toBe(false);
    expect(isPromotionCodeActive(codes[0] as PromotionCodeInput, NOW)).toBe(true);
  });
});

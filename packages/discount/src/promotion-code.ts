import { moneySchema, toDecimalString } from '@billkit/money';
import { z } from 'zod';
import { instantSchema } from './discount-definition.js';
import { DiscountError } from './errors.js';
import { parseInput } from './parse.js';

/**
 * A customer-facing code (`SPRING25`) that points at a discount definition, with its own expiry and
 * restrictions (Stripe's PromotionCode). Codes match case-insensitively. `timesRedeemed` is the
 * count the caller keeps.
 */
export const promotionCodeSchema = z
  .object({
    id: z.string().min(1).max(200),
    code: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'A promotion code is 1–64 letters, digits, "-" or "_"'),
    discountId: z.string().min(1).max(200),
    active: z.boolean().default(true),
    startsAt: instantSchema.optional(),
    expiresAt: instantSchema.optional(),
    maxRedemptions: z.number().int().min(1).optional(),
    timesRedeemed: z.number().int().min(0).default(0),
    /** Only this customer may redeem the code. */
    customerId: z.string().min(1).optional(),
    restrictions: z
      .object({
        /** Only customers who have never paid an invoice. */
        firstTimeTransaction: z.boolean().default(false),
        /** The invoice subtotal must be at least this. */
        minimumAmount: moneySchema.optional(),
      })
      .strict()
      .default({ firstTimeTransaction: false }),
  })
  .strict();

/** Who is redeeming which code, when, and for how much. */
export const promotionCodeRedemptionSchema = z
  .object({
    code: z.string().min(1),
    now: instantSchema,
    customerId: z.string().min(1).optional(),
    isFirstTimeCustomer: z.boolean().default(false),
    /** The invoice subtotal, needed when a code has a minimum amount. */
    subtotal: moneySchema.optional(),
  })
  .strict();

export type PromotionCode = z.output<typeof promotionCodeSchema>;
export type PromotionCodeInput = z.input<typeof promotionCodeSchema>;
export type PromotionCodeRedemption = z.output<typeof promotionCodeRedemptionSchema>;
export type PromotionCodeRedemptionInput = z.input<typeof promotionCodeRedemptionSchema>;

/** The form codes are compared in: trimmed, upper case. */
export function normalizePromotionCode(code: string): string {
  if (typeof code !== 'string') {
    throw new DiscountError('DISCOUNT_INVALID_INPUT', `code must be a string (got ${typeof code})`, {
      field: 'code',
      issues: [{ path: 'code', message: 'Expected a string' }],
    });
  }
  return code.trim().toUpperCase();
}

function inWindow(code: PromotionCode, now: number): boolean {
  return (
    (code.startsAt === undefined || now >= Date.parse(code.startsAt)) &&
    (code.expiresAt === undefined || now < Date.parse(code.expiresAt))
  );
}

/** True when the code is switched on and `now` is inside its window. */
export function isPromotionCodeActive(code: PromotionCodeInput, now: string): boolean {
  const parsed = parseInput(promotionCodeSchema, code, 'promotion code', ['code']);
  return parsed.active && inWindow(parsed, Date.parse(parseInput(instantSchema, now, 'instant', ['now'])));
}

/**
 * Throws `DISCOUNT_PROMOTION_CODE_DUPLICATE` when two codes active at `now` are equal ignoring case;
 * call it before saving a new code.
 *
 * @example assertUniquePromotionCodes([{ id: 'a', code: 'SPRING', discountId: 'd' }, { id: 'b', code: 'spring', discountId: 'd' }], '2025-01-01T00:00:00Z') // throws
 */
export function assertUniquePromotionCodes(codes: readonly PromotionCodeInput[], now: string): void {
  const instant = Date.parse(parseInput(instantSchema, now, 'instant', ['now']));
  const seen = new Map<string, string>();
  for (const [index, input] of codes.entries()) {
    const code = parseInput(promotionCodeSchema, input, 'promotion code', ['codes', index]);
    if (!code.active || !inWindow(code, instant)) continue;
    const key = normalizePromotionCode(code.code);
    const other = seen.get(key);
    if (other !== undefined) {
      throw new DiscountError(
        'DISCOUNT_PROMOTION_CODE_DUPLICATE',
        `Promotion codes ${other} and ${code.id} are both active as ${JSON.stringify(key)}`,
        { code: key, ids: [other, code.id] },
      );
    }
    seen.set(key, code.id);
  }
}

/**
 * Find the promotion code a customer typed and check every restriction; returns the code (its
 * `discountId` names the discount to add to the request). Throws a `DiscountError` whose `code` says
 * why it cannot be redeemed: `…_NOT_FOUND`, `…_INACTIVE`, `…_NOT_STARTED`, `…_EXPIRED`,
 * `…_EXHAUSTED`, `…_CUSTOMER_RESTRICTED`, `…_FIRST_TIME_ONLY`, `…_MINIMUM_NOT_MET`, `…_DUPLICATE`.
 * The caller increments `timesRedeemed` once the invoice is finalised.
 *
 * @example
 * const code = resolvePromotionCode(
 *   [{ id: 'promo_1', code: 'SPRING25', discountId: 'spring' }],
 *   { code: 'spring25', now: '2025-04-01T00:00:00Z' },
 * );
 * code.discountId; // 'spring'
 */
export function resolvePromotionCode(
  codes: readonly PromotionCodeInput[],
  redemption: PromotionCodeRedemptionInput,
): PromotionCode {
  const request = parseInput(promotionCodeRedemptionSchema, redemption, 'promotion code redemption');
  const wanted = normalizePromotionCode(request.code);
  const now = Date.parse(request.now);
  const matches = codes
    .map((c, index) => parseInput(promotionCodeSchema, c, 'promotion code', ['codes', index]))
    .filter((c) => normalizePromotionCode(c.code) === wanted)
    .sort((a, b) => (a.id < b.id ? -1 : 1));
  const first = matches[0];
  if (first === undefined) {
    throw new DiscountError(
      'DISCOUNT_PROMOTION_CODE_NOT_FOUND',
      `No promotion code ${JSON.stringify(wanted)}`,
      {
        code: wanted,
      },
    );
  }
  const live = matches.filter((c) => c.active && inWindow(c, now));
  if (live.length > 1) {
    throw new DiscountError(
      'DISCOUNT_PROMOTION_CODE_DUPLICATE',
      `Several active promotion codes match ${wanted}`,
      {
        code: wanted,
        ids: live.map((c) => c.id),
      },
    );
  }
  const code = live[0];
  if (code === undefined) {
    const details = { code: wanted, id: first.id };
    if (!first.active) {
      throw new DiscountError(
        'DISCOUNT_PROMOTION_CODE_INACTIVE',
        `Promotion code ${wanted} is not active`,
        details,
      );
    }
    if (first.startsAt !== undefined && now < Date.parse(first.startsAt)) {
      throw new DiscountError(
        'DISCOUNT_PROMOTION_CODE_NOT_STARTED',
        `Promotion code ${wanted} is valid from ${first.startsAt}`,
        details,
      );
    }
    throw new DiscountError(
      'DISCOUNT_PROMOTION_CODE_EXPIRED',
      `Promotion code ${wanted} expired at ${first.expiresAt ?? ''}`,
      details,
    );
  }
  const details = { code: wanted, id: code.id };
  if (code.maxRedemptions !== undefined && code.timesRedeemed >= code.maxRedemptions) {
    throw new DiscountError(
      'DISCOUNT_PROMOTION_CODE_EXHAUSTED',
      `Promotion code ${wanted} was redeemed ${code.timesRedeemed} of ${code.maxRedemptions} times`,
      details,
    );
  }
  if (code.customerId !== undefined && code.customerId !== request.customerId) {
    throw new DiscountError(
      'DISCOUNT_PROMOTION_CODE_CUSTOMER_RESTRICTED',
      `Promotion code ${wanted} belongs to another customer`,
      details,
    );
  }
  if (code.restrictions.firstTimeTransaction && !request.isFirstTimeCustomer) {
    throw new DiscountError(
      'DISCOUNT_PROMOTION_CODE_FIRST_TIME_ONLY',
      `Promotion code ${wanted} is for first-time customers only`,
      details,
    );
  }
  const minimum = code.restrictions.minimumAmount;
  if (minimum !== undefined) {
    const subtotal = request.subtotal;
    if (subtotal !== undefined && subtotal.currency !== minimum.currency) {
      throw new DiscountError(
        'DISCOUNT_CURRENCY_MISMATCH',
        `Promotion code ${wanted} has a minimum in ${minimum.currency}, the invoice is in ${subtotal.currency}`,
        { ...details, currency: subtotal.currency, minimumCurrency: minimum.currency },
      );
    }
    if (subtotal === undefined || subtotal.amount < minimum.amount) {
      throw new DiscountError(
        'DISCOUNT_PROMOTION_CODE_MINIMUM_NOT_MET',
        `Promotion code ${wanted} needs a subtotal of at least ${toDecimalString(minimum)} ${minimum.currency}`,
        { ...details, minimum },
      );
    }
  }
  return code;
}

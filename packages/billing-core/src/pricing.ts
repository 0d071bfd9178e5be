import { isCurrencyCode, type Money, money } from '@billkit/money';
import { BillingError, isBillingError } from './errors.js';
import type { Price } from './price.js';

/** How one tier contributed to a tiered amount. */
export interface TierCharge {
  readonly tierIndex: number;
  /** Units charged at this tier (for volume pricing, all of them). */
  readonly quantity: number;
  readonly unitAmount: Money;
  readonly flatAmount: Money;
  readonly amount: Money;
}

/** The amount a price charges for a quantity, with how it was reached. */
export interface PriceAmount {
  readonly amount: Money;
  /** The per-unit amount when one exists (per-unit, volume with no flat fee); otherwise `null`. */
  readonly unitAmount: Money | null;
  readonly quantity: number;
  readonly tiers: readonly TierCharge[];
  /** Plain words: `3 × $10.00`, `graduated: 5 × $10.00 + 2 × $8.00`. */
  readonly explanation: string;
}

function assertQuantity(quantity: number): void {
  if (!Number.isSafeInteger(quantity) || quantity < 0) {
    throw new BillingError(
      'BILLING_INVALID_QUANTITY',
      `Quantity must be a non-negative integer (got ${quantity})`,
      {
        quantity,
      },
    );
  }
}

const times = (amount: number, quantity: number): bigint => BigInt(amount) * BigInt(quantity);

const MAX_AMOUNT = BigInt(Number.MAX_SAFE_INTEGER);
const OVERFLOW = 'price × quantity would exceed 2^53−1 minor units, the largest amount billkit represents';

/** `amount` as Money, or `BILLING_AMOUNT_OVERFLOW` naming the quantity when it leaves the safe range. */
function priced(amount: bigint, price: Price, quantity: number): Money {
  if (amount > MAX_AMOUNT || amount < -MAX_AMOUNT) {
    throw new BillingError('BILLING_AMOUNT_OVERFLOW', `Price ${price.id}: ${OVERFLOW}`, {
      priceId: price.id,
      quantity,
      issues: [{ path: ['quantity'], message: OVERFLOW }],
    });
  }
  return money(amount, price.currency);
}

/**
 * Runs `work` for the item at `index` of the caller's `items`: an overflow it raises names
 * `items.<index>.quantity`, the field the caller can change.
 *
 * @example forItem(2, () => computePriceAmount(price, quantity)) // overflow → issues[0].path ['items', 2, 'quantity']
 */
export function forItem<T>(index: number, work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (!isBillingError(error, 'BILLING_AMOUNT_OVERFLOW')) throw error;
    throw new BillingError(
      'BILLING_AMOUNT_OVERFLOW',
      `items.${index}: ${error.message}`,
      { ...error.details, issues: [{ path: ['items', index, 'quantity'], message: OVERFLOW }] },
      { cause: error },
    );
  }
}

/**
 * What `price` charges for `quantity` units in one period, in exact integer minor units (no rounding is
 * ever needed: every price amount is an integer and quantities are whole).
 *
 * - `flat`: the flat amount, whatever the quantity (zero quantity charges nothing).
 * - `per_unit`: quantity × unit amount.
 * - `tiered` + `graduated`: each unit at the price of the tier it falls in, plus the flat fee of every
 *   tier reached.
 * - `tiered` + `volume`: every unit at the tier the whole quantity falls in, plus that tier's flat fee.
 *
 * @example computePriceAmount({ billingScheme: 'per_unit', unitAmount: 1500, currency: 'USD', … }, 3).amount
 * // { amount: 4500, currency: 'USD' }
 */
export function computePriceAmount(price: Price, quantity: number): PriceAmount {
  assertQuantity(quantity);
  const c = price.currency;
  switch (price.billingScheme) {
    case 'flat': {
      const amount = money(quantity === 0 ? 0 : price.flatAmount, c);
      return {
        amount,
        unitAmount: null,
        quantity,
        tiers: [],
        explanation: `flat ${price.flatAmount} per period`,
      };
    }
    case 'per_unit':
      return {
        amount: priced(times(price.unitAmount, quantity), price, quantity),
        unitAmount: money(price.unitAmount, c),
        quantity,
        tiers: [],
        explanation: `${quantity} × ${price.unitAmount}`,
      };
    case 'tiered': {
      const charges: TierCharge[] = [];
      if (price.tiersMode === 'volume') {
        const tierIndex = price.tiers.findIndex((t) => t.upTo === null || quantity <= t.upTo);
        const tier = price.tiers[tierIndex]!;
        const amount = priced(
          times(tier.unitAmount, quantity) + BigInt(quantity === 0 ? 0 : tier.flatAmount),
          price,
          quantity,
        );
        charges.push({
          tierIndex,
          quantity,
          unitAmount: money(tier.unitAmount, c),
          flatAmount: money(quantity === 0 ? 0 : tier.flatAmount, c),
          amount,
        });
        return {
          amount,
          unitAmount: tier.flatAmount === 0 ? money(tier.unitAmount, c) : null,
          quantity,
          tiers: charges,
          explanation: `volume tier ${tierIndex + 1}: ${quantity} × ${tier.unitAmount}${tier.flatAmount ? ` + flat ${tier.flatAmount}` : ''}`,
        };
      }
      let covered = 0;
      let total = 0n;
      for (const [tierIndex, tier] of price.tiers.entries()) {
        if (covered >= quantity) break;
        const upper = tier.upTo === null ? quantity : Math.min(quantity, tier.upTo);
        const units = upper - covered;
        if (units <= 0) continue;
        const amount = times(tier.unitAmount, units) + BigInt(tier.flatAmount);
        total += amount;
        charges.push({
          tierIndex,
          quantity: units,
          unitAmount: money(tier.unitAmount, c),
          flatAmount: money(tier.flatAmount, c),
          amount: priced(amount, price, quantity),
        });
        covered = upper;
      }
      return {
        amount: priced(total, price, quantity),
        unitAmount: null,
        quantity,
        tiers: charges,
        explanation: `graduated: ${
          charges
            .map(
              (t) =>
                `${t.quantity} × ${t.unitAmount.amount}${t.flatAmount.amount ? ` + flat ${t.flatAmount.amount}` : ''}`,
            )
            .join(' + ') || '0'
        }`,
      };
    }
  }
}

/**
 * `computePriceAmount(price, quantity).amount.amount`, with the same checks and errors, without the
 * tier breakdown and explanation text: what validating and classifying items need. A per-unit price
 * whose product is a safe integer is multiplied directly (a float product is exact in that range);
 * anything else goes through {@link computePriceAmount}.
 */
export function priceAmountOf(price: Price, quantity: number): number {
  if (
    price.billingScheme === 'per_unit' &&
    Number.isSafeInteger(quantity) &&
    quantity >= 0 &&
    Number.isSafeInteger(price.unitAmount) &&
    isCurrencyCode(price.currency)
  ) {
    const amount = price.unitAmount * quantity;
    if (Number.isSafeInteger(amount)) return amount === 0 ? 0 : amount;
  }
  return computePriceAmount(price, quantity).amount.amount;
}

import { type Decimal, type Ratio, toDecimal } from '@billkit/money';
import type { VolumeTier } from './discount-definition.js';

/** What a quantity earns under a tier table: a fraction off, or an amount off in minor units. */
export type TierOutcome =
  | { readonly kind: 'percent'; readonly fraction: Ratio; readonly percent: Decimal }
  | { readonly kind: 'amount'; readonly amount: number };

/** Units of `quantity` that fall in each tier (graduated), tiers sorted by `fromQuantity`. */
function unitsPerTier(sorted: readonly VolumeTier[], quantity: number): number[] {
  return sorted.map((tier, index) => {
    const next = sorted[index + 1];
    const last = next === undefined ? quantity : Math.min(quantity, next.fromQuantity - 1);
    return Math.max(0, last - tier.fromQuantity + 1);
  });
}

/**
 * The discount a quantity earns. `volume` mode: every unit at the highest tier reached. `graduated`
 * mode: each unit at the tier it falls in, so a percentage becomes the exact blended fraction
 * `Σ(units × percent) / (quantity × 100)`. Units below the first tier earn nothing; `undefined`
 * when the quantity earns nothing at all.
 */
export function tierOutcome(
  tiers: readonly VolumeTier[],
  mode: 'volume' | 'graduated',
  quantity: number,
): TierOutcome | undefined {
  const sorted = [...tiers].sort((a, b) => a.fromQuantity - b.fromQuantity);
  const units =
    mode === 'volume'
      ? sorted.map((tier, index) => {
          const next = sorted[index + 1];
          const reached =
            quantity >= tier.fromQuantity && (next === undefined || quantity < next.fromQuantity);
          return reached ? quantity : 0;
        })
      : unitsPerTier(sorted, quantity);
  if (units.every((u) => u === 0)) return undefined;
  if (sorted[0]?.percentOff !== undefined) {
    const weighted = sorted.reduce(
      (acc, tier, index) => acc.plus(toDecimal(tier.percentOff ?? '0').times(units[index] as number)),
      toDecimal(0),
    );
    return {
      kind: 'percent',
      fraction: { numerator: weighted, denominator: quantity * 100 },
      percent: weighted.div(quantity),
    };
  }
  const amount = sorted.reduce(
    (acc, tier, index) => acc + (tier.unitAmountOff?.amount ?? 0) * (units[index] as number),
    0,
  );
  return amount > 0 ? { kind: 'amount', amount } : undefined;
}

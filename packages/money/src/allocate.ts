import type { DecimalInput } from './decimal.js';
import { toDecimal } from './decimal.js';
import { MoneyError } from './errors.js';
import { assertMoney, type Money, money } from './money.js';

/** Scale decimal weights to integers (as bigints) sharing one power of ten. */
function integerWeights(weights: readonly DecimalInput[]): bigint[] {
  // Non-negative safe-integer weights (the common case: amounts) need no decimal scaling at all.
  if (weights.every((w) => typeof w === 'number' && Number.isSafeInteger(w) && w >= 0)) {
    return weights.map((w) => BigInt(w as number));
  }
  const decimals = weights.map((w) => {
    const d = toDecimal(w);
    if (d.lt(0)) {
      throw new MoneyError('MONEY_INVALID_WEIGHTS', 'Allocation weights must not be negative', {
        weights: weights.map(String),
      });
    }
    return d;
  });
  const places = Math.max(0, ...decimals.map((d) => Math.max(0, d.c.length - d.e - 1)));
  return decimals.map((d) => BigInt(d.times(`1e${places}`).toFixed(0)));
}

/**
 * Split `total` into parts proportional to `weights`, exactly: the parts always sum to `total`.
 * Each part first gets the floor of its exact share; the units left over go one each to the parts
 * with the largest remainders (earlier parts win ties), so the result is deterministic. Negative
 * totals are split as their absolute value and negated; zero weights get zero. Weights are
 * non-negative integers or decimal strings.
 *
 * @example allocate(money(100, 'USD'), [1, 1, 1]).map((p) => p.amount) // [34, 33, 33]
 */
export function allocate(total: Money, weights: readonly DecimalInput[]): Money[] {
  assertMoney(total, 'total');
  if (!Array.isArray(weights)) {
    throw new MoneyError('MONEY_INVALID_WEIGHTS', 'weights must be an array of integers or decimal strings', {
      field: 'weights',
    });
  }
  if (weights.length === 0) {
    throw new MoneyError('MONEY_INVALID_WEIGHTS', 'Cannot allocate over an empty list of weights');
  }
  const scaled = integerWeights(weights);
  const weightSum = scaled.reduce((a, b) => a + b, 0n);
  if (weightSum === 0n) {
    if (total.amount === 0) return weights.map(() => money(0, total.currency));
    throw new MoneyError(
      'MONEY_INVALID_WEIGHTS',
      'Cannot allocate a non-zero amount over weights that are all zero',
      {
        total: total.amount,
      },
    );
  }
  const sign = total.amount < 0 ? -1n : 1n;
  const magnitude = BigInt(Math.abs(total.amount));
  const shares = scaled.map((w) => (magnitude * w) / weightSum);
  const remainders = scaled.map((w, index) => ({ index, remainder: (magnitude * w) % weightSum }));
  let leftover = magnitude - shares.reduce((a, b) => a + b, 0n);
  remainders.sort((a, b) =>
    a.remainder === b.remainder ? a.index - b.index : a.remainder > b.remainder ? -1 : 1,
  );
  for (const { index } of remainders) {
    if (leftover === 0n) break;
    shares[index] = (shares[index] as bigint) + 1n;
    leftover -= 1n;
  }
  return shares.map((share) => money(sign * share, total.currency));
}

import { allocate, money } from '@billkit/money';

/** One recipient of a spread amount: its proportional `weight` and the most it can take. */
export interface SpreadSlot {
  readonly weight: number;
  readonly limit: number;
}

/**
 * Spread `total` (non-negative minor units) over slots in proportion to their weights, exactly and
 * without exceeding any slot's limit. Slots that hit their limit hand their excess on to the others,
 * still in proportion (water-filling); the loop ends when everything is placed or every slot is full,
 * and at least one slot fills each round, so it runs at most `slots.length` times. The caller orders
 * the slots canonically: `allocate` breaks remainder ties by position.
 */
export function spread(total: number, slots: readonly SpreadSlot[], currency: string): number[] {
  const given = slots.map(() => 0);
  let left = Math.min(
    total,
    slots.reduce((acc, slot) => acc + Math.max(0, slot.limit), 0),
  );
  while (left > 0) {
    const open = slots
      .map((slot, index) => ({ slot, index }))
      .filter(({ slot, index }) => slot.weight > 0 && slot.limit - (given[index] as number) > 0);
    if (open.length === 0) break;
    const parts = allocate(
      money(left, currency),
      open.map(({ slot }) => slot.weight),
    );
    let placed = 0;
    open.forEach(({ slot, index }, position) => {
      const room = slot.limit - (given[index] as number);
      const part = Math.min((parts[position] as { amount: number }).amount, room);
      given[index] = (given[index] as number) + part;
      placed += part;
    });
    if (placed === 0) break;
    left -= placed;
  }
  return given;
}

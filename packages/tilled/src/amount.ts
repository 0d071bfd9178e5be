import { checkChargeable, isMoneyError, type Money, money, TILLED_CONSTRAINTS } from '@billkit/money';
import { TilledError } from './errors.js';

/** An amount as Tilled's wire format has it: integer minor units and a lower-case currency. */
export interface TilledAmount {
  readonly amount: number;
  readonly currency: string;
}

/**
 * `Money` → Tilled's `{ amount, currency }` (minor units, lower case), refusing what Tilled cannot
 * charge (a currency outside its list, a non-positive amount) with `TILLED_AMOUNT_NOT_CHARGEABLE`.
 *
 * @example toTilledAmount(money(4999, 'USD')) // { amount: 4999, currency: 'usd' }
 */
export function toTilledAmount(m: Money): TilledAmount {
  let check: ReturnType<typeof checkChargeable>;
  try {
    // money() re-checks what a hand-built object may lack: a safe integer and a known ISO code.
    check = checkChargeable(money(m.amount, m.currency), TILLED_CONSTRAINTS);
  } catch (cause) {
    if (!isMoneyError(cause)) throw cause;
    throw new TilledError('TILLED_AMOUNT_NOT_CHARGEABLE', `Not a chargeable amount: ${cause.message}`, {
      cause,
      details: { problem: cause.code },
    });
  }
  if (!check.chargeable) {
    throw new TilledError(
      'TILLED_AMOUNT_NOT_CHARGEABLE',
      `Tilled cannot charge ${m.amount} ${m.currency}: ${check.problem}`,
      { details: { problem: check.problem, amount: m.amount, currency: m.currency } },
    );
  }
  return { amount: m.amount, currency: m.currency.toLowerCase() };
}

/** Tilled's `{ amount, currency }` → `Money` (currency upper case). */
export function fromTilledAmount(amount: number, currency: string): Money {
  return money(amount, currency.toUpperCase());
}

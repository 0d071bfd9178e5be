export { allocate } from './allocate.js';
export { type Currency, currencies, getCurrency, isCurrencyCode } from './currencies.js';
export {
  type Decimal,
  type DecimalInput,
  type Factor,
  isDecimal,
  type Ratio,
  timesFactor,
  toDecimal,
} from './decimal.js';
export { formatMoney, parseMoney, toDecimalString } from './decimal-string.js';
export { isMoneyError, MoneyError, type MoneyErrorCode } from './errors.js';
export {
  absolute,
  add,
  assertMoney,
  assertSameCurrency,
  compare,
  equals,
  greaterThan,
  greaterThanOrEqual,
  isNegative,
  isPositive,
  isZero,
  lessThan,
  lessThanOrEqual,
  type Money,
  maximum,
  minimum,
  money,
  negate,
  subtract,
  sum,
  zero,
} from './money.js';
export { multiply, multiplyExact } from './multiply.js';
export {
  type Chargeability,
  type ChargeabilityProblem,
  checkChargeable,
  type ProcessorConstraints,
  roundForProcessor,
  TILLED_CONSTRAINTS,
} from './processor.js';
export { ROUNDING_MODES, type RoundingMode, roundDecimal, roundToMinorUnits } from './rounding.js';
export {
  currencyCodeSchema,
  decimalStringSchema,
  minorUnitsSchema,
  moneySchema,
  roundingModeSchema,
} from './schemas.js';

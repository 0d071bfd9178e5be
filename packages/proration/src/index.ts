export {
  type BillingInterval,
  billingIntervalSchema,
  INTERVAL_UNITS,
  type IntervalUnit,
} from './billing-interval.js';
export { type BillingPeriod, billingPeriodFor, nextPeriod, periodsBetween } from './billing-period.js';
export {
  CHANGE_TYPES,
  type ChangeEffective,
  type ChangePolicyRule,
  type ChangeType,
  changeEffectiveSchema,
  changePolicyRuleSchema,
  changeTypeSchema,
  PRORATION_BEHAVIORS,
  type ProrationBehavior,
  prorationBehaviorSchema,
  type ResolvedChangePolicy,
  resolveChangePolicy,
} from './change-policy.js';
export { isProrationError, ProrationError, type ProrationErrorCode } from './errors.js';
export { type Instant, instantSchema, type TimeSlice, timeSliceSchema, timeZoneSchema } from './instant.js';
export { localDate, localMidnight } from './local-time.js';
export {
  DAY_BOUNDARIES,
  type DayBoundary,
  dayBoundarySchema,
  type Fraction,
  type MeasureOptions,
  PRORATION_PRECISIONS,
  type ProrationPrecision,
  periodFraction,
  prorationPrecisionSchema,
} from './precision.js';
export { prorate } from './prorate.js';
export { type ProratedAmount, prorateAmount } from './prorate-amount.js';
export type { ProrationItem, ProrationResult } from './proration-item.js';
export {
  type BilledLine,
  billedLineSchema,
  type CreditBasis,
  type CreditHandling,
  type NewConfiguration,
  newConfigurationSchema,
  type ProrationOptions,
  type ProrationRequest,
  prorationOptionsSchema,
  prorationRequestSchema,
  type SubscriptionChange,
  subscriptionChangeSchema,
} from './request.js';

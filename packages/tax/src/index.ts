export { calculateTax } from './calculate-tax.js';
export type {
  TaxBreakdownEntry,
  TaxCalculation,
  TaxJurisdictionTotal,
  TaxLineResult,
} from './calculation.js';
export { isTaxError, TAX_ERROR_CODES, TaxError, type TaxErrorCode } from './errors.js';
export { resolveJurisdictions, type TaxJurisdiction } from './jurisdictions.js';
export { type TaxLocation, taxLocationSchema } from './location.js';
export { isTaxProvider, RateTableTaxProvider, type TaxProvider } from './provider.js';
export {
  type CategoryTreatment,
  categoryTreatmentSchema,
  JURISDICTION_LEVELS,
  type JurisdictionLevel,
  jurisdictionMatchSchema,
  loadRateTable,
  type RateTable,
  REVERSE_CHARGE_TAX_TYPES,
  rateTableSchema,
  TAX_TYPES,
  type TaxCategory,
  type TaxJurisdictionDefinition,
  type TaxRatePeriod,
  type TaxType,
  taxCategorySchema,
  taxJurisdictionSchema,
  taxRatePeriodSchema,
  taxRateSchema,
} from './rate-table.js';
export {
  type CustomerExemption,
  customerExemptionSchema,
  type TaxBehavior,
  type TaxCalculationOptions,
  type TaxCustomer,
  type TaxLine,
  type TaxRequest,
  type TaxRounding,
  taxBehaviorSchema,
  taxCalculationOptionsSchema,
  taxCustomerSchema,
  taxLineSchema,
  taxRequestSchema,
  taxRoundingSchema,
} from './request.js';
export { sampleRateTable } from './sample-rates.js';
export { TAXABILITY_REASONS, type TaxabilityReason } from './taxability.js';

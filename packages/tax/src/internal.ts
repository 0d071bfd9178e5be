/**
 * `@billkit/tax/internal`: the tax engine's door for billing-core, which validates its input at its
 * own public entry and hands the requests it builds from it inward without a second validation. Not
 * part of the public API: it may change in any release.
 */
export { calculateParsedTax, calculateParsedTaxLines, parseTaxCustomer } from './calculate-tax.js';
export type { TaxLinesCalculation } from './engine.js';

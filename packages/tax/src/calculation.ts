import type { Money, RoundingMode } from '@billkit/money';
import type { TaxJurisdiction } from './jurisdictions.js';
import type { TaxType } from './rate-table.js';
import type { TaxBehavior, TaxRounding } from './request.js';
import type { TaxabilityReason } from './taxability.js';

/** One jurisdiction's tax on one line. */
export interface TaxBreakdownEntry {
  readonly jurisdiction: TaxJurisdiction;
  readonly taxType: TaxType;
  /** The rate applied, as a decimal fraction string (`'0.0625'`); `'0'` when exempt, zero-rated or reverse-charged. */
  readonly rate: string;
  readonly taxabilityReason: TaxabilityReason;
  /** True for a tax on tax: its `base` includes the line's non-compound taxes. */
  readonly compound: boolean;
  /** What the rate applies to: the line's net amount (plus its non-compound taxes when compound). */
  readonly base: Money;
  /** The tax, rounded. The entries of a line sum to the line's `taxAmount` exactly. */
  readonly amount: Money;
  /** The tax before rounding, in minor units, as a decimal string to 12 places (`'102.5'` = 102.5 cents). */
  readonly unroundedAmount: string;
}

/** The tax result of one request line. `netAmount + taxAmount = grossAmount` always holds exactly. */
export interface TaxLineResult {
  readonly lineId: string;
  readonly taxCategory: string;
  readonly taxBehavior: TaxBehavior;
  /** Amount before tax: the line amount when exclusive; gross minus extracted tax when inclusive. */
  readonly netAmount: Money;
  readonly taxAmount: Money;
  /** Amount including tax: net plus tax when exclusive; the line amount when inclusive. */
  readonly grossAmount: Money;
  /** Line tax before rounding, in minor units, to 12 places. */
  readonly unroundedTaxAmount: string;
  readonly taxabilityReason: TaxabilityReason;
  /** True when a reverse charge applied to any of the line's taxes (the invoice must say so). */
  readonly reverseCharge: boolean;
  /** The customer's certificate (or VAT id) when an exemption or reverse charge applied to the line. */
  readonly exemptionCertificateId: string | null;
  /** One entry per jurisdiction and tax type, outermost jurisdiction first. Empty when nothing is levied. */
  readonly breakdown: readonly TaxBreakdownEntry[];
}

/** The invoice total of one jurisdiction's tax type: what goes on the return. */
export interface TaxJurisdictionTotal {
  readonly jurisdiction: TaxJurisdiction;
  readonly taxType: TaxType;
  /** Sum of bases of lines taxed here (standard, reduced or zero rated). */
  readonly taxableAmount: Money;
  /** Sum of bases of lines exempt, reverse-charged or not collected here. */
  readonly nonTaxableAmount: Money;
  /** The tax; equal to the sum of this jurisdiction's line entries. */
  readonly amount: Money;
  /** Sum of the unrounded line entries, in minor units, to 12 places. */
  readonly unroundedAmount: string;
}

/** The result of {@link calculateTax}. Every total equals the sum of its parts to the minor unit. */
export interface TaxCalculation {
  /** Which provider produced it (`rate_table` for the built-in one). */
  readonly provider: string;
  readonly currency: string;
  /** The tax date used, as an ISO instant. */
  readonly taxDate: string;
  readonly rounding: TaxRounding;
  readonly roundingMode: RoundingMode;
  /** The jurisdictions the customer's location resolved to, outermost first. */
  readonly jurisdictions: readonly TaxJurisdiction[];
  /** One result per request line, in request order. */
  readonly lines: readonly TaxLineResult[];
  /** One total per jurisdiction and tax type that appears in any line's breakdown. */
  readonly jurisdictionTotals: readonly TaxJurisdictionTotal[];
  /** Sum of the lines' net amounts. */
  readonly netTotal: Money;
  /** Sum of the lines' tax amounts (and of `jurisdictionTotals`). */
  readonly taxTotal: Money;
  /** Sum of the lines' gross amounts: `netTotal + taxTotal`. */
  readonly grossTotal: Money;
}

import { type Money, money } from '@billkit/money';
import {
  isTaxError,
  type RateTable,
  type TaxCalculation,
  type TaxProvider,
  type TaxRequest,
} from '@billkit/tax';
import { calculateParsedTax, parseTaxCustomer } from '@billkit/tax/internal';
import type { BillingConfig } from './billing-config.js';
import type { Customer } from './customer.js';
import { lineIndex } from './discount-step.js';
import type { DraftLine } from './draft-line.js';
import { BillingError } from './errors.js';
import type { ExplanationEntry } from './explanation.js';
import type { TaxAmount } from './invoice.js';
import { localDate } from './time.js';

/** Where tax rates come from: a rate table (built-in provider) or a synchronous `TaxProvider`. */
export type TaxSource = RateTable | TaxProvider;

export interface TaxStepResult {
  /** The tax amounts of each line, in the order of the lines taxed. */
  readonly perLine: readonly TaxAmount[][];
  readonly explanation: ExplanationEntry[];
}

/** The tax engine's view of a customer: location plus at most one exemption. */
export function toTaxCustomer(customer: Customer): TaxRequest['customer'] {
  const a = customer.address;
  const location = {
    country: a.country,
    ...(a.region ? { region: a.region } : {}),
    ...(a.postalCode ? { postalCode: a.postalCode } : {}),
    ...(a.county ? { county: a.county } : {}),
    ...(a.city ? { city: a.city } : {}),
    ...(a.districts && a.districts.length > 0 ? { districts: a.districts } : {}),
  };
  if (customer.taxExempt === 'exempt') {
    return {
      location,
      exemption: { type: 'exempt', certificateId: customer.taxExemptCertificateId ?? 'unspecified' },
    };
  }
  if (customer.taxExempt === 'reverse') {
    const certificateId = customer.taxExemptCertificateId ?? customer.taxIds[0] ?? 'unspecified';
    return { location, exemption: { type: 'reverse_charge', certificateId } };
  }
  if (customer.taxExemptions.length > 0) {
    // The tax engine takes one certificate per customer; several partial exemptions are merged.
    const certificates = [...new Set(customer.taxExemptions.map((e) => e.certificateId))];
    return {
      location,
      exemption: {
        type: 'exempt',
        certificateId: certificates.join(', '),
        jurisdictionIds: customer.taxExemptions.map((e) => e.jurisdictionId),
      },
    };
  }
  return { location };
}

/**
 * Step 3 of Proration → Discount → Tax: tax each line on its discounted amount with `@billkit/tax`.
 * `discounted` holds each line's amount after discounts, in line order (negative for credits: their
 * tax is negative too). The rates are those in force on the customer's local calendar date at
 * `taxDate` (an instant, read in `customer.timezone`; a date-only `taxDate` is taken as it is): the tax
 * engine reads a date as that day, and rate periods are written as dates.
 */
export function taxLines(
  lines: readonly DraftLine[],
  discounted: readonly Money[],
  context: {
    readonly currency: string;
    readonly taxDate: string;
    readonly customer: Customer;
    readonly source: TaxSource;
  },
  config: BillingConfig,
): TaxStepResult {
  const perLine: TaxAmount[][] = new Array(lines.length);
  for (let i = 0; i < lines.length; i += 1) perLine[i] = [];
  if (lines.length === 0) return { perLine, explanation: [] };
  const taxDate = localDate(context.taxDate, context.customer.timezone);
  const request: TaxRequest = {
    currency: context.currency,
    taxDate,
    // The customer's location and exemption are the only parts billing-core's own schemas do not bound
    // as the tax engine does (lengths of names and certificates): they are checked here, once.
    customer: parseTaxCustomer(toTaxCustomer(context.customer)),
    lines: lines.map((line, i) => ({
      id: line.id,
      amount: discounted[i] ?? line.amount,
      taxCategory: line.taxCategory,
      taxBehavior: line.taxBehavior,
    })),
  };
  let calculation: TaxCalculation | Promise<TaxCalculation>;
  try {
    // Built here from input validated at billing-core's entry: the engine does not parse it again.
    calculation = calculateParsedTax(request, context.source, {
      rounding: config.taxRoundingLevel,
      roundingMode: config.taxRounding,
    });
  } catch (cause) {
    // The rate table does not cover the customer (or is invalid): the tax package's coded refusal is
    // the caller's to fix in its configuration, so it goes through as it is.
    if (isTaxError(cause)) throw cause;
    throw new BillingError(
      'BILLING_ENGINE_FAILURE',
      `The tax engine failed on the invoice: ${(cause as Error).message}`,
      {
        engine: 'tax',
        code: (cause as { code?: string }).code ?? null,
      },
      { cause },
    );
  }
  if (calculation instanceof Promise) {
    throw new BillingError(
      'BILLING_ENGINE_FAILURE',
      'billing-core is synchronous: pass a rate table or a synchronous tax provider',
      {
        engine: 'tax',
      },
    );
  }
  const explanation: ExplanationEntry[] = [];
  const zero = money(0, context.currency);
  // The same for every entry: printed once.
  const rounding = `${calculation.rounding}/${calculation.roundingMode}`;
  const at = lineIndex(lines);
  for (let position = 0; position < calculation.lines.length; position += 1) {
    const result = calculation.lines[position] as TaxCalculation['lines'][number];
    const amounts = perLine[at(result.lineId, position)];
    if (!amounts) continue;
    const inclusive = result.taxBehavior === 'inclusive';
    const extracted = inclusive ? ' (extracted from an inclusive amount)' : '';
    for (const entry of result.breakdown) {
      amounts.push({
        jurisdictionId: entry.jurisdiction.id,
        jurisdictionName: entry.jurisdiction.name,
        jurisdictionLevel: entry.jurisdiction.level,
        taxType: entry.taxType,
        rate: entry.rate,
        taxableAmount: entry.base,
        amount: entry.amount,
        inclusive,
        taxabilityReason: entry.taxabilityReason,
      });
      explanation.push({
        target: `lines.${result.lineId}.tax.${entry.jurisdiction.id}.${entry.taxType}`,
        source: 'tax',
        amount: entry.amount,
        inputs: {
          provider: calculation.provider,
          jurisdiction: entry.jurisdiction.name,
          level: entry.jurisdiction.level,
          rate: entry.rate,
          base: entry.base.amount,
          compound: entry.compound,
          taxBehavior: result.taxBehavior,
          unroundedAmount: entry.unroundedAmount,
          rounding,
          taxDate,
        },
        note: `${entry.taxabilityReason}: ${entry.rate} × ${entry.base.amount}${extracted}${
          result.exemptionCertificateId && entry.amount.amount === 0
            ? ` — certificate ${result.exemptionCertificateId}`
            : ''
        }`,
      });
    }
    if (result.breakdown.length === 0) {
      explanation.push({
        target: `lines.${result.lineId}.tax`,
        source: 'tax',
        amount: zero,
        inputs: { provider: calculation.provider, taxDate },
        note: `${result.taxabilityReason}: no jurisdiction levies tax on this line`,
      });
    }
  }
  return { perLine, explanation };
}

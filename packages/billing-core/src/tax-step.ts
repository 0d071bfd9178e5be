import { type Money, money } from '@billkit/money';
import {
  isTaxError,
  type RateTable,
  type TaxCalculation,
  type TaxProvider,
  type TaxRequest,
} from '@billkit/tax';
import { calculateParsedTaxLines, parseTaxCustomer, type TaxLinesCalculation } from '@billkit/tax/internal';
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

type TaxLocation = TaxRequest['customer']['location'];

/** The tax engine's view of a customer: location plus at most one exemption. */
export function toTaxCustomer(customer: Customer): TaxRequest['customer'] {
  const a = customer.address;
  // Field by field, in the order (and with the values) the conditional spreads gave.
  const location: { -readonly [K in keyof TaxLocation]: TaxLocation[K] } = { country: a.country };
  if (a.region) location.region = a.region;
  if (a.postalCode) location.postalCode = a.postalCode;
  if (a.county) location.county = a.county;
  if (a.city) location.city = a.city;
  if (a.districts && a.districts.length > 0) location.districts = a.districts;
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

/** What an entry's target and note share with the entries of other lines at its breakdown position. */
interface EntryTexts {
  jurisdictionId: string;
  taxType: string;
  reason: string;
  rate: string;
  /** `.tax.${jurisdictionId}.${taxType}` */
  targetSuffix: string;
  /** `${taxabilityReason}: ${rate} × ` */
  notePrefix: string;
}

type BreakdownEntry = TaxLinesCalculation['lines'][number]['breakdown'][number];

/**
 * The texts of `entry` at breakdown position `k`: those kept for the position when its jurisdiction
 * id, tax type, reason and rate are the same strings, else made (as the template strings did) and
 * kept. A value that is not a string (a provider's) is printed afresh every time.
 */
function entryTexts(texts: EntryTexts[], k: number, entry: BreakdownEntry): EntryTexts {
  const id = entry.jurisdiction.id;
  const { taxType, taxabilityReason: reason, rate } = entry;
  const kept = texts[k];
  if (
    kept !== undefined &&
    kept.jurisdictionId === id &&
    kept.taxType === taxType &&
    kept.reason === reason &&
    kept.rate === rate
  )
    return kept;
  const made: EntryTexts = {
    jurisdictionId: id,
    taxType,
    reason,
    rate,
    targetSuffix: `.tax.${id}.${taxType}`,
    notePrefix: `${reason}: ${rate} × `,
  };
  if (
    typeof id === 'string' &&
    typeof taxType === 'string' &&
    typeof reason === 'string' &&
    typeof rate === 'string'
  )
    texts[k] = made;
  return made;
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
  /** Where the entries go (appended; the builder passes the invoice's trail). A new array when omitted. */
  explanation: ExplanationEntry[] = [],
): TaxStepResult {
  const perLine: TaxAmount[][] = new Array(lines.length);
  for (let i = 0; i < lines.length; i += 1) perLine[i] = [];
  if (lines.length === 0) return { perLine, explanation };
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
  let calculation: TaxLinesCalculation | TaxCalculation | Promise<TaxCalculation>;
  try {
    // Built here from input validated at billing-core's entry: the engine does not parse it again.
    // Only the lines are read (the invoice totals its own): the engine skips its totals.
    calculation = calculateParsedTaxLines(request, context.source, {
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
  const zero = money(0, context.currency);
  // The same for every entry: printed once.
  const rounding = `${calculation.rounding}/${calculation.roundingMode}`;
  const at = lineIndex(lines);
  // The lines of an invoice repeat the same jurisdictions in the same order: the parts of each entry's
  // target and note that depend only on the jurisdiction, tax type, reason and rate are kept per
  // breakdown position and reused while they repeat (compared by value; strings only).
  const texts: EntryTexts[] = [];
  for (let position = 0; position < calculation.lines.length; position += 1) {
    const result = calculation.lines[position] as TaxLinesCalculation['lines'][number];
    const amounts = perLine[at(result.lineId, position)];
    if (!amounts) continue;
    const inclusive = result.taxBehavior === 'inclusive';
    const extracted = inclusive ? ' (extracted from an inclusive amount)' : '';
    const breakdown = result.breakdown;
    for (let k = 0; k < breakdown.length; k += 1) {
      const entry = breakdown[k] as (typeof breakdown)[number];
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
        target: `lines.${result.lineId}${entryTexts(texts, k, entry).targetSuffix}`,
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
        note: `${entryTexts(texts, k, entry).notePrefix}${entry.base.amount}${extracted}${
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

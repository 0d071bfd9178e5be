import {
  type Decimal,
  type Money,
  money,
  type RoundingMode,
  roundToMinorUnits,
  toDecimal,
} from '@billkit/money';
import type {
  TaxBreakdownEntry,
  TaxCalculation,
  TaxJurisdictionTotal,
  TaxLineResult,
} from './calculation.js';
import { TaxError } from './errors.js';
import { resolveJurisdictionDefinitions, type TaxJurisdiction, toTaxJurisdiction } from './jurisdictions.js';
import {
  type CategoryTreatment,
  type RateTableIndex,
  REVERSE_CHARGE_TAX_TYPES,
  type TaxJurisdictionDefinition,
  type TaxType,
} from './rate-table.js';
import type { CustomerExemption, ResolvedTaxRequest, TaxLine } from './request.js';
import { roundPartsToTotal, sumDecimals, unroundedString } from './rounding.js';
import { isTaxableReason, lineTaxabilityReason, type TaxabilityReason } from './taxability.js';

/** What one jurisdiction's tax type does to lines of one tax category, at the tax date. */
interface PlannedTax {
  readonly jurisdiction: TaxJurisdiction;
  readonly taxType: TaxType;
  readonly rate: Decimal;
  /** `rate.toFixed()`, printed once per plan instead of once per line. */
  readonly rateText: string;
  readonly reason: TaxabilityReason;
  readonly compound: boolean;
  readonly key: string;
}

/** A line's taxes before rounding. */
interface UnroundedLine {
  readonly line: TaxLine;
  readonly behavior: 'exclusive' | 'inclusive';
  readonly plan: readonly PlannedTax[];
  readonly parts: readonly Decimal[];
  /** Σ parts, computed once: both rounding and the result's unrounded line tax need it. */
  readonly total: Decimal;
}

const ZERO = toDecimal(0);

function exemptionCovers(exemption: CustomerExemption | undefined, jurisdictionId: string): boolean {
  if (exemption?.type !== 'exempt') return false;
  return exemption.jurisdictionIds === undefined || exemption.jurisdictionIds.includes(jurisdictionId);
}

/** The treatment precedence, written once: seller not registered → product → customer → rate. */
function treat(
  definition: TaxJurisdictionDefinition,
  taxType: TaxType,
  treatment: CategoryTreatment,
  standardRate: string,
  exemption: CustomerExemption | undefined,
): { rate: Decimal; reason: TaxabilityReason } {
  if (definition.collecting === false) return { rate: ZERO, reason: 'not_collecting' };
  if (treatment.treatment === 'exempt') return { rate: ZERO, reason: 'product_exempt' };
  if (treatment.treatment === 'zero') return { rate: ZERO, reason: 'zero_rated' };
  if (exemption?.type === 'reverse_charge' && REVERSE_CHARGE_TAX_TYPES.includes(taxType)) {
    return { rate: ZERO, reason: 'reverse_charge' };
  }
  if (exemptionCovers(exemption, definition.id)) return { rate: ZERO, reason: 'customer_exempt' };
  if (treatment.treatment === 'reduced') return { rate: toDecimal(treatment.rate), reason: 'reduced_rated' };
  return { rate: toDecimal(standardRate), reason: 'standard_rated' };
}

function planTaxes(
  index: RateTableIndex,
  jurisdictions: readonly TaxJurisdictionDefinition[],
  taxCategory: string,
  resolved: ResolvedTaxRequest,
): PlannedTax[] {
  const category = index.categories.get(taxCategory);
  if (category === undefined) {
    throw new TaxError('TAX_UNKNOWN_TAX_CATEGORY', `The rate table has no tax category "${taxCategory}"`, {
      taxCategory,
    });
  }
  const defaultTreatment: CategoryTreatment = {
    treatment: category.treatment ?? 'standard',
  } as CategoryTreatment;
  const exemption = resolved.request.customer.exemption;
  const plan: PlannedTax[] = [];
  for (const definition of jurisdictions) {
    const byType = index.rates.get(definition.id);
    // A jurisdiction without any rate levies nothing (e.g. the US federal level, Oregon).
    if (byType === undefined) continue;
    for (const [taxType, periods] of byType) {
      const jurisdiction = toTaxJurisdiction(definition);
      const key = `${definition.id}\u0000${taxType}`;
      if (definition.collecting === false) {
        plan.push({
          jurisdiction,
          taxType,
          rate: ZERO,
          rateText: ZERO.toFixed(),
          reason: 'not_collecting',
          compound: false,
          key,
        });
        continue;
      }
      const inForce = periods.find((p) => p.from <= resolved.taxDate && resolved.taxDate < p.to);
      if (inForce === undefined) {
        const taxDate = new Date(resolved.taxDate).toISOString();
        throw new TaxError(
          'TAX_NO_RATE_IN_FORCE',
          `No ${taxType} rate of "${definition.id}" is in force on ${taxDate}`,
          { jurisdictionId: definition.id, taxType, taxDate },
        );
      }
      const treatment = inForce.period.categories?.[taxCategory] ?? defaultTreatment;
      const { rate, reason } = treat(definition, taxType, treatment, inForce.period.rate, exemption);
      const compound = inForce.period.compound ?? false;
      plan.push({ jurisdiction, taxType, rate, rateText: rate.toFixed(), reason, compound, key });
    }
  }
  return plan;
}

// A plan is shared by every line of its tax category, so its rate sums are computed once per plan
// rather than once per line (big.js additions were the largest self time of a calculation).
const planRateSums = new WeakMap<readonly PlannedTax[], { simpleRates: Decimal; compoundRates: Decimal }>();

function rateSums(plan: readonly PlannedTax[]): { simpleRates: Decimal; compoundRates: Decimal } {
  let sums = planRateSums.get(plan);
  if (sums === undefined) {
    sums = {
      simpleRates: sumDecimals(plan.filter((p) => !p.compound).map((p) => p.rate)),
      compoundRates: sumDecimals(plan.filter((p) => p.compound).map((p) => p.rate)),
    };
    planRateSums.set(plan, sums);
  }
  return sums;
}

/**
 * Exact tax of each planned entry. Simple taxes apply to the net amount; compound ones to the net
 * amount plus the simple taxes. For an inclusive line the net amount is solved from the gross:
 * gross = net × (1 + Σ simple rates) × (1 + Σ compound rates).
 */
function unroundedParts(
  amount: number,
  behavior: 'exclusive' | 'inclusive',
  plan: readonly PlannedTax[],
): Decimal[] {
  const { simpleRates, compoundRates } = rateSums(plan);
  const net =
    behavior === 'exclusive'
      ? toDecimal(amount)
      : toDecimal(amount).div(simpleRates.plus(1).times(compoundRates.plus(1)));
  const simpleTax = net.times(simpleRates);
  return plan.map((p) => (p.compound ? net.plus(simpleTax).times(p.rate) : net.times(p.rate)));
}

function roundLines(
  lines: readonly UnroundedLine[],
  rounding: 'line' | 'invoice',
  mode: RoundingMode,
): number[][] {
  if (rounding === 'line') {
    return lines.map(({ parts, total }) => roundPartsToTotal(parts, roundToMinorUnits(total, mode), mode));
  }
  // Per invoice: each jurisdiction's total is rounded once and spread back over its line entries.
  const result = lines.map(({ parts }) => parts.map(() => 0));
  const groups = new Map<string, { line: number; entry: number; value: Decimal }[]>();
  lines.forEach(({ plan, parts }, line) => {
    plan.forEach((p, entry) => {
      const group = groups.get(p.key) ?? [];
      group.push({ line, entry, value: parts[entry] as Decimal });
      groups.set(p.key, group);
    });
  });
  for (const group of groups.values()) {
    const values = group.map((g) => g.value);
    const amounts = roundPartsToTotal(values, roundToMinorUnits(sumDecimals(values), mode), mode);
    group.forEach((g, i) => {
      (result[g.line] as number[])[g.entry] = amounts[i] as number;
    });
  }
  return result;
}

/** The built-in calculation over a validated request and an indexed rate table. */
export function calculateFromRateTable(
  resolved: ResolvedTaxRequest,
  index: RateTableIndex,
  provider: string,
): TaxCalculation {
  const { request, rounding, roundingMode } = resolved;
  const currency = request.currency;
  const definitions = resolveJurisdictionDefinitions(request.customer.location, index);
  const exemption = request.customer.exemption;
  if (exemption?.type === 'exempt') {
    // A typo in a certificate's jurisdiction list must not quietly leave the customer taxed.
    const unknown = (exemption.jurisdictionIds ?? []).filter((id) => !index.jurisdictions.has(id));
    if (unknown.length > 0) {
      throw new TaxError(
        'TAX_UNKNOWN_JURISDICTION',
        `Exemption ${exemption.certificateId} names jurisdictions missing from the rate table: ${unknown.join(', ')}`,
        { jurisdictionIds: unknown, certificateId: exemption.certificateId },
      );
    }
  }
  const plans = new Map<string, PlannedTax[]>();
  const unrounded: UnroundedLine[] = request.lines.map((line) => {
    let plan = plans.get(line.taxCategory);
    if (plan === undefined) {
      plan = planTaxes(index, definitions, line.taxCategory, resolved);
      plans.set(line.taxCategory, plan);
    }
    const behavior = line.taxBehavior ?? 'exclusive';
    const parts = unroundedParts(line.amount.amount, behavior, plan);
    return { line, behavior, plan, parts, total: sumDecimals(parts) };
  });
  const rounded = roundLines(unrounded, rounding, roundingMode);
  const certificateId = request.customer.exemption?.certificateId ?? null;

  const lines: TaxLineResult[] = unrounded.map(({ line, behavior, plan, parts, total }, lineIndex) => {
    const amounts = rounded[lineIndex] as number[];
    const tax = amounts.reduce((a, b) => a + b, 0);
    const net = behavior === 'exclusive' ? line.amount.amount : line.amount.amount - tax;
    const simpleTax = amounts.filter((_, i) => !(plan[i] as PlannedTax).compound).reduce((a, b) => a + b, 0);
    const breakdown: TaxBreakdownEntry[] = plan.map((p, i) => ({
      jurisdiction: p.jurisdiction,
      taxType: p.taxType,
      rate: p.rateText,
      taxabilityReason: p.reason,
      compound: p.compound,
      base: money(p.compound ? net + simpleTax : net, currency),
      amount: money(amounts[i] as number, currency),
      unroundedAmount: unroundedString(parts[i] as Decimal),
    }));
    const reasons = plan.map((p) => p.reason);
    const reverseCharge = reasons.includes('reverse_charge');
    const exempted = reverseCharge || reasons.includes('customer_exempt');
    return {
      lineId: line.id,
      taxCategory: line.taxCategory,
      taxBehavior: behavior,
      netAmount: money(net, currency),
      taxAmount: money(tax, currency),
      grossAmount: money(net + tax, currency),
      unroundedTaxAmount: unroundedString(total),
      taxabilityReason: lineTaxabilityReason(reasons),
      reverseCharge,
      exemptionCertificateId: exempted ? certificateId : null,
      breakdown,
    };
  });

  const totals = new Map<
    string,
    {
      jurisdiction: TaxJurisdiction;
      taxType: TaxType;
      taxable: number;
      nonTaxable: number;
      amount: number;
      unrounded: Decimal;
    }
  >();
  unrounded.forEach(({ plan, parts }, lineIndex) => {
    const breakdown = (lines[lineIndex] as TaxLineResult).breakdown;
    plan.forEach((p, i) => {
      const entry = breakdown[i] as TaxBreakdownEntry;
      const total = totals.get(p.key) ?? {
        jurisdiction: p.jurisdiction,
        taxType: p.taxType,
        taxable: 0,
        nonTaxable: 0,
        amount: 0,
        unrounded: ZERO,
      };
      if (isTaxableReason(p.reason)) total.taxable += entry.base.amount;
      else total.nonTaxable += entry.base.amount;
      total.amount += entry.amount.amount;
      total.unrounded = total.unrounded.plus(parts[i] as Decimal);
      totals.set(p.key, total);
    });
  });
  const jurisdictionTotals: TaxJurisdictionTotal[] = [...totals.values()].map((t) => ({
    jurisdiction: t.jurisdiction,
    taxType: t.taxType,
    taxableAmount: money(t.taxable, currency),
    nonTaxableAmount: money(t.nonTaxable, currency),
    amount: money(t.amount, currency),
    unroundedAmount: unroundedString(t.unrounded),
  }));

  const sumOf = (pick: (line: TaxLineResult) => Money): Money =>
    money(
      lines.reduce((a, line) => a + pick(line).amount, 0),
      currency,
    );
  return {
    provider,
    currency,
    taxDate: new Date(resolved.taxDate).toISOString(),
    rounding,
    roundingMode,
    jurisdictions: definitions.map(toTaxJurisdiction),
    lines,
    jurisdictionTotals,
    netTotal: sumOf((line) => line.netAmount),
    taxTotal: sumOf((line) => line.taxAmount),
    grossTotal: sumOf((line) => line.grossAmount),
  };
}

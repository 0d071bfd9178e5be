import { money, type RoundingMode } from '@billkit/money';
import type {
  TaxBreakdownEntry,
  TaxCalculation,
  TaxJurisdictionTotal,
  TaxLineResult,
} from './calculation.js';
import { toIsoString } from './dates.js';
import { isTaxError, TaxError } from './errors.js';
import {
  divide,
  type Exact,
  exactInteger,
  ONE,
  parseExact,
  plus,
  rescale,
  times,
  toMinorUnits,
  toText,
  unroundedText,
  ZERO,
} from './exact.js';
import { resolveJurisdictionDefinitions, type TaxJurisdiction, toTaxJurisdiction } from './jurisdictions.js';
import {
  type CategoryTreatment,
  type RateTableIndex,
  REVERSE_CHARGE_TAX_TYPES,
  type TaxJurisdictionDefinition,
  type TaxType,
} from './rate-table.js';
import type { CustomerExemption, ResolvedTaxRequest, TaxLine, TaxRequest } from './request.js';
import { roundExactPartsToTotal, sumExact } from './rounding.js';
import { isTaxableReason, lineTaxabilityReason, type TaxabilityReason } from './taxability.js';

/*
 * The arithmetic is exact integer math on `int / 10^scale` values (exact.ts): the same numbers big.js
 * gave (sums and products exact, the inclusive extraction rounded to 40 places half-up, every rounding
 * to minor units explicit), without a big.js object per amount. Rates of a plan share one scale, so an
 * exclusive line's parts are plain integer products.
 */

/** What one jurisdiction's tax type does to lines of one tax category, at the tax date. */
interface PlannedTax {
  readonly jurisdiction: TaxJurisdiction;
  readonly taxType: TaxType;
  /** The rate, at the plan's common scale (see {@link Plan}). */
  rate: Exact;
  /** The rate as big.js printed it (`'0.0625'`, `'0'`), once per plan instead of once per line. */
  readonly rateText: string;
  readonly reason: TaxabilityReason;
  readonly compound: boolean;
  readonly key: string;
}

/** The planned taxes of one tax category, with what every line of the category shares. */
interface Plan {
  readonly entries: readonly PlannedTax[];
  /** Σ rates of the simple (non-compound) and of the compound entries. */
  readonly simpleRates: Exact;
  readonly compoundRates: Exact;
  readonly hasCompound: boolean;
  /** (1 + Σ simple) × (1 + Σ compound): what an inclusive amount is divided by. */
  readonly inclusiveDivisor: Exact;
}

/** The running sums of one jurisdiction total. */
interface JurisdictionSums {
  readonly jurisdiction: TaxJurisdiction;
  readonly taxType: TaxType;
  taxable: number;
  nonTaxable: number;
  amount: number;
  unrounded: Exact;
}

/** A line's taxes before rounding. */
interface UnroundedLine {
  readonly line: TaxLine;
  readonly behavior: 'exclusive' | 'inclusive';
  readonly plan: Plan;
  /** Index of each plan entry's jurisdiction total within the calculation (shared by entries of one key). */
  readonly slots: readonly number[];
  readonly parts: readonly Exact[];
  /** Σ parts, computed once: both rounding and the result's unrounded line tax need it. */
  readonly total: Exact;
}

// Rates are read from a few distinct strings (the table's): each is parsed once.
const MAX_CACHED_RATES = 4096;
const rates = new Map<string, Exact>();

function rateOf(text: string): Exact {
  let rate = rates.get(text);
  if (rate === undefined) {
    rate = parseExact(text);
    if (rates.size >= MAX_CACHED_RATES) rates.clear();
    rates.set(text, rate);
  }
  return rate;
}

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
): { rate: Exact; reason: TaxabilityReason } {
  if (definition.collecting === false) return { rate: ZERO, reason: 'not_collecting' };
  if (treatment.treatment === 'exempt') return { rate: ZERO, reason: 'product_exempt' };
  if (treatment.treatment === 'zero') return { rate: ZERO, reason: 'zero_rated' };
  if (exemption?.type === 'reverse_charge' && REVERSE_CHARGE_TAX_TYPES.includes(taxType)) {
    return { rate: ZERO, reason: 'reverse_charge' };
  }
  if (exemptionCovers(exemption, definition.id)) return { rate: ZERO, reason: 'customer_exempt' };
  if (treatment.treatment === 'reduced') return { rate: rateOf(treatment.rate), reason: 'reduced_rated' };
  return { rate: rateOf(standardRate), reason: 'standard_rated' };
}

// The key of a jurisdiction total, `${id}\u0000${taxType}`, made once per (frozen) definition and tax
// type: a Map lookup then hashes a string it has seen before instead of a new one per calculation.
const totalKeys = new WeakMap<TaxJurisdictionDefinition, Map<TaxType, string>>();

function totalKey(definition: TaxJurisdictionDefinition, taxType: TaxType): string {
  let byType = totalKeys.get(definition);
  if (byType === undefined) {
    byType = new Map();
    if (Object.isFrozen(definition)) totalKeys.set(definition, byType);
  }
  let key = byType.get(taxType);
  if (key === undefined) {
    key = `${definition.id}\u0000${taxType}`;
    byType.set(taxType, key);
  }
  return key;
}

function planTaxes(
  index: RateTableIndex,
  jurisdictions: readonly TaxJurisdictionDefinition[],
  taxCategory: string,
  resolved: ResolvedTaxRequest,
): Plan {
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
  const entries: PlannedTax[] = [];
  for (const definition of jurisdictions) {
    const byType = index.rates.get(definition.id);
    // A jurisdiction without any rate levies nothing (e.g. the US federal level, Oregon).
    if (byType === undefined) continue;
    for (const [taxType, periods] of byType) {
      const jurisdiction = toTaxJurisdiction(definition);
      const key = totalKey(definition, taxType);
      if (definition.collecting === false) {
        entries.push({
          jurisdiction,
          taxType,
          rate: ZERO,
          rateText: '0',
          reason: 'not_collecting',
          compound: false,
          key,
        });
        continue;
      }
      const inForce = periods.find((p) => p.from <= resolved.taxDate && resolved.taxDate < p.to);
      if (inForce === undefined) {
        const taxDate = new Date(resolved.taxDate).toISOString();
        const { country, region } = resolved.request.customer.location;
        throw new TaxError(
          'TAX_NO_RATE_IN_FORCE',
          `No ${taxType} rate of "${definition.id}" (${definition.name}) is in force on ${taxDate}`,
          {
            jurisdictionId: definition.id,
            jurisdictionName: definition.name,
            country,
            region,
            taxType,
            taxDate,
          },
        );
      }
      const treatment = inForce.period.categories?.[taxCategory] ?? defaultTreatment;
      const { rate, reason } = treat(definition, taxType, treatment, inForce.period.rate, exemption);
      const compound = inForce.period.compound ?? false;
      entries.push({ jurisdiction, taxType, rate, rateText: toText(rate), reason, compound, key });
    }
  }
  // One scale for every rate of the plan: a line's parts then share it too (same values).
  let scale = 0;
  for (const entry of entries) if (entry.rate.scale > scale) scale = entry.rate.scale;
  let simpleRates = rescale(ZERO, scale);
  let compoundRates = simpleRates;
  let hasCompound = false;
  for (const entry of entries) {
    entry.rate = rescale(entry.rate, scale);
    if (entry.compound) {
      compoundRates = plus(compoundRates, entry.rate);
      hasCompound = true;
    } else simpleRates = plus(simpleRates, entry.rate);
  }
  return {
    entries,
    simpleRates,
    compoundRates,
    hasCompound,
    inclusiveDivisor: times(plus(simpleRates, ONE), plus(compoundRates, ONE)),
  };
}

// A plan is a pure function of the (frozen) table's index, the location's jurisdictions (a frozen
// array cached per index and location), the tax category and the tax date, when the customer has no
// exemption: plans are kept per index and jurisdictions, keyed by category and date. Plans are never
// changed once made; a refusal (unknown category, no rate in force) throws as before and is not kept.
const MAX_CACHED_PLANS = 1024;
const planCache = new WeakMap<
  RateTableIndex,
  WeakMap<readonly TaxJurisdictionDefinition[], Map<string, Plan>>
>();

function cachedPlan(
  index: RateTableIndex,
  jurisdictions: readonly TaxJurisdictionDefinition[],
  taxCategory: string,
  resolved: ResolvedTaxRequest,
): Plan {
  if (resolved.request.customer.exemption !== undefined || !Object.isFrozen(jurisdictions))
    return planTaxes(index, jurisdictions, taxCategory, resolved);
  let byJurisdictions = planCache.get(index);
  if (byJurisdictions === undefined) {
    byJurisdictions = new WeakMap();
    planCache.set(index, byJurisdictions);
  }
  let plans = byJurisdictions.get(jurisdictions);
  if (plans === undefined) {
    plans = new Map();
    byJurisdictions.set(jurisdictions, plans);
  }
  const key = `${resolved.taxDate}\u0000${taxCategory}`;
  let plan = plans.get(key);
  if (plan === undefined) {
    plan = planTaxes(index, jurisdictions, taxCategory, resolved);
    if (plans.size >= MAX_CACHED_PLANS) plans.clear();
    plans.set(key, plan);
  }
  return plan;
}

/** The slot of each entry of `plan` in this calculation's totals, numbered in order of first appearance. */
function slotsOf(plan: Plan, slots: Map<string, number>): number[] {
  const result: number[] = new Array(plan.entries.length);
  for (let i = 0; i < plan.entries.length; i += 1) {
    const key = (plan.entries[i] as PlannedTax).key;
    let slot = slots.get(key);
    if (slot === undefined) {
      slot = slots.size;
      slots.set(key, slot);
    }
    result[i] = slot;
  }
  return result;
}

/**
 * Exact tax of each planned entry. Simple taxes apply to the net amount; compound ones to the net
 * amount plus the simple taxes. For an inclusive line the net amount is solved from the gross:
 * gross = net × (1 + Σ simple rates) × (1 + Σ compound rates).
 */
function unroundedParts(amount: number, behavior: 'exclusive' | 'inclusive', plan: Plan): Exact[] {
  const net =
    behavior === 'exclusive' ? exactInteger(amount) : divide(exactInteger(amount), plan.inclusiveDivisor);
  const withSimpleTax = plan.hasCompound ? plus(net, times(net, plan.simpleRates)) : net;
  const entries = plan.entries;
  const parts: Exact[] = new Array(entries.length);
  for (let i = 0; i < entries.length; i += 1) {
    const p = entries[i] as PlannedTax;
    parts[i] = times(p.compound ? withSimpleTax : net, p.rate);
  }
  return parts;
}

function roundLines(
  lines: readonly UnroundedLine[],
  rounding: 'line' | 'invoice',
  mode: RoundingMode,
): number[][] {
  if (rounding === 'line') {
    return lines.map(({ parts, total }) => roundExactPartsToTotal(parts, toMinorUnits(total, mode), mode));
  }
  // Per invoice: each jurisdiction's total is rounded once and spread back over its line entries.
  const result = lines.map(({ parts }) => parts.map(() => 0));
  const groups = new Map<string, { line: number; entry: number; value: Exact }[]>();
  lines.forEach(({ plan, parts }, line) => {
    plan.entries.forEach((p, entry) => {
      const group = groups.get(p.key) ?? [];
      group.push({ line, entry, value: parts[entry] as Exact });
      groups.set(p.key, group);
    });
  });
  for (const group of groups.values()) {
    const values = group.map((g) => g.value);
    const amounts = roundExactPartsToTotal(values, toMinorUnits(sumExact(values), mode), mode);
    group.forEach((g, i) => {
      (result[g.line] as number[])[g.entry] = amounts[i] as number;
    });
  }
  return result;
}

/**
 * The customer's jurisdictions; a location the table does not cover is a configuration gap, so the
 * refusal names the location and the tax date (a host answers it as a 4xx, not as its own failure).
 */
function jurisdictionsOn(
  location: TaxRequest['customer']['location'],
  index: RateTableIndex,
  taxDate: number,
): readonly TaxJurisdictionDefinition[] {
  try {
    return resolveJurisdictionDefinitions(location, index);
  } catch (error) {
    if (!isTaxError(error, 'TAX_UNKNOWN_JURISDICTION')) throw error;
    const on = toIsoString(taxDate).slice(0, 10);
    throw new TaxError('TAX_UNKNOWN_JURISDICTION', `${error.message} (tax date ${on})`, {
      ...error.details,
      taxDate: on,
    });
  }
}

/**
 * What billing-core reads of a calculation: each line's breakdown and taxability, the provider and the
 * rounding. {@link calculateTaxLinesFromRateTable} gives it without the totals a caller that builds its
 * own (billing-core) does not read.
 */
export interface TaxLinesCalculation {
  readonly provider: string;
  readonly rounding: TaxCalculation['rounding'];
  readonly roundingMode: RoundingMode;
  readonly lines: readonly Pick<
    TaxLineResult,
    'lineId' | 'taxBehavior' | 'taxabilityReason' | 'exemptionCertificateId' | 'breakdown'
  >[];
}

/** The built-in calculation over a validated request and an indexed rate table. */
export function calculateFromRateTable(
  resolved: ResolvedTaxRequest,
  index: RateTableIndex,
  provider: string,
): TaxCalculation {
  return calculate(resolved, index, provider, true) as TaxCalculation;
}

/**
 * {@link calculateFromRateTable}'s lines only: the same breakdown entries (same values, same errors,
 * thrown in the same order), without the line totals (`taxAmount`, `grossAmount`, the unrounded line
 * text), the jurisdiction totals and the calculation's totals. Every amount those would have made is
 * still checked where it was made, so an amount out of the safe range fails as it did.
 */
export function calculateTaxLinesFromRateTable(
  resolved: ResolvedTaxRequest,
  index: RateTableIndex,
  provider: string,
): TaxLinesCalculation {
  return calculate(resolved, index, provider, false);
}

/** `money(amount, currency)` when only its refusal matters: throws exactly what it would throw. */
function checkAmount(amount: number, currency: string): void {
  if (!Number.isSafeInteger(amount)) money(amount, currency);
}

function calculate(
  resolved: ResolvedTaxRequest,
  index: RateTableIndex,
  provider: string,
  full: boolean,
): TaxCalculation | TaxLinesCalculation {
  const { request, rounding, roundingMode } = resolved;
  const currency = request.currency;
  const definitions = jurisdictionsOn(request.customer.location, index, resolved.taxDate);
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
  const plans = new Map<string, { readonly plan: Plan; readonly slots: readonly number[] }>();
  const slots = new Map<string, number>();
  const unrounded: UnroundedLine[] = request.lines.map((line) => {
    let used = plans.get(line.taxCategory);
    if (used === undefined) {
      const plan = cachedPlan(index, definitions, line.taxCategory, resolved);
      used = { plan, slots: slotsOf(plan, slots) };
      plans.set(line.taxCategory, used);
    }
    const plan = used.plan;
    const behavior = line.taxBehavior ?? 'exclusive';
    const parts = unroundedParts(line.amount.amount, behavior, plan);
    return { line, behavior, plan, slots: used.slots, parts, total: sumExact(parts) };
  });
  const rounded = roundLines(unrounded, rounding, roundingMode);
  const certificateId = request.customer.exemption?.certificateId ?? null;

  // Jurisdiction totals by slot (see PlannedTax), listed in the order their keys first appear.
  const totals: (JurisdictionSums | undefined)[] = new Array(slots.size);
  const totalOrder: JurisdictionSums[] = [];
  let netSum = 0;
  let taxSum = 0;
  let grossSum = 0;
  const lines: (TaxLineResult | TaxLinesCalculation['lines'][number])[] = new Array(unrounded.length);
  for (let lineIndex = 0; lineIndex < unrounded.length; lineIndex += 1) {
    const {
      line,
      behavior,
      plan,
      slots: lineSlots,
      parts,
      total: lineTotal,
    } = unrounded[lineIndex] as UnroundedLine;
    const entries = plan.entries;
    const amounts = rounded[lineIndex] as number[];
    let tax = 0;
    let simpleTax = 0;
    for (let i = 0; i < entries.length; i += 1) {
      const amount = amounts[i] as number;
      tax += amount;
      if (!(entries[i] as PlannedTax).compound) simpleTax += amount;
    }
    const net = behavior === 'exclusive' ? line.amount.amount : line.amount.amount - tax;
    // Every simple entry's base is the net amount: one Money (frozen, so shared) serves them all.
    const netAmount = money(net, currency);
    const compoundBase = plan.hasCompound ? money(net + simpleTax, currency) : netAmount;
    const breakdown: TaxBreakdownEntry[] = new Array(entries.length);
    let reduced = false;
    let standard = false;
    let reverseCharge = false;
    let customerExempt = false;
    for (let i = 0; i < entries.length; i += 1) {
      const p = entries[i] as PlannedTax;
      const amount = amounts[i] as number;
      const base = p.compound ? compoundBase : netAmount;
      const entry: TaxBreakdownEntry = {
        jurisdiction: p.jurisdiction,
        taxType: p.taxType,
        rate: p.rateText,
        taxabilityReason: p.reason,
        compound: p.compound,
        base,
        amount: money(amount, currency),
        unroundedAmount: unroundedText(parts[i] as Exact),
      };
      breakdown[i] = entry;
      switch (p.reason) {
        case 'reduced_rated':
          reduced = true;
          break;
        case 'standard_rated':
          standard = true;
          break;
        case 'reverse_charge':
          reverseCharge = true;
          break;
        case 'customer_exempt':
          customerExempt = true;
          break;
      }
      const slot = lineSlots[i] as number;
      const sums = totals[slot];
      if (sums === undefined) {
        const first: JurisdictionSums = {
          jurisdiction: p.jurisdiction,
          taxType: p.taxType,
          taxable: isTaxableReason(p.reason) ? base.amount : 0,
          nonTaxable: isTaxableReason(p.reason) ? 0 : base.amount,
          amount,
          unrounded: parts[i] as Exact,
        };
        totals[slot] = first;
        totalOrder.push(first);
      } else {
        if (isTaxableReason(p.reason)) sums.taxable += base.amount;
        else sums.nonTaxable += base.amount;
        sums.amount += amount;
        if (full) sums.unrounded = plus(sums.unrounded, parts[i] as Exact);
      }
    }
    const exempted = reverseCharge || customerExempt;
    netSum += net;
    taxSum += tax;
    grossSum += net + tax;
    if (!full) {
      checkAmount(tax, currency);
      checkAmount(net + tax, currency);
      lines[lineIndex] = {
        lineId: line.id,
        taxBehavior: behavior,
        taxabilityReason: reduced
          ? 'reduced_rated'
          : standard
            ? 'standard_rated'
            : lineTaxabilityReason(entries.map((p) => p.reason)),
        exemptionCertificateId: exempted ? certificateId : null,
        breakdown,
      };
      continue;
    }
    lines[lineIndex] = {
      lineId: line.id,
      taxCategory: line.taxCategory,
      taxBehavior: behavior,
      netAmount,
      taxAmount: money(tax, currency),
      grossAmount: money(net + tax, currency),
      unroundedTaxAmount: unroundedText(lineTotal),
      taxabilityReason: reduced
        ? 'reduced_rated'
        : standard
          ? 'standard_rated'
          : lineTaxabilityReason(entries.map((p) => p.reason)),
      reverseCharge,
      exemptionCertificateId: exempted ? certificateId : null,
      breakdown,
    };
  }

  if (!full) {
    for (const t of totalOrder) {
      checkAmount(t.taxable, currency);
      checkAmount(t.nonTaxable, currency);
      checkAmount(t.amount, currency);
    }
    checkAmount(netSum, currency);
    checkAmount(taxSum, currency);
    checkAmount(grossSum, currency);
    return { provider, rounding, roundingMode, lines };
  }
  const jurisdictionTotals: TaxJurisdictionTotal[] = [];
  for (const t of totalOrder) {
    jurisdictionTotals.push({
      jurisdiction: t.jurisdiction,
      taxType: t.taxType,
      taxableAmount: money(t.taxable, currency),
      nonTaxableAmount: money(t.nonTaxable, currency),
      amount: money(t.amount, currency),
      unroundedAmount: unroundedText(t.unrounded),
    });
  }

  return {
    provider,
    currency,
    taxDate: toIsoString(resolved.taxDate),
    rounding,
    roundingMode,
    jurisdictions: definitions.map(toTaxJurisdiction),
    lines: lines as TaxLineResult[],
    jurisdictionTotals,
    netTotal: money(netSum, currency),
    taxTotal: money(taxSum, currency),
    grossTotal: money(grossSum, currency),
  };
}

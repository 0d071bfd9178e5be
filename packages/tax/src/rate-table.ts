import { toDecimal } from '@billkit/money';
import { z } from 'zod';
import { isoDateOrInstantSchema, parseInstant } from './dates.js';
import { TaxError } from './errors.js';
import { parseInput } from './parse-input.js';

/** Levels of the jurisdiction hierarchy, outermost first. A parent is always at a higher level than its child. */
export const JURISDICTION_LEVELS = ['country', 'state', 'county', 'city', 'district'] as const;
export type JurisdictionLevel = (typeof JURISDICTION_LEVELS)[number];

/**
 * The kind of tax a rate levies. `vat`, `gst`, `hst` and `consumption` (Japan's JCT) are value-added
 * taxes, subject to reverse charge.
 */
export const TAX_TYPES = ['sales', 'use', 'vat', 'gst', 'hst', 'pst', 'qst', 'consumption', 'other'] as const;
export type TaxType = (typeof TAX_TYPES)[number];

/** Tax types that a B2B reverse charge shifts to the customer. US-style sales taxes are not among them. */
export const REVERSE_CHARGE_TAX_TYPES: readonly TaxType[] = ['vat', 'gst', 'hst', 'consumption'];

/** A tax rate written as a decimal fraction string between 0 and 1: `'0.0625'` is 6.25 %. */
export const taxRateSchema = z
  .string()
  .regex(
    /^(0(\.\d+)?|1(\.0+)?)$/,
    'Expected a rate as a decimal fraction string between 0 and 1, e.g. "0.0625"',
  );

const nameSchema = z.string().trim().min(1).max(200);
const idSchema = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9_.:-]+$/, 'Ids use letters, digits and _ . : -');

/** How a tax category is treated by default (table level) or by one rate period (override). */
export const categoryTreatmentSchema = z.discriminatedUnion('treatment', [
  z.object({ treatment: z.literal('standard') }).strict(),
  z.object({ treatment: z.literal('reduced'), rate: taxRateSchema }).strict(),
  z.object({ treatment: z.literal('zero') }).strict(),
  z.object({ treatment: z.literal('exempt') }).strict(),
]);
export type CategoryTreatment = z.infer<typeof categoryTreatmentSchema>;

/** A product tax category (`general`, `services`, `digital`, `books`, `exempt`, …) known to the table. */
export const taxCategorySchema = z
  .object({
    id: idSchema,
    description: z.string().max(500).optional(),
    /** Treatment everywhere unless a rate period overrides it; `standard` when omitted. */
    treatment: z.enum(['standard', 'zero', 'exempt']).optional(),
  })
  .strict();
export type TaxCategory = z.infer<typeof taxCategorySchema>;

/**
 * Criteria a location must meet for a jurisdiction to apply (all given criteria, compared
 * case-insensitively). A jurisdiction without criteria applies wherever its parent applies.
 */
export const jurisdictionMatchSchema = z
  .object({
    region: z.string().min(1).optional(),
    county: z.string().min(1).optional(),
    city: z.string().min(1).optional(),
    /** Exact postal codes, or prefixes ending in `*` (`606*`). */
    postalCodes: z.array(z.string().min(1)).min(1).optional(),
    /** A special-district code the location must list in `districts`. */
    district: z.string().min(1).optional(),
  })
  .strict();

export const taxJurisdictionSchema = z
  .object({
    id: idSchema,
    name: nameSchema,
    level: z.enum(JURISDICTION_LEVELS),
    /** Required below country level: the enclosing jurisdiction. */
    parentId: idSchema.optional(),
    /** Required at country level: ISO 3166-1 alpha-2 code. */
    country: z
      .string()
      .regex(/^[A-Za-z]{2}$/)
      .optional(),
    match: jurisdictionMatchSchema.optional(),
    /** `false` when the seller is not registered here: its taxes are reported as `not_collecting`. */
    collecting: z.boolean().optional(),
  })
  .strict();
export type TaxJurisdictionDefinition = z.infer<typeof taxJurisdictionSchema>;

/**
 * One rate of one tax type of one jurisdiction for one period: in force from `validFrom`
 * (inclusive) until `validTo` (exclusive, open-ended when omitted).
 */
export const taxRatePeriodSchema = z
  .object({
    id: idSchema.optional(),
    jurisdictionId: idSchema,
    taxType: z.enum(TAX_TYPES),
    /** The standard rate. */
    rate: taxRateSchema,
    validFrom: isoDateOrInstantSchema,
    validTo: isoDateOrInstantSchema.optional(),
    /** Tax on tax: the base is the net amount plus the line's non-compound taxes. */
    compound: z.boolean().optional(),
    /** Category treatments that differ from the standard rate during this period. */
    categories: z.record(z.string(), categoryTreatmentSchema).optional(),
    /** Where the rate comes from (a URL or a document and its date). Not used in calculation. */
    source: z.string().max(500).optional(),
  })
  .strict();
export type TaxRatePeriod = z.infer<typeof taxRatePeriodSchema>;

/**
 * A rate table: plain, JSON-loadable data. Load it with {@link loadRateTable}, which also rejects
 * overlapping or gapped periods and dangling references.
 */
export const rateTableSchema = z
  .object({
    name: z.string().max(200).optional(),
    taxCategories: z.array(taxCategorySchema).min(1),
    jurisdictions: z.array(taxJurisdictionSchema).min(1),
    rates: z.array(taxRatePeriodSchema),
  })
  .strict();

/** The data of a rate table, as written in JSON. */
export type RateTable = z.infer<typeof rateTableSchema>;

/** A rate period with its bounds as epoch milliseconds. */
export interface IndexedRatePeriod {
  readonly period: TaxRatePeriod;
  readonly from: number;
  readonly to: number; // Infinity when open-ended
}

/** What the engine looks things up in; built once per table object and cached. */
export interface RateTableIndex {
  readonly table: RateTable;
  readonly jurisdictions: ReadonlyMap<string, TaxJurisdictionDefinition>;
  readonly order: ReadonlyMap<string, number>;
  readonly children: ReadonlyMap<string, readonly TaxJurisdictionDefinition[]>;
  readonly countries: ReadonlyMap<string, TaxJurisdictionDefinition>;
  readonly categories: ReadonlyMap<string, TaxCategory>;
  /** jurisdiction id → tax type → periods sorted by start. */
  readonly rates: ReadonlyMap<string, ReadonlyMap<TaxType, readonly IndexedRatePeriod[]>>;
}

const LEVEL_RANK: Record<JurisdictionLevel, number> = {
  country: 0,
  state: 1,
  county: 2,
  city: 3,
  district: 4,
};

export function levelRank(level: JurisdictionLevel): number {
  return LEVEL_RANK[level];
}

const indexes = new WeakMap<object, RateTableIndex>();

function invalid(message: string, details: Record<string, unknown> = {}): TaxError {
  return new TaxError('TAX_INVALID_TABLE', `Invalid rate table: ${message}`, details);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

function buildIndex(table: RateTable): RateTableIndex {
  const categories = new Map<string, TaxCategory>();
  for (const category of table.taxCategories) {
    if (categories.has(category.id))
      throw invalid(`duplicate tax category "${category.id}"`, { id: category.id });
    categories.set(category.id, category);
  }

  const jurisdictions = new Map<string, TaxJurisdictionDefinition>();
  const order = new Map<string, number>();
  table.jurisdictions.forEach((j, position) => {
    if (jurisdictions.has(j.id)) throw invalid(`duplicate jurisdiction id "${j.id}"`, { id: j.id });
    jurisdictions.set(j.id, j);
    order.set(j.id, position);
  });

  const children = new Map<string, TaxJurisdictionDefinition[]>();
  const countries = new Map<string, TaxJurisdictionDefinition>();
  for (const j of table.jurisdictions) {
    if (j.level === 'country') {
      if (j.parentId !== undefined) throw invalid(`country "${j.id}" cannot have a parent`, { id: j.id });
      if (j.country === undefined) throw invalid(`country "${j.id}" needs a "country" code`, { id: j.id });
      const code = j.country.toUpperCase();
      if (countries.has(code))
        throw invalid(`two jurisdictions for country ${code}`, { id: j.id, country: code });
      countries.set(code, j);
      continue;
    }
    if (j.country !== undefined)
      throw invalid(`only country-level jurisdictions carry a country code`, { id: j.id });
    if (j.parentId === undefined)
      throw invalid(`jurisdiction "${j.id}" (${j.level}) needs a parentId`, { id: j.id });
    const parent = jurisdictions.get(j.parentId);
    if (parent === undefined) {
      throw invalid(`jurisdiction "${j.id}" names unknown parent "${j.parentId}"`, {
        id: j.id,
        parentId: j.parentId,
      });
    }
    // Parents sit strictly above their children, which also rules out cycles.
    if (LEVEL_RANK[parent.level] >= LEVEL_RANK[j.level]) {
      throw invalid(`"${j.id}" (${j.level}) cannot sit under "${parent.id}" (${parent.level})`, {
        id: j.id,
        parentId: parent.id,
      });
    }
    const siblings = children.get(parent.id) ?? [];
    siblings.push(j);
    children.set(parent.id, siblings);
  }

  const rates = new Map<string, Map<TaxType, IndexedRatePeriod[]>>();
  for (const period of table.rates) {
    if (!jurisdictions.has(period.jurisdictionId)) {
      throw invalid(`rate names unknown jurisdiction "${period.jurisdictionId}"`, {
        jurisdictionId: period.jurisdictionId,
      });
    }
    for (const category of Object.keys(period.categories ?? {})) {
      if (!categories.has(category)) {
        throw invalid(`rate for "${period.jurisdictionId}" names unknown tax category "${category}"`, {
          jurisdictionId: period.jurisdictionId,
          taxCategory: category,
        });
      }
    }
    const from = parseInstant(period.validFrom) as number;
    const to =
      period.validTo === undefined ? Number.POSITIVE_INFINITY : (parseInstant(period.validTo) as number);
    if (!(to > from)) {
      throw invalid(
        `rate for "${period.jurisdictionId}" ends (${period.validTo}) before it starts (${period.validFrom})`,
        {
          jurisdictionId: period.jurisdictionId,
          validFrom: period.validFrom,
          validTo: period.validTo,
        },
      );
    }
    const byType = rates.get(period.jurisdictionId) ?? new Map<TaxType, IndexedRatePeriod[]>();
    const list = byType.get(period.taxType) ?? [];
    list.push({ period, from, to });
    byType.set(period.taxType, list);
    rates.set(period.jurisdictionId, byType);
  }

  for (const [jurisdictionId, byType] of rates) {
    for (const [taxType, list] of byType) {
      list.sort((a, b) => a.from - b.from);
      for (let i = 1; i < list.length; i += 1) {
        const previous = list[i - 1] as IndexedRatePeriod;
        const next = list[i] as IndexedRatePeriod;
        const details = {
          jurisdictionId,
          taxType,
          periods: [previous.period, next.period].map((p) => ({
            validFrom: p.validFrom,
            validTo: p.validTo,
          })),
        };
        if (previous.to > next.from) {
          throw invalid(
            `${taxType} periods of "${jurisdictionId}" overlap at ${next.period.validFrom}`,
            details,
          );
        }
        if (previous.to < next.from) {
          throw invalid(
            `${taxType} periods of "${jurisdictionId}" leave a gap from ${previous.period.validTo} to ${next.period.validFrom}`,
            details,
          );
        }
      }
    }
  }

  return { table, jurisdictions, order, children, countries, categories, rates };
}

/**
 * Validate a rate table (plain data, e.g. parsed JSON) and return it frozen. Rejects with
 * `TAX_INVALID_TABLE` a table that fails the schema, names unknown parents, jurisdictions or
 * categories, or defines overlapping or gapped periods for the same jurisdiction and tax type.
 *
 * @example
 * const table = loadRateTable(JSON.parse(readFileSync('rates.json', 'utf8')));
 * calculateTax(request, table);
 */
export function loadRateTable(json: unknown): RateTable {
  if (json !== null && typeof json === 'object') {
    const cached = indexes.get(json);
    if (cached !== undefined) return cached.table;
  }
  const data = parseInput(rateTableSchema, json, 'rate table', 'TAX_INVALID_TABLE');
  for (const period of data.rates) {
    // The regex admits only 0…1, but make the bound explicit for readers of the error.
    if (toDecimal(period.rate).gt(1)) throw invalid(`rate ${period.rate} exceeds 1`, { rate: period.rate });
  }
  const table = deepFreeze(data);
  const index = buildIndex(table);
  indexes.set(table, index);
  if (json !== null && typeof json === 'object') indexes.set(json, index);
  return table;
}

/** The lookup index of a table, validating (and caching) tables that did not come from {@link loadRateTable}. */
export function indexRateTable(table: RateTable): RateTableIndex {
  const cached = indexes.get(table);
  if (cached !== undefined) return cached;
  loadRateTable(table);
  return indexes.get(table) as RateTableIndex;
}

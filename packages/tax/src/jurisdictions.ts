import { TaxError } from './errors.js';
import { type TaxLocation, taxLocationSchema } from './location.js';
import { parseInput } from './parse-input.js';
import {
  indexRateTable,
  type JurisdictionLevel,
  levelRank,
  type RateTable,
  type RateTableIndex,
  type TaxJurisdictionDefinition,
} from './rate-table.js';

/** A jurisdiction as it appears in results: enough to print on an invoice and to file a return. */
export interface TaxJurisdiction {
  readonly id: string;
  readonly name: string;
  readonly level: JurisdictionLevel;
  readonly parentId: string | null;
}

const normalise = (value: string): string => value.trim().toUpperCase();

function postalCodeMatches(patterns: readonly string[], postalCode: string): boolean {
  const code = normalise(postalCode).replace(/\s+/g, '');
  return patterns.some((pattern) => {
    const p = normalise(pattern).replace(/\s+/g, '');
    return p.endsWith('*') ? code.startsWith(p.slice(0, -1)) : code === p;
  });
}

function matches(jurisdiction: TaxJurisdictionDefinition, location: TaxLocation): boolean {
  const match = jurisdiction.match;
  if (match === undefined) return true;
  const same = (expected: string | undefined, actual: string | undefined): boolean =>
    expected === undefined || (actual !== undefined && normalise(expected) === normalise(actual));
  if (!same(match.region, location.region)) return false;
  if (!same(match.county, location.county)) return false;
  if (!same(match.city, location.city)) return false;
  if (match.postalCodes !== undefined) {
    if (location.postalCode === undefined || !postalCodeMatches(match.postalCodes, location.postalCode))
      return false;
  }
  if (match.district !== undefined) {
    const wanted = normalise(match.district);
    if (!(location.districts ?? []).some((d) => normalise(d) === wanted)) return false;
  }
  return true;
}

// A jurisdiction's result form is frozen, so one object per (frozen) definition serves every result.
const resultForms = new WeakMap<TaxJurisdictionDefinition, TaxJurisdiction>();

export function toTaxJurisdiction(definition: TaxJurisdictionDefinition): TaxJurisdiction {
  let jurisdiction = resultForms.get(definition);
  if (jurisdiction === undefined) {
    jurisdiction = Object.freeze({
      id: definition.id,
      name: definition.name,
      level: definition.level,
      parentId: definition.parentId ?? null,
    });
    // Only a frozen definition (every table the engine indexes is) can be answered from the cache.
    if (Object.isFrozen(definition)) resultForms.set(definition, jurisdiction);
  }
  return jurisdiction;
}

// A table's jurisdictions for a location are a pure function of the two (tables are frozen, indexes
// cached per table): resolutions are kept per index and location, so an invoice does not normalise and
// match every jurisdiction again. Failed resolutions throw as before and are not kept.
const MAX_CACHED_LOCATIONS = 1024;
const resolutions = new WeakMap<RateTableIndex, Map<string, readonly TaxJurisdictionDefinition[]>>();

/** An unambiguous key of a location's fields: each one as its length and text (`-` when absent). */
function locationKey(location: TaxLocation): string {
  const field = (value: string | undefined): string =>
    value === undefined ? '-' : `${value.length}:${value}`;
  let key = `${field(location.country)}${field(location.region)}${field(location.postalCode)}${field(
    location.county,
  )}${field(location.city)}`;
  const districts = location.districts;
  if (districts === undefined) return `${key}-`;
  key += `${districts.length}[`;
  for (const district of districts) key += field(district);
  return key;
}

/** Resolve against an index; the engine's entry point. Returns definitions, outermost level first. */
export function resolveJurisdictionDefinitions(
  location: TaxLocation,
  index: RateTableIndex,
): readonly TaxJurisdictionDefinition[] {
  let cache = resolutions.get(index);
  if (cache === undefined) {
    cache = new Map();
    resolutions.set(index, cache);
  }
  const key = locationKey(location);
  let resolved = cache.get(key);
  if (resolved === undefined) {
    resolved = Object.freeze(resolveAt(location, index));
    if (cache.size >= MAX_CACHED_LOCATIONS) cache.clear();
    cache.set(key, resolved);
  }
  return resolved;
}

function resolveAt(location: TaxLocation, index: RateTableIndex): TaxJurisdictionDefinition[] {
  const country = index.countries.get(normalise(location.country));
  if (country === undefined) {
    throw new TaxError(
      'TAX_UNKNOWN_JURISDICTION',
      `The rate table has no jurisdiction for country ${location.country}`,
      {
        country: location.country,
      },
    );
  }
  const resolved: TaxJurisdictionDefinition[] = [country];
  const visit = (parent: TaxJurisdictionDefinition): void => {
    for (const child of index.children.get(parent.id) ?? []) {
      if (matches(child, location)) {
        resolved.push(child);
        visit(child);
      }
    }
  };
  visit(country);

  // A country that lists its states needs one of them to match: silently taxing a Washington sale
  // at "no state tax" because the table lacks Washington would be wrong. List a state with
  // `collecting: false` (not registered) or without rates (no sales tax) to say so explicitly.
  const states = (index.children.get(country.id) ?? []).filter((j) => j.level === 'state');
  if (states.length > 0 && !resolved.some((j) => j.level === 'state')) {
    throw new TaxError(
      'TAX_UNKNOWN_JURISDICTION',
      `The rate table lists states of ${country.name} but none matches region ${location.region ?? '(none given)'}`,
      { country: location.country, region: location.region },
    );
  }

  return resolved.sort(
    (a, b) =>
      levelRank(a.level) - levelRank(b.level) || (index.order.get(a.id) ?? 0) - (index.order.get(b.id) ?? 0),
  );
}

/**
 * Every jurisdiction of `table` that applies at `location`, outermost first: the country, then the
 * matching state, counties, cities and special districts below it. A jurisdiction applies when its
 * parent applies and the location meets its `match` criteria. Throws `TAX_UNKNOWN_JURISDICTION` when
 * the country is not in the table, or when the table lists the country's states and none matches.
 *
 * @example
 * resolveJurisdictions({ country: 'US', region: 'IL', county: 'Cook', city: 'Chicago' }, sampleRateTable)
 *   .map((j) => j.id) // ['US', 'US-IL', 'US-IL-COOK', 'US-IL-CHICAGO', 'US-IL-RTA']
 */
export function resolveJurisdictions(location: TaxLocation, table: RateTable): TaxJurisdiction[] {
  const parsed = parseInput(taxLocationSchema, location, 'location', 'TAX_INVALID_REQUEST', ['location']);
  return resolveJurisdictionDefinitions(parsed, indexRateTable(table)).map(toTaxJurisdiction);
}

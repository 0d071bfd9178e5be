import { decimalStringSchema } from '@billkit/money';
import { toDate, toDateOrNull, toIso, toIsoOrNull } from '../codec.js';
import { DbError, isUniqueViolation } from '../errors.js';
import { newId, type Scope } from '../scope.js';

export type JurisdictionLevel = 'country' | 'state' | 'county' | 'city' | 'district';

export interface TaxJurisdiction {
  id: string;
  /** The code the tax engine uses (`US-IL-COOK`). */
  code: string;
  name: string;
  level: JurisdictionLevel;
  country: string;
  region: string | null;
  county: string | null;
  city: string | null;
  district: string | null;
}

/** A rate in force from `effectiveFrom` (inclusive) to `effectiveTo` (exclusive); `rate` is a decimal fraction string. */
export interface TaxRate {
  id: string;
  jurisdictionCode: string;
  taxType: string;
  taxCategory: string | null;
  rate: string;
  effectiveFrom: string;
  effectiveTo: string | null;
}

export interface TaxRateRepository {
  saveJurisdiction(
    tenantId: string,
    jurisdiction: Omit<TaxJurisdiction, 'id'> & { id?: string },
  ): Promise<TaxJurisdiction>;
  listJurisdictions(
    tenantId: string,
    where?: { country?: string; region?: string },
  ): Promise<TaxJurisdiction[]>;
  addRate(tenantId: string, rate: Omit<TaxRate, 'id'> & { id?: string }): Promise<TaxRate>;
  /** Rates in force at `at` for the given jurisdiction codes (all of the tenant's when omitted). */
  ratesInForce(tenantId: string, at: string, jurisdictionCodes?: readonly string[]): Promise<TaxRate[]>;
}

export function taxRateRepository(scope: Scope): TaxRateRepository {
  return {
    async saveJurisdiction(tenantId, j) {
      const data = {
        name: j.name,
        level: j.level,
        country: j.country,
        region: j.region,
        county: j.county,
        city: j.city,
        district: j.district,
      };
      const row = await scope.client.taxJurisdiction.upsert({
        where: { tenantId_code: { tenantId, code: j.code } },
        update: data,
        create: { ...data, id: j.id ?? newId('txj'), tenantId, code: j.code },
      });
      return { ...data, id: row.id, code: row.code, level: row.level as JurisdictionLevel };
    },
    async listJurisdictions(tenantId, where = {}) {
      const rows = await scope.client.taxJurisdiction.findMany({
        where: {
          tenantId,
          ...(where.country !== undefined ? { country: where.country } : {}),
          ...(where.region !== undefined ? { region: where.region } : {}),
        },
        orderBy: { code: 'asc' },
      });
      return rows.map((row) => ({
        id: row.id,
        code: row.code,
        name: row.name,
        level: row.level as JurisdictionLevel,
        country: row.country,
        region: row.region,
        county: row.county,
        city: row.city,
        district: row.district,
      }));
    },
    async addRate(tenantId, rate) {
      const parsed = decimalStringSchema.safeParse(rate.rate);
      if (!parsed.success)
        throw new DbError('DB_INVALID_DATA', `Tax rate ${rate.rate} is not a decimal string`);
      const jurisdiction = await scope.client.taxJurisdiction.findUnique({
        where: { tenantId_code: { tenantId, code: rate.jurisdictionCode } },
      });
      if (!jurisdiction) throw new DbError('DB_NOT_FOUND', `No jurisdiction ${rate.jurisdictionCode}`);
      try {
        const row = await scope.client.taxRate.create({
          data: {
            id: rate.id ?? newId('txr'),
            tenantId,
            jurisdictionId: jurisdiction.id,
            taxType: rate.taxType,
            taxCategory: rate.taxCategory,
            rate: rate.rate,
            effectiveFrom: toDate(rate.effectiveFrom),
            effectiveTo: toDateOrNull(rate.effectiveTo),
          },
        });
        return { ...rate, id: row.id };
      } catch (error) {
        if (isUniqueViolation(error)) throw new DbError('DB_DUPLICATE', `Tax rate ${rate.id ?? ''} exists`);
        throw error;
      }
    },
    async ratesInForce(tenantId, at, jurisdictionCodes) {
      const instant = toDate(at);
      const rows = await scope.client.taxRate.findMany({
        where: {
          tenantId,
          effectiveFrom: { lte: instant },
          OR: [{ effectiveTo: null }, { effectiveTo: { gt: instant } }],
          ...(jurisdictionCodes ? { jurisdiction: { code: { in: [...jurisdictionCodes] } } } : {}),
        },
        include: { jurisdiction: { select: { code: true } } },
        orderBy: [{ jurisdictionId: 'asc' }, { effectiveFrom: 'asc' }],
      });
      return rows.map((row) => ({
        id: row.id,
        jurisdictionCode: row.jurisdiction.code,
        taxType: row.taxType,
        taxCategory: row.taxCategory,
        rate: row.rate,
        effectiveFrom: toIso(row.effectiveFrom),
        effectiveTo: toIsoOrNull(row.effectiveTo),
      }));
    },
  };
}

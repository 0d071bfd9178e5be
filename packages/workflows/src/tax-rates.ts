// The tenant's tax rate table: load or replace it (validated in full by @billkit/tax), read it, and quote
// tax with it without storing anything.
import type { TaxTableRecord } from '@billkit/db';
import { money } from '@billkit/money';
import {
  type CustomerExemption,
  calculateTax,
  loadRateTable,
  type TaxBehavior,
  type TaxCalculation,
  type TaxLocation,
  type TaxRounding,
} from '@billkit/tax';
import { type Deps, mutate, type OperationContext, tenantOf } from './context.js';
import { forgetRateTable, loadRateTable as storedRateTable } from './environment.js';
import { WorkflowError } from './errors.js';
import { checkInput } from './input-checks.js';

/**
 * The `country` of every jurisdiction of a rate table as sent (the tax engine takes them in any case),
 * as checks against ISO 3166-1: a table taxing country `ZZ` is refused before it is validated.
 */
function jurisdictionCountries(input: ReplaceTaxRateTableInput) {
  const jurisdictions = Array.isArray(input.jurisdictions) ? (input.jurisdictions as unknown[]) : [];
  return jurisdictions.flatMap((j, i) => {
    const country = (j as { country?: unknown } | null)?.country;
    if (typeof country !== 'string') return [];
    return [[`jurisdictions.${i}.country`, country.toUpperCase(), 'country'] as const];
  });
}

/** A @billkit/tax rate table in camelCase (taxCategories, jurisdictions, rates); validated in full on replace. */
export type ReplaceTaxRateTableInput = Readonly<Record<string, unknown>>;

/** Lines to tax at a location and date with the tenant's table (nothing is stored). */
export interface QuoteTaxInput {
  readonly currency: string;
  /** Rates in force at this ISO date or instant. */
  readonly taxDate: string;
  readonly customer: { readonly location: TaxLocation; readonly exemption?: CustomerExemption };
  readonly lines: readonly {
    readonly id: string;
    /** Minor units of `currency`, after discounts; negative for a credit. */
    readonly amount: number;
    /** Default `general`. */
    readonly taxCategory?: string;
    /** Default `exclusive`. */
    readonly taxBehavior?: TaxBehavior;
  }[];
  /** Default `line`. */
  readonly rounding?: TaxRounding;
}

/** The tenant's tax rate table (categories, treatments, jurisdictions, rates, sources). */
export function taxRateOperations(deps: Deps) {
  return {
    /**
     * Loads or replaces the tenant's rate table. An invalid table throws `TAX_INVALID_TABLE` with the
     * offending paths and nothing is stored.
     *
     * @example await billing.taxRates.replace(ctx, sampleRateTable)
     */
    async replace(ctx: OperationContext, input: ReplaceTaxRateTableInput): Promise<TaxTableRecord> {
      checkInput(jurisdictionCountries(input));
      const table = loadRateTable(input);
      const now = deps.clock().toISOString();
      const saved = await mutate(deps, ctx, 'taxRates.replace', input, async (tx, record) => {
        const before = await tx.get('tax_table', 'tax_table');
        const after: TaxTableRecord = {
          id: 'tax_table',
          table: JSON.parse(JSON.stringify(table)) as Record<string, unknown>,
          version: (before?.version ?? 0) + 1,
          createdAt: before?.createdAt ?? now,
          updatedAt: now,
        };
        if (before) await tx.update('tax_table', after);
        else await tx.insert('tax_table', after);
        await record({
          type: 'tax_rate_table.replaced',
          entityType: 'tax_rate_table',
          entityId: 'tax_table',
          before: before
            ? { version: before.version, rates: (before.table.rates as unknown[]).length }
            : null,
          after: {
            version: after.version,
            rates: table.rates.length,
            jurisdictions: table.jurisdictions.length,
          },
        });
        return after;
      });
      // The memoised (validated) table of the old version is no longer wanted in this process.
      forgetRateTable(tenantOf(deps, ctx));
      return saved;
    },

    /** The tenant's stored rate table; `WORKFLOW_NOT_FOUND` before one is loaded. */
    async retrieve(ctx: OperationContext): Promise<TaxTableRecord> {
      const table = await tenantOf(deps, ctx).get('tax_table', 'tax_table');
      if (!table) throw new WorkflowError('WORKFLOW_NOT_FOUND', 'No tax rate table loaded yet');
      return table;
    },

    /**
     * Tax for lines at a location and date with the tenant's table; stateless. `WORKFLOW_INVALID_STATE`
     * before a table is loaded.
     *
     * @example
     * await billing.taxRates.quote(ctx, { currency: 'EUR', taxDate: '2025-06-01',
     *   customer: { location: { country: 'DE' } }, lines: [{ id: 'seat', amount: 10000 }] })
     */
    async quote(ctx: OperationContext, input: QuoteTaxInput): Promise<TaxCalculation> {
      const country = input.customer?.location?.country;
      checkInput([
        ['currency', input.currency, 'currency'],
        [
          'customer.location.country',
          typeof country === 'string' ? country.toUpperCase() : country,
          'country',
        ],
        ['taxDate', input.taxDate, 'instant'],
      ]);
      const table = await storedRateTable(tenantOf(deps, ctx));
      return calculateTax(
        {
          currency: input.currency,
          taxDate: input.taxDate,
          customer: input.customer,
          lines: input.lines.map((l) => ({
            id: l.id,
            amount: money(l.amount, input.currency),
            taxCategory: l.taxCategory ?? 'general',
            taxBehavior: l.taxBehavior ?? 'exclusive',
          })),
        },
        table,
        { rounding: input.rounding ?? 'line' },
      );
    },
  };
}

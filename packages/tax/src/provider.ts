import type { TaxCalculation } from './calculation.js';
import { calculateFromRateTable } from './engine.js';
import { indexRateTable, type RateTable, type RateTableIndex } from './rate-table.js';
import { parseTaxRequest, type TaxCalculationOptions, type TaxRequest } from './request.js';

/**
 * Anything that can tax a request: the built-in {@link RateTableTaxProvider}, or a host's adapter
 * to an external service (Stripe Tax, Avalara, …), which may answer asynchronously. A provider must
 * return a {@link TaxCalculation} whose totals equal the sums of their parts.
 */
export interface TaxProvider {
  /** Short identifier echoed as `TaxCalculation.provider` (`rate_table`, `stripe_tax`, …). */
  readonly id: string;
  calculateTax(
    request: TaxRequest,
    options?: TaxCalculationOptions,
  ): TaxCalculation | Promise<TaxCalculation>;
}

/**
 * The built-in provider: taxes from a rate table, synchronously and without I/O. The table is
 * validated once, when the provider is made.
 *
 * @example
 * const provider = new RateTableTaxProvider(sampleRateTable);
 * const calculation = provider.calculateTax(request); // same as calculateTax(request, sampleRateTable)
 */
export class RateTableTaxProvider implements TaxProvider {
  readonly id: string = 'rate_table';
  readonly table: RateTable;
  readonly #index: RateTableIndex;

  constructor(table: RateTable) {
    this.#index = indexRateTable(table);
    this.table = this.#index.table;
  }

  calculateTax(request: TaxRequest, options: TaxCalculationOptions = {}): TaxCalculation {
    return calculateFromRateTable(parseTaxRequest(request, options), this.#index, this.id);
  }
}

/** True for a provider, false for a rate table. */
export function isTaxProvider(value: unknown): value is TaxProvider {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as { calculateTax?: unknown }).calculateTax === 'function'
  );
}

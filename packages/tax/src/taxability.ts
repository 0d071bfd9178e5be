/**
 * Why a line (or one jurisdiction's part of it) was or was not taxed. The vocabulary follows what
 * Stripe Tax and similar services report, so an invoice can print it directly.
 * - `standard_rated`: taxed at the jurisdiction's standard rate.
 * - `reduced_rated`: taxed at a reduced rate for the product's tax category.
 * - `zero_rated`: taxable, at a 0 % rate (e.g. books in the UK).
 * - `product_exempt`: the product's tax category is exempt here.
 * - `customer_exempt`: the customer holds an exemption (certificate id on the line).
 * - `reverse_charge`: B2B cross-border VAT; the customer accounts for the tax.
 * - `not_collecting`: the seller is not registered in this jurisdiction.
 * - `not_subject_to_tax`: no jurisdiction at the location levies a tax (e.g. Oregon).
 */
export const TAXABILITY_REASONS = [
  'standard_rated',
  'reduced_rated',
  'zero_rated',
  'product_exempt',
  'customer_exempt',
  'reverse_charge',
  'not_collecting',
  'not_subject_to_tax',
] as const;
export type TaxabilityReason = (typeof TAXABILITY_REASONS)[number];

// For an untaxed line with mixed entry reasons, the one that explains most for the reader wins:
// what the customer did first, then what the product is, then where the seller stands.
const UNTAXED_PRECEDENCE: readonly TaxabilityReason[] = [
  'reverse_charge',
  'customer_exempt',
  'product_exempt',
  'zero_rated',
  'not_collecting',
  'not_subject_to_tax',
];

/**
 * The reason of a whole line from the reasons of its breakdown entries: `reduced_rated` when any
 * jurisdiction applied a reduced rate, else `standard_rated` when any applied its standard rate,
 * else the first of reverse_charge, customer_exempt, product_exempt, zero_rated, not_collecting;
 * `not_subject_to_tax` when no jurisdiction levies anything.
 */
export function lineTaxabilityReason(entryReasons: readonly TaxabilityReason[]): TaxabilityReason {
  if (entryReasons.includes('reduced_rated')) return 'reduced_rated';
  if (entryReasons.includes('standard_rated')) return 'standard_rated';
  return UNTAXED_PRECEDENCE.find((reason) => entryReasons.includes(reason)) ?? 'not_subject_to_tax';
}

/** Reasons under which a jurisdiction counts the line as a taxable supply (possibly at 0 %). */
export function isTaxableReason(reason: TaxabilityReason): boolean {
  return reason === 'standard_rated' || reason === 'reduced_rated' || reason === 'zero_rated';
}

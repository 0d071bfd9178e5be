import type { RoundingMode } from '@billkit/money';
import { decimalStringSchema, roundingModeSchema } from '@billkit/money';
import { z } from 'zod';
import { parseInput } from './parse-input.js';

/** Stripe's `proration_behavior`. */
export const PRORATION_BEHAVIORS = ['create_prorations', 'always_invoice', 'none'] as const;
export type ProrationBehavior = (typeof PRORATION_BEHAVIORS)[number];

/**
 * How billing-core rounds and prorates. Every field has a documented default; pass only what differs.
 *
 * | field | default | meaning |
 * |---|---|---|
 * | `prorationBehavior` | `create_prorations` | a change adds proration items to the next invoice; `always_invoice` bills them now; `none` skips them |
 * | `prorationPrecision` | `second` | fraction of the period by the second; `day` counts whole days in the customer's time zone; `thirty_day_month` uses 30-day months |
 * | `prorationRounding` | `half_up` | how each proration amount becomes minor units (rounded once per item) |
 * | `discountRounding` | `half_up` | how each percentage discount becomes minor units |
 * | `maxTotalDiscountPercent` | none | no line loses more than this percent to discounts |
 * | `taxRounding` | `half_up` | how tax becomes minor units |
 * | `taxRoundingLevel` | `line` | round tax per line, or per invoice (per jurisdiction, differences allocated back to lines) |
 * | `daysUntilDue` | `30` | calendar days (customer time zone) from finalization to due date; `null` for none |
 */
export const billingConfigSchema = z.object({
  prorationBehavior: z.enum(PRORATION_BEHAVIORS).default('create_prorations'),
  prorationPrecision: z.enum(['second', 'day', 'thirty_day_month']).default('second'),
  prorationRounding: roundingModeSchema.default('half_up'),
  discountRounding: roundingModeSchema.default('half_up'),
  maxTotalDiscountPercent: decimalStringSchema.optional(),
  taxRounding: roundingModeSchema.default('half_up'),
  taxRoundingLevel: z.enum(['line', 'invoice']).default('line'),
  daysUntilDue: z.number().int().min(0).nullable().default(30),
});
export type BillingConfigInput = z.input<typeof billingConfigSchema>;
/** The resolved configuration (every default filled in). */
export interface BillingConfig {
  readonly prorationBehavior: ProrationBehavior;
  readonly prorationPrecision: 'second' | 'day' | 'thirty_day_month';
  readonly prorationRounding: RoundingMode;
  readonly discountRounding: RoundingMode;
  readonly maxTotalDiscountPercent?: string;
  readonly taxRounding: RoundingMode;
  readonly taxRoundingLevel: 'line' | 'invoice';
  readonly daysUntilDue: number | null;
}

/**
 * Fill in the defaults of a partial configuration (and validate it).
 *
 * @example resolveBillingConfig({ taxRoundingLevel: 'invoice' }).prorationBehavior // 'create_prorations'
 */
export function resolveBillingConfig(input: BillingConfigInput = {}): BillingConfig {
  return parseInput(billingConfigSchema, input, []) as BillingConfig;
}

// billing-core resolves the environment's config on every invoice and change (zod parse each time,
// twice per subscription change). The resolved config depends only on the input's own fields, which
// are all primitives, so it is cached per input object and reused while a shallow snapshot of the
// input still matches (a caller mutating its config object gets a fresh resolution). Internal: the
// public `resolveBillingConfig` keeps returning a fresh object.
const resolvedConfigs = new WeakMap<
  object,
  { readonly snapshot: Record<string, unknown>; readonly config: BillingConfig }
>();
let defaultConfig: BillingConfig | undefined;

function sameFields(snapshot: Record<string, unknown>, input: Record<string, unknown>): boolean {
  const keys = Object.keys(input);
  if (keys.length !== Object.keys(snapshot).length) return false;
  for (const key of keys) if (!Object.is(snapshot[key], input[key])) return false;
  return true;
}

/** `resolveBillingConfig(input ?? {})`, cached (see above); the result is frozen and shared. */
export function cachedBillingConfig(
  input: BillingConfigInput | BillingConfig | null | undefined,
): BillingConfig {
  if (input === undefined || input === null) {
    defaultConfig ??= Object.freeze(resolveBillingConfig({}));
    return defaultConfig;
  }
  const fields = input as Record<string, unknown>;
  const cached = resolvedConfigs.get(input);
  if (cached !== undefined && sameFields(cached.snapshot, fields)) return cached.config;
  // Read from an environment: the caller's field is `config`.
  const config = Object.freeze(parseInput(billingConfigSchema, input, ['config']) as BillingConfig);
  resolvedConfigs.set(input, { snapshot: { ...fields }, config });
  return config;
}

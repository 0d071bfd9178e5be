import { z } from 'zod';
import { instantSchema } from './instant.js';
import { parseWith } from './validate.js';

/** What a change does to the subscription. The caller classifies; the engine never reclassifies. */
export const CHANGE_TYPES = [
  'upgrade',
  'downgrade',
  'quantity_change',
  'price_change',
  'cancel',
  'pause',
  'resume',
  'interval_change',
] as const;
export const changeTypeSchema = z.enum(CHANGE_TYPES);
export type ChangeType = (typeof CHANGE_TYPES)[number];

/**
 * What happens to the money when a change is made (Stripe's `proration_behavior`):
 * - `create_prorations`: credit and charge items, to be added to the next invoice;
 * - `always_invoice`: the same items, to be invoiced now;
 * - `none`: no items; the change simply takes effect.
 */
export const PRORATION_BEHAVIORS = ['create_prorations', 'always_invoice', 'none'] as const;
export const prorationBehaviorSchema = z.enum(PRORATION_BEHAVIORS);
export type ProrationBehavior = (typeof PRORATION_BEHAVIORS)[number];

/** When a change takes effect: now (at the proration date), at the end of the period, or at an instant. */
export const changeEffectiveSchema = z.union([
  z.enum(['immediately', 'period_end']),
  z.object({ at: instantSchema }),
]);
export type ChangeEffective = z.infer<typeof changeEffectiveSchema>;

/**
 * One row of a change-policy table. Unset keys match anything; the most specific matching row wins
 * (a row naming both `from` and `to` beats one naming only one of them, which beats a row naming
 * only the `type`), and among equally specific rows the first one wins.
 */
export const changePolicyRuleSchema = z.object({
  /** Price id of the configuration being replaced. */
  from: z.string().min(1).optional(),
  /** Price id of the new configuration. */
  to: z.string().min(1).optional(),
  type: changeTypeSchema.optional(),
  effective: changeEffectiveSchema,
  prorationBehavior: prorationBehaviorSchema.optional(),
});
export type ChangePolicyRule = z.infer<typeof changePolicyRuleSchema>;

/** What a change-policy table decided for one change. */
export interface ResolvedChangePolicy {
  readonly effective: ChangeEffective;
  readonly prorationBehavior?: ProrationBehavior | undefined;
  /** Index of the rule that matched, or `undefined` when none did (then the change is immediate). */
  readonly ruleIndex?: number | undefined;
}

function specificity(rule: ChangePolicyRule): number {
  return (
    (rule.from !== undefined ? 2 : 0) + (rule.to !== undefined ? 2 : 0) + (rule.type !== undefined ? 1 : 0)
  );
}

const changePolicyTableSchema = z.array(changePolicyRuleSchema);

/**
 * Looks a change up in a policy table keyed by from-plan / to-plan (and optionally change type).
 * No match means `immediately`.
 *
 * @example
 * resolveChangePolicy(
 *   [{ from: 'price_pro', to: 'price_basic', effective: 'period_end', prorationBehavior: 'none' }],
 *   { from: 'price_pro', to: 'price_basic', type: 'downgrade' },
 * ) // { effective: 'period_end', prorationBehavior: 'none', ruleIndex: 0 }
 */
export function resolveChangePolicy(
  rules: readonly ChangePolicyRule[],
  change: { readonly from?: string | undefined; readonly to?: string | undefined; readonly type: ChangeType },
): ResolvedChangePolicy {
  parseWith(changePolicyTableSchema, rules, 'change policy', ['rules']);
  parseWith(changeTypeSchema, change.type, 'change', ['change', 'type']);
  return matchChangePolicy(rules, change);
}

/**
 * {@link resolveChangePolicy} over a table and a change type already parsed (as `prorate`'s options
 * and request are): the lookup without validating them again.
 */
export function matchChangePolicy(
  rules: readonly ChangePolicyRule[],
  change: { readonly from?: string | undefined; readonly to?: string | undefined; readonly type: ChangeType },
): ResolvedChangePolicy {
  if (rules.length === 0) return { effective: 'immediately' };
  let best: { rule: ChangePolicyRule; index: number; score: number } | undefined;
  rules.forEach((rule, index) => {
    const matches =
      (rule.from === undefined || rule.from === change.from) &&
      (rule.to === undefined || rule.to === change.to) &&
      (rule.type === undefined || rule.type === change.type);
    if (!matches) return;
    const score = specificity(rule);
    if (best === undefined || score > best.score) best = { rule, index, score };
  });
  if (best === undefined) return { effective: 'immediately' };
  return {
    effective: best.rule.effective,
    prorationBehavior: best.rule.prorationBehavior,
    ruleIndex: best.index,
  };
}

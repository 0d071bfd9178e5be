// Discount definitions (@billkit/discount's, stored per tenant with their redemption counts) and a
// side-effect-free preview of what they do to amounts.
import type { DiscountRecord, Page } from '@billkit/db';
import {
  applyDiscounts,
  type DiscountDefinition,
  type DiscountResult,
  discountDefinitionSchema,
} from '@billkit/discount';
import { money } from '@billkit/money';
import { type Deps, mutate, type OperationContext, tenantOf } from './context.js';
import { discountDefinition } from './environment.js';
import { notFound, WorkflowError } from './errors.js';
import { newId } from './ids.js';

/**
 * A @billkit/discount definition in camelCase, without `id` (billkit assigns it): e.g.
 * `{ type: 'percentage', percentOff: '15', duration: { type: 'forever' } }`. Unknown fields are refused.
 */
export type CreateDiscountInput = Readonly<Record<string, unknown>> & { readonly type: string };

/** A page of discounts, optionally only the active (or inactive) ones. */
export interface ListDiscountsInput {
  /** Default 10. */
  readonly limit?: number;
  /** Cursor: the last id of the previous page. */
  readonly startingAfter?: string;
  readonly active?: boolean;
}

/** Stored discounts tried on amounts, with no side effects. */
export interface PreviewDiscountsInput {
  readonly currency: string;
  /** Discount ids to try, in any order. */
  readonly discounts: readonly string[];
  readonly lines: readonly {
    readonly id: string;
    /** Minor units of `currency`. */
    readonly amount: number;
    /** Default 1. */
    readonly quantity?: number;
    readonly product?: string;
    readonly price?: string;
    readonly category?: string;
    /** Default `charge`. */
    readonly kind?: 'charge' | 'proration_charge' | 'proration_credit';
  }[];
  readonly customer?: string;
  /** Validity windows are checked at this instant (default: now). */
  readonly at?: string;
  /** Default false. */
  readonly isFirstInvoice?: boolean;
}

/** Every field any discount type has: anything else in a definition is refused. */
const DEFINITION_KEYS = new Set(
  discountDefinitionSchema.options.flatMap((option) => Object.keys(option.shape)),
);

/** Validates a camelCase definition with the discount engine's own schema, refusing unknown fields. */
function parseDefinition(input: CreateDiscountInput, id: string): DiscountDefinition {
  const candidate: Record<string, unknown> = { ...input, id };
  const unknownKeys: string[] = [];
  for (const key in candidate) if (!DEFINITION_KEYS.has(key)) unknownKeys.push(key);
  const parsed = discountDefinitionSchema.safeParse(candidate);
  const fields = [
    // The wording of zod's own unrecognized-keys issue (the API has always answered with it).
    ...(unknownKeys.length > 0
      ? [
          {
            path: unknownKeys.join(','),
            message: `Unrecognized key${unknownKeys.length > 1 ? 's' : ''}: ${unknownKeys.map((k) => `"${k}"`).join(', ')}`,
          },
        ]
      : []),
    ...(parsed.success
      ? []
      : parsed.error.issues.map((issue) => ({
          path:
            issue.code === 'unrecognized_keys'
              ? issue.keys.join(',')
              : issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p)).join('.'),
          message: issue.message,
        }))),
  ];
  if (fields.length > 0 || !parsed.success) {
    throw new WorkflowError('WORKFLOW_VALIDATION_FAILED', 'The discount definition is invalid', { fields });
  }
  return parsed.data;
}

/** Discount definitions and promotion codes. */
export function discountOperations(deps: Deps) {
  return {
    /**
     * Defines a discount (active, nothing redeemed). An invalid definition is `WORKFLOW_VALIDATION_FAILED`
     * with one field per problem.
     *
     * @example await billing.discounts.create(ctx, { type: 'percentage', name: 'Senior', percentOff: '15', duration: { type: 'forever' } })
     */
    async create(ctx: OperationContext, input: CreateDiscountInput): Promise<DiscountRecord> {
      const id = newId('disc');
      const definition = parseDefinition(input, id);
      const now = deps.clock().toISOString();
      const discount: DiscountRecord = {
        id,
        name: definition.name ?? null,
        definition: JSON.parse(JSON.stringify(definition)) as Record<string, unknown>,
        active: true,
        maxRedemptions: (definition as { maxRedemptions?: number }).maxRedemptions ?? null,
        timesRedeemed: 0,
        createdAt: now,
        updatedAt: now,
      };
      return mutate(deps, ctx, 'discounts.create', input, async (tx, record) => {
        await tx.insert('discount', discount);
        await record({
          type: 'discount.created',
          entityType: 'discount',
          entityId: id,
          before: null,
          after: discount,
        });
        return discount;
      });
    },

    /** One discount; `WORKFLOW_NOT_FOUND` when the tenant has none with this id. */
    async retrieve(ctx: OperationContext, id: string): Promise<DiscountRecord> {
      const found = await tenantOf(deps, ctx).get('discount', id);
      if (!found) throw notFound('discount', id);
      return found;
    },

    /** A page of discounts, oldest first. */
    async list(ctx: OperationContext, input: ListDiscountsInput = {}): Promise<Page<DiscountRecord>> {
      return tenantOf(deps, ctx).list('discount', {
        limit: input.limit ?? 10,
        ...(input.startingAfter !== undefined ? { startingAfter: input.startingAfter } : {}),
        where: input.active !== undefined ? { active: input.active } : {},
      });
    },

    /** No new redemptions of the discount; subscriptions keep what they have. */
    async deactivate(ctx: OperationContext, id: string): Promise<DiscountRecord> {
      return mutate(deps, ctx, 'discounts.deactivate', { id }, async (tx, record) => {
        const before = await tx.get('discount', id);
        if (!before) throw notFound('discount', id);
        const after: DiscountRecord = { ...before, active: false, updatedAt: deps.clock().toISOString() };
        await tx.update('discount', after);
        await record({
          type: 'discount.deactivated',
          entityType: 'discount',
          entityId: after.id,
          before,
          after,
        });
        return after;
      });
    },

    /**
     * What the stored discounts `discounts` would do to `lines` (the discount engine's result); nothing is
     * stored or redeemed. An unknown id is `WORKFLOW_NOT_FOUND` naming `discounts.<index>`.
     */
    async preview(ctx: OperationContext, input: PreviewDiscountsInput): Promise<DiscountResult> {
      const reader = tenantOf(deps, ctx);
      const definitions: DiscountDefinition[] = [];
      for (const [index, id] of input.discounts.entries()) {
        const found = await reader.get('discount', id);
        if (!found) throw notFound('discount', id, `discounts.${index}`);
        definitions.push(discountDefinition(found));
      }
      return applyDiscounts({
        currency: input.currency,
        discounts: definitions,
        lines: input.lines.map((l) => ({
          id: l.id,
          amount: money(l.amount, input.currency),
          quantity: l.quantity ?? 1,
          kind: l.kind ?? 'charge',
          ...(l.product !== undefined ? { productId: l.product } : {}),
          ...(l.price !== undefined ? { priceId: l.price } : {}),
          ...(l.category !== undefined ? { category: l.category } : {}),
        })),
        context: {
          now: input.at ?? deps.clock().toISOString(),
          isFirstInvoice: input.isFirstInvoice ?? false,
          ...(input.customer !== undefined ? { customerId: input.customer } : {}),
        },
      });
    },
  };
}

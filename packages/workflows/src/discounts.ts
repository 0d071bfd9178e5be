// Discount definitions (@billkit/discount's, stored per tenant with their redemption counts) and a
// side-effect-free preview of what they do to amounts.
import { type DiscountRecord, type Page, type PromotionCodeRecord, StoreError } from '@billkit/db';
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

/** A customer-facing code that redeems the active discount `discount`. */
export interface CreatePromotionCodeInput {
  /** Matched case-insensitively and kept upper case; unique per tenant. */
  readonly code: string;
  /** The id of an active discount. */
  readonly discount: string;
  /** Default: no limit. */
  readonly maxRedemptions?: number;
  /** No redemption at or after this instant. Default: never expires. */
  readonly expiresAt?: string;
  /** Default true. */
  readonly active?: boolean;
}

/** A page of promotion codes, optionally only those of one discount. */
export interface ListPromotionCodesInput {
  /** Default 10. */
  readonly limit?: number;
  /** Cursor: the last id of the previous page. */
  readonly startingAfter?: string;
  /** A discount id. */
  readonly discount?: string;
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

/** The fields of a promotion code input that are not well formed (code, limit, expiry). */
function promotionCodeProblems(input: CreatePromotionCodeInput): { path: string; message: string }[] {
  const fields: { path: string; message: string }[] = [];
  if (typeof input.code !== 'string' || input.code.trim() === '' || input.code.trim() !== input.code)
    fields.push({ path: 'code', message: 'must be a non-empty code without surrounding spaces' });
  if (
    input.maxRedemptions !== undefined &&
    (!Number.isSafeInteger(input.maxRedemptions) || input.maxRedemptions < 1)
  )
    fields.push({ path: 'maxRedemptions', message: 'must be a positive integer' });
  if (input.expiresAt !== undefined && Number.isNaN(Date.parse(input.expiresAt)))
    fields.push({ path: 'expiresAt', message: 'must be an ISO 8601 instant' });
  return fields;
}

const duplicateCode = (code: string) =>
  new WorkflowError('WORKFLOW_CONFLICT', `A promotion code '${code}' already exists`, {
    fields: [{ path: 'code', message: 'already exists' }],
  });

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
     * Creates a promotion code for an active discount. A malformed field is `WORKFLOW_VALIDATION_FAILED`, an
     * unknown or inactive discount `WORKFLOW_NOT_FOUND` on `discount`, a code the tenant already has (in any
     * case) `WORKFLOW_CONFLICT` on `code`.
     *
     * @example await billing.discounts.createPromotionCode(ctx, { code: 'FIRSTMONTHFREE', discount: 'disc_1', maxRedemptions: 100 })
     */
    async createPromotionCode(
      ctx: OperationContext,
      input: CreatePromotionCodeInput,
    ): Promise<PromotionCodeRecord> {
      const fields = promotionCodeProblems(input);
      if (fields.length > 0)
        throw new WorkflowError('WORKFLOW_VALIDATION_FAILED', 'The promotion code is invalid', { fields });
      return mutate(deps, ctx, 'discounts.createPromotionCode', input, async (tx, record) => {
        const discount = await tx.get('discount', input.discount);
        if (!discount?.active)
          throw notFound('discount', input.discount, 'discount', 'no such active discount');
        const code = input.code.toUpperCase();
        const taken = await tx.list('promotion_code', { limit: 1, where: { code } });
        if (taken.data.length > 0) throw duplicateCode(input.code);
        const promotionCode: PromotionCodeRecord = {
          id: newId('promo'),
          code,
          discountId: discount.id,
          active: input.active ?? true,
          maxRedemptions: input.maxRedemptions ?? null,
          timesRedeemed: 0,
          expiresAt: input.expiresAt !== undefined ? new Date(input.expiresAt).toISOString() : null,
          createdAt: deps.clock().toISOString(),
        };
        try {
          await tx.insert('promotion_code', promotionCode);
        } catch (error) {
          // A concurrent twin took the code between the check and the insert.
          if (error instanceof StoreError && error.code === 'DB_UNIQUE_VIOLATION')
            throw duplicateCode(input.code);
          throw error;
        }
        await record({
          type: 'promotion_code.created',
          entityType: 'promotion_code',
          entityId: promotionCode.id,
          before: null,
          after: promotionCode,
        });
        return promotionCode;
      });
    },

    /** One promotion code; `WORKFLOW_NOT_FOUND` when the tenant has none with this id. */
    async retrievePromotionCode(ctx: OperationContext, id: string): Promise<PromotionCodeRecord> {
      const found = await tenantOf(deps, ctx).get('promotion_code', id);
      if (!found) throw notFound('promotion_code', id);
      return found;
    },

    /** The promotion code `code` (matched case-insensitively, whatever its state); null when there is none. */
    async findPromotionCode(ctx: OperationContext, code: string): Promise<PromotionCodeRecord | null> {
      const page = await tenantOf(deps, ctx).list('promotion_code', {
        limit: 1,
        where: { code: code.toUpperCase() },
      });
      return page.data[0] ?? null;
    },

    /** A page of promotion codes, oldest first. */
    async listPromotionCodes(
      ctx: OperationContext,
      input: ListPromotionCodesInput = {},
    ): Promise<Page<PromotionCodeRecord>> {
      return tenantOf(deps, ctx).list('promotion_code', {
        limit: input.limit ?? 10,
        ...(input.startingAfter !== undefined ? { startingAfter: input.startingAfter } : {}),
        where: input.discount !== undefined ? { discountId: input.discount } : {},
      });
    },

    /** No new redemptions of the code; subscriptions that used it keep their discount. */
    async deactivatePromotionCode(ctx: OperationContext, id: string): Promise<PromotionCodeRecord> {
      return mutate(deps, ctx, 'discounts.deactivatePromotionCode', { id }, async (tx, record) => {
        const before = await tx.get('promotion_code', id);
        if (!before) throw notFound('promotion_code', id);
        const after: PromotionCodeRecord = { ...before, active: false };
        await tx.update('promotion_code', after);
        await record({
          type: 'promotion_code.deactivated',
          entityType: 'promotion_code',
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

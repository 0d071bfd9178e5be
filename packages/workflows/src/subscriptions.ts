// Subscriptions: each operation loads what billing-core's transition needs, runs it, and stores what it
// returns (persistTransition) in one transaction. The rules (proration, discounts, credits, periods) are
// billing-core's.
import {
  applyDiscountToSubscription,
  type Invoice,
  pauseSubscription,
  resumeSubscription,
  type SubscriptionStatus,
} from '@billkit/billing-core';
import type {
  CustomerRecord,
  InvoiceRecord,
  Page,
  PromotionCodeRecord,
  SubscriptionRecord,
  TenantReader,
  TenantTransaction,
} from '@billkit/db';
import type { DiscountDefinition } from '@billkit/discount';
import { type Deps, mutate, type OperationContext, type Recorder, tenantOf } from './context.js';
import {
  allInOrder,
  billingFor,
  billingForPrices,
  discountDefinition,
  environmentFor,
  referencedPriceIds,
  toCoreCustomer,
} from './environment.js';
import { notFound, WorkflowError } from './errors.js';
import { newId } from './ids.js';
import { discountStateFor, persistTransition, type TransitionLike } from './transition.js';

/** An item of a subscription: `id` names an existing item to keep or change; without it the item is new. */
export interface SubscriptionItemInput {
  readonly id?: string;
  readonly price: string;
  /** Default 1. */
  readonly quantity?: number;
}

/** A new subscription of `customer` to `items`; its first invoice is created as a draft. */
export interface CreateSubscriptionInput {
  readonly customer: string;
  /** Item ids are assigned by billkit (an `id` given here is ignored). */
  readonly items: readonly SubscriptionItemInput[];
  /** Active discount ids attached from the start. */
  readonly discounts?: readonly string[];
  /** A promotion code (any case): its discount is attached like `discounts`, and the code counts a redemption. */
  readonly promotionCode?: string;
  readonly trialEnd?: string;
  /** Default: now. */
  readonly startAt?: string;
  readonly metadata?: Readonly<Record<string, string>>;
}

/** A page of subscriptions, optionally of one customer or in one status. */
export interface ListSubscriptionsInput {
  /** Default 10. */
  readonly limit?: number;
  /** Cursor: the last id of the previous page. */
  readonly startingAfter?: string;
  readonly customer?: string;
  readonly status?: SubscriptionStatus;
}

/** The items a change would leave, previewed at `prorationDate`. */
export interface PreviewSubscriptionChangeInput {
  /** The full list of items after the change: listed ids are kept or changed, missing ones removed. */
  readonly items: readonly SubscriptionItemInput[];
  /** Default: now. Share it between preview and change to get the same numbers. */
  readonly prorationDate?: string;
}

/** A mid-period change of items with a proration behavior. */
export interface ChangeSubscriptionInput extends PreviewSubscriptionChangeInput {
  /** Default `create_prorations`. */
  readonly prorationBehavior?: 'create_prorations' | 'always_invoice' | 'none';
  /** Refuse with `WORKFLOW_CONFLICT` if the subscription's version is no longer this. */
  readonly expectedVersion?: number;
}

/** Cancel now (optionally with a credit for the unused time) or at the end of the period. */
export interface CancelSubscriptionInput {
  /** Default false. */
  readonly atPeriodEnd?: boolean;
  /** Cancel now with a credit for the unused time. Default false. */
  readonly prorate?: boolean;
}

/** Attach the active discount `discount` from the next invoice on. */
export interface AttachSubscriptionDiscountInput {
  readonly discount: string;
}

/** A subscription after a transition, and the invoice the transition produced (if any). */
export interface SubscriptionTransitionResult {
  readonly subscription: SubscriptionRecord;
  readonly invoice: InvoiceRecord | null;
}

/** The invoice a change would produce now (nothing is stored), and the proration date used. */
export interface SubscriptionChangePreview {
  readonly prorationDate: string;
  readonly invoice: Invoice | null;
}

async function loadSubscription(reader: TenantReader, id: string): Promise<SubscriptionRecord> {
  const found = await reader.get('subscription', id);
  if (!found) throw notFound('subscription', id);
  return found;
}

async function loadCustomer(reader: TenantReader, id: string, field = 'customer'): Promise<CustomerRecord> {
  const found = await reader.get('customer', id);
  if (!found) throw notFound('customer', id, field);
  return found;
}

async function loadDiscounts(reader: TenantReader, ids: readonly string[]): Promise<DiscountDefinition[]> {
  const out: DiscountDefinition[] = [];
  for (const [index, id] of ids.entries()) {
    const record = await reader.get('discount', id);
    if (!record?.active) {
      throw new WorkflowError('WORKFLOW_NOT_FOUND', `No such active discount: '${id}'`, {
        fields: [{ path: `discounts.${index}`, message: 'no such active discount' }],
      });
    }
    out.push(discountDefinition(record));
  }
  return out;
}

/**
 * Locks the promotion code `code` and counts one redemption of it; an unknown, inactive, expired or exhausted
 * code (or one whose discount is no longer active) is `WORKFLOW_VALIDATION_FAILED` on `promotionCode`.
 */
async function redeemPromotionCode(
  tx: TenantTransaction,
  code: string,
  at: string,
): Promise<{ before: PromotionCodeRecord; after: PromotionCodeRecord }> {
  const refuse = (message: string, reason: string) =>
    new WorkflowError('WORKFLOW_VALIDATION_FAILED', message, {
      fields: [{ path: 'promotionCode', message: reason }],
    });
  const [found] = (await tx.list('promotion_code', { limit: 1, where: { code: code.toUpperCase() } })).data;
  // Locked (MySQL) and read again: two subscriptions redeeming the last use of a code cannot both succeed.
  const before = found ? await tx.getForUpdate('promotion_code', found.id) : null;
  if (!before) throw refuse(`No such promotion code: '${code}'`, 'no such promotion code');
  if (!before.active) throw refuse(`Promotion code '${code}' is not active`, 'promotion code is not active');
  if (before.expiresAt !== null && Date.parse(before.expiresAt) <= Date.parse(at))
    throw refuse(`Promotion code '${code}' expired`, 'promotion code expired');
  if (before.maxRedemptions !== null && before.timesRedeemed >= before.maxRedemptions)
    throw refuse(
      `Promotion code '${code}' has no redemptions left`,
      'promotion code has no redemptions left',
    );
  const discount = await tx.get('discount', before.discountId);
  if (!discount?.active)
    throw refuse(`Promotion code '${code}' has no active discount`, 'promotion code has no active discount');
  const after: PromotionCodeRecord = { ...before, timesRedeemed: before.timesRedeemed + 1 };
  await tx.update('promotion_code', after);
  return { before, after };
}

async function checkPrices(
  reader: TenantReader,
  items: readonly { readonly price: string }[],
): Promise<void> {
  const found = new Set(
    (
      await reader.getMany(
        'price',
        items.map((i) => i.price),
      )
    ).map((p) => p.id),
  );
  for (const [index, item] of items.entries()) {
    if (!found.has(item.price)) throw notFound('price', item.price, `items.${index}.price`);
  }
}

function changeItems(subscription: SubscriptionRecord, items: readonly SubscriptionItemInput[]) {
  return items.map((item, index) => {
    if (item.id !== undefined && !subscription.items.some((i) => i.id === item.id)) {
      throw new WorkflowError('WORKFLOW_VALIDATION_FAILED', `Subscription has no item '${item.id}'`, {
        fields: [{ path: `items.${index}.id`, message: 'no such item on this subscription' }],
      });
    }
    return { id: item.id ?? newId('si'), priceId: item.price, quantity: item.quantity ?? 1 };
  });
}

/** Redemption counts of the discounts attached to `subscription`. */
const discountStateOf = (reader: TenantReader, subscription: SubscriptionRecord) =>
  discountStateFor(
    reader,
    subscription.discounts.map((d) => String(d.discount.id)),
  );

/** Subscriptions: create, preview a change, change, cancel, pause, resume, attach a discount. */
export function subscriptionOperations(deps: Deps) {
  const now = () => deps.clock().toISOString();

  /** Stores a transition (version-checked against `before`, the state it started from) with its invoice and events. */
  async function store(
    tx: TenantTransaction,
    record: Recorder,
    t: TransitionLike,
    before: SubscriptionRecord | null,
    metadata?: Record<string, string>,
  ): Promise<SubscriptionTransitionResult> {
    const saved = await persistTransition(deps, tx, record, t, {
      before,
      ...(metadata !== undefined ? { metadata } : {}),
    });
    return { subscription: saved.subscription as SubscriptionRecord, invoice: saved.invoice };
  }

  return {
    /**
     * Starts a subscription: its first invoice (`subscription_create`, discounts applied, taxed in the
     * customer's local date) is created as a draft. Unknown customer, price or discount is
     * `WORKFLOW_NOT_FOUND` naming the input field; a `promotionCode` that cannot be redeemed (unknown,
     * inactive, expired, exhausted) is `WORKFLOW_VALIDATION_FAILED` on `promotionCode`.
     *
     * @example
     * const { subscription, invoice } = await billing.subscriptions.create(ctx, {
     *   customer: 'cus_1', items: [{ price: 'price_pro' }], discounts: ['disc_1'] });
     */
    async create(
      ctx: OperationContext,
      input: CreateSubscriptionInput,
    ): Promise<SubscriptionTransitionResult> {
      return mutate(deps, ctx, 'subscriptions.create', input, async (tx, record) => {
        const customer = await loadCustomer(tx, input.customer);
        await checkPrices(tx, input.items);
        const promotion =
          input.promotionCode !== undefined
            ? await redeemPromotionCode(tx, input.promotionCode, now())
            : null;
        const discountIds = [...(input.discounts ?? [])];
        if (promotion && !discountIds.includes(promotion.after.discountId))
          discountIds.push(promotion.after.discountId);
        const discounts = await loadDiscounts(tx, discountIds);
        const { billing } = await billingFor(tx);
        const subscriptionId = newId('sub');
        const t = billing.createSubscription({
          id: subscriptionId,
          customer: toCoreCustomer(customer),
          items: input.items.map((i) => ({ id: newId('si'), priceId: i.price, quantity: i.quantity ?? 1 })),
          startAt: input.startAt ?? now(),
          ...(input.trialEnd !== undefined ? { trialEnd: input.trialEnd } : {}),
          discounts,
          invoiceId: newId('in'),
          discountState: await discountStateFor(tx, discountIds),
        });
        const result = await store(
          tx,
          record,
          t,
          null,
          (input.metadata as Record<string, string> | undefined) ?? {},
        );
        if (promotion) {
          await record({
            type: 'promotion_code.redeemed',
            entityType: 'promotion_code',
            entityId: promotion.after.id,
            before: promotion.before,
            after: promotion.after,
            extra: { subscriptionId },
          });
        }
        return result;
      });
    },

    /** One subscription; `WORKFLOW_NOT_FOUND` when the tenant has none with this id. */
    async retrieve(ctx: OperationContext, id: string): Promise<SubscriptionRecord> {
      return loadSubscription(tenantOf(deps, ctx), id);
    },

    /** A page of subscriptions, oldest first. */
    async list(ctx: OperationContext, input: ListSubscriptionsInput = {}): Promise<Page<SubscriptionRecord>> {
      const where: Record<string, string> = {};
      if (input.customer !== undefined) where.customerId = input.customer;
      if (input.status !== undefined) where.status = input.status;
      return tenantOf(deps, ctx).list('subscription', {
        limit: input.limit ?? 10,
        ...(input.startingAfter !== undefined ? { startingAfter: input.startingAfter } : {}),
        where,
      });
    },

    /** The invoice {@link change} would produce now with `always_invoice`, without storing anything. */
    async previewChange(
      ctx: OperationContext,
      id: string,
      input: PreviewSubscriptionChangeInput,
    ): Promise<SubscriptionChangePreview> {
      const reader = tenantOf(deps, ctx);
      const subscription = await loadSubscription(reader, id);
      const [{ billing }, customer, discountState] = await allInOrder(
        billingForPrices(reader, referencedPriceIds(subscription), input.items),
        loadCustomer(reader, subscription.customerId),
        discountStateOf(reader, subscription),
      );
      const prorationDate = input.prorationDate ?? now();
      const invoice = billing.previewSubscriptionChange(subscription, {
        customer: toCoreCustomer(customer),
        items: changeItems(subscription, input.items),
        prorationDate,
        discountState,
      });
      return { prorationDate, invoice };
    },

    /**
     * Changes the items mid-period, prorated per `prorationBehavior`. A stale `expectedVersion` (or a
     * concurrent change committed first) is a conflict: reload and retry.
     */
    async change(
      ctx: OperationContext,
      id: string,
      input: ChangeSubscriptionInput,
    ): Promise<SubscriptionTransitionResult> {
      return mutate(deps, ctx, 'subscriptions.change', { id, ...input }, async (tx, record) => {
        const before = await loadSubscription(tx, id);
        if (input.expectedVersion !== undefined && input.expectedVersion !== before.version) {
          throw new WorkflowError(
            'WORKFLOW_CONFLICT',
            'The subscription changed since you read it; reload and retry',
            { expectedVersion: input.expectedVersion, currentVersion: before.version },
          );
        }
        const [{ billing }, customer, discountState] = await allInOrder(
          billingForPrices(tx, referencedPriceIds(before), input.items),
          loadCustomer(tx, before.customerId),
          discountStateOf(tx, before),
        );
        const t = billing.changeSubscription(before, {
          customer: toCoreCustomer(customer),
          items: changeItems(before, input.items),
          prorationDate: input.prorationDate ?? now(),
          prorationBehavior: input.prorationBehavior ?? 'create_prorations',
          invoiceId: newId('in'),
          discountState,
        });
        return store(tx, record, t, before);
      });
    },

    /** Cancels now (with a proration credit when `prorate`) or at the end of the current period. */
    async cancel(
      ctx: OperationContext,
      id: string,
      input: CancelSubscriptionInput = {},
    ): Promise<SubscriptionTransitionResult> {
      return mutate(deps, ctx, 'subscriptions.cancel', { id, ...input }, async (tx, record) => {
        const before = await loadSubscription(tx, id);
        const customer = await loadCustomer(tx, before.customerId);
        const { billing } = await billingFor(tx);
        const t = billing.cancelSubscription(before, {
          at: now(),
          atPeriodEnd: input.atPeriodEnd ?? false,
          prorate: input.prorate ?? false,
          customer: toCoreCustomer(customer),
          invoiceId: newId('in'),
        });
        return store(tx, record, t, before);
      });
    },

    /** Pauses billing. */
    async pause(ctx: OperationContext, id: string): Promise<SubscriptionRecord> {
      return mutate(deps, ctx, 'subscriptions.pause', { id }, async (tx, record) => {
        const before = await loadSubscription(tx, id);
        return (await store(tx, record, pauseSubscription(before, { at: now() }), before)).subscription;
      });
    },

    /** Resumes a paused subscription; a new cycle is invoiced if its period has ended. */
    async resume(ctx: OperationContext, id: string): Promise<SubscriptionTransitionResult> {
      return mutate(deps, ctx, 'subscriptions.resume', { id }, async (tx, record) => {
        const before = await loadSubscription(tx, id);
        const customer = await loadCustomer(tx, before.customerId);
        const t = resumeSubscription(
          before,
          { at: now(), customer: toCoreCustomer(customer), invoiceId: newId('in') },
          await environmentFor(tx),
        );
        return store(tx, record, t, before);
      });
    },

    /**
     * Attaches an active discount from the next invoice on (a `credit` starts with its full amount in
     * `discounts[].creditRemaining`). An unknown or inactive discount is `WORKFLOW_NOT_FOUND` naming
     * `discounts.0`.
     */
    async attachDiscount(
      ctx: OperationContext,
      id: string,
      input: AttachSubscriptionDiscountInput,
    ): Promise<SubscriptionRecord> {
      return mutate(deps, ctx, 'subscriptions.attachDiscount', { id, ...input }, async (tx, record) => {
        const before = await loadSubscription(tx, id);
        const [definition] = await loadDiscounts(tx, [input.discount]);
        const t = applyDiscountToSubscription(before, {
          discount: definition as DiscountDefinition,
          at: now(),
        });
        return (await store(tx, record, t, before)).subscription;
      });
    },
  };
}

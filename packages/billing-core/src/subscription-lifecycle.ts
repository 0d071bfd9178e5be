import { type DiscountDefinitionInput, discountDefinitionSchema } from '@billkit/discount';
import type { Money } from '@billkit/money';
import { billingPeriodFor } from '@billkit/proration';
import { z } from 'zod';
import { type BillingConfig, cachedBillingConfig, type ProrationBehavior } from './billing-config.js';
import { type BillingEvent, billingEvent } from './billing-event.js';
import { type Catalog, findPrice } from './catalog.js';
import type { Customer } from './customer.js';
import type { DiscountState, InvoiceAppliedDiscount, InvoiceRejectedDiscount } from './discount-step.js';
import { BillingError } from './errors.js';
import type { BillingReason, Invoice } from './invoice.js';
import {
  type BillingEnvironment,
  buildInvoice,
  type InvoiceBuildResult,
  type InvoiceItemInput,
} from './invoice-builder.js';
import { instantInput, parseInput } from './parse-input.js';
import type { Price, Recurring } from './price.js';
import { forItem, priceAmountOf } from './pricing.js';
import { type ItemChange, periodChargeLine, prorateChanges } from './proration-step.js';
import type { Subscription, SubscriptionItem, SubscriptionStatus } from './subscription.js';
import {
  creditBalancesOf,
  initialCreditRemaining,
  type SubscriptionDiscount,
  withCreditRemaining,
} from './subscription-discount.js';
import { type BillingPeriod, toInstant, toIso } from './time.js';

const discountDefinitionsSchema = z.array(discountDefinitionSchema);

/** What a subscription transition produced: the new state, the invoice (if any), the audit events. */
export interface SubscriptionTransition {
  readonly subscription: Subscription;
  readonly invoice: Invoice | null;
  readonly events: readonly BillingEvent[];
  /**
   * Discounts of the invoice, for the caller's redemption counts. What is left of each credit is also
   * in `subscription.discounts[].creditRemaining`: storing the subscription is enough to spend a credit once.
   */
  readonly discounts: {
    readonly applied: readonly InvoiceAppliedDiscount[];
    readonly rejected: readonly InvoiceRejectedDiscount[];
    readonly creditsRemaining: Readonly<Record<string, Money>>;
  } | null;
}

/**
 * Discount bookkeeping the caller owns (redemption counts, first-invoice flag). `creditBalances` is only
 * read for credits whose `creditRemaining` the subscription does not carry (stored before it existed):
 * the subscription's own value wins.
 */
export type CallerDiscountState = Omit<DiscountState, 'periodsBilled'>;

function configOf(env: BillingEnvironment): BillingConfig {
  // Cached per config object (zod parse once, not on every call): see cachedBillingConfig.
  return cachedBillingConfig(env.config);
}

function illegal(subscription: Subscription, action: string, allowed: readonly SubscriptionStatus[]): never {
  throw new BillingError(
    'BILLING_ILLEGAL_SUBSCRIPTION_TRANSITION',
    `Cannot ${action} subscription ${subscription.id}: it is ${subscription.status} (allowed from ${allowed.join(', ')})`,
    { subscriptionId: subscription.id, status: subscription.status, action },
  );
}

function requireStatus(
  subscription: Subscription,
  action: string,
  allowed: readonly SubscriptionStatus[],
): void {
  if (!allowed.includes(subscription.status)) illegal(subscription, action, allowed);
}

/** Every item's price must recur on one interval, in the customer's currency. */
function recurringOf(
  items: readonly { readonly priceId: string }[],
  catalog: Catalog,
  currency: string,
): Recurring {
  let recurring: Recurring | null = null;
  for (const item of items) {
    const price: Price = findPrice(catalog, item.priceId);
    if (!price.recurring) {
      throw new BillingError(
        'BILLING_INVALID_INPUT',
        `Price ${price.id} is one-off and cannot be subscribed to`,
        { priceId: price.id },
      );
    }
    if (price.currency !== currency) {
      throw new BillingError(
        'BILLING_CURRENCY_MISMATCH',
        `Price ${price.id} is in ${price.currency}, the customer pays in ${currency}`,
        {
          priceId: price.id,
        },
      );
    }
    if (
      recurring &&
      (recurring.interval !== price.recurring.interval ||
        recurring.intervalCount !== price.recurring.intervalCount)
    ) {
      throw new BillingError(
        'BILLING_INVALID_INPUT',
        'All items of a subscription must recur on the same interval',
        {
          priceId: price.id,
        },
      );
    }
    recurring = price.recurring;
  }
  if (!recurring) throw new BillingError('BILLING_INVALID_INPUT', 'A subscription needs at least one item');
  return recurring;
}

function periodAt(
  subscription: Pick<Subscription, 'billingCycleAnchor'>,
  recurring: Recurring,
  at: string,
  timeZone: string,
): BillingPeriod {
  return billingPeriodFor(subscription.billingCycleAnchor, recurring, at, timeZone);
}

/**
 * `Object.fromEntries(entries)` for a record of counts, written as a loop (fromEntries was a visible
 * share of a change): later entries win, and every key — `__proto__` included — is an own property.
 */
function countsRecord(): {
  readonly record: Record<string, number>;
  readonly set: (key: string, value: number) => void;
} {
  const record: Record<string, number> = {};
  return {
    record,
    set: (key, value) => {
      if (key === '__proto__')
        Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
      else record[key] = value;
    },
  };
}

/** Periods billed per attached discount, as the discount engine counts them. */
function periodsBilled(subscription: Subscription): Record<string, number> {
  const { record, set } = countsRecord();
  for (const d of subscription.discounts) set(d.discount.id, d.periodsApplied);
  return record;
}

/**
 * The discount state for something charged at `instant` in the current period: the discounts attached by
 * then, each counted as it was for this period (one period fewer when it was already counted for it).
 */
function discountStateAt(subscription: Subscription, instant: string): Record<string, number> {
  const periodStart = toInstant(subscription.currentPeriodStart);
  const at = toInstant(instant);
  const { record, set } = countsRecord();
  for (const d of subscription.discounts) {
    const start = toInstant(d.start);
    if (start > at) continue;
    set(d.discount.id, d.periodsApplied - (start <= periodStart && d.periodsApplied > 0 ? 1 : 0));
  }
  return record;
}

function periodItems(
  subscription: Pick<Subscription, 'items'>,
  period: BillingPeriod,
  trial = false,
): InvoiceItemInput[] {
  return subscription.items.map((item) => ({
    priceId: item.priceId,
    quantity: item.quantity,
    period,
    subscriptionItemId: item.id,
    ...(trial ? { trial: true } : {}),
  }));
}

function invoiceFor(
  subscription: Subscription,
  customer: Customer,
  options: {
    readonly invoiceId: string;
    readonly billingReason: BillingReason;
    readonly at: string;
    readonly period: BillingPeriod;
    readonly items: readonly InvoiceItemInput[];
    readonly pending: Subscription['pendingInvoiceItems'];
    readonly state: DiscountState;
  },
  env: BillingEnvironment,
): InvoiceBuildResult {
  if (customer.id !== subscription.customerId) {
    throw new BillingError(
      'BILLING_INVALID_INPUT',
      `Customer ${customer.id} does not own subscription ${subscription.id}`,
      {
        subscriptionId: subscription.id,
      },
    );
  }
  return buildInvoice(
    {
      invoiceId: options.invoiceId,
      customer,
      billingReason: options.billingReason,
      createdAt: options.at,
      period: options.period,
      subscriptionId: subscription.id,
      items: options.items,
      pendingInvoiceItems: options.pending,
      discounts: subscription.discounts.map((d) => d.discount),
      discountState: withStoredCredits(subscription, options.state),
    },
    env,
  );
}

/**
 * The discount state of an invoice for `subscription`: what the caller passed, with the credit balances
 * the subscription carries (each credit's `creditRemaining`), so that a credit is spent once.
 */
function withStoredCredits(subscription: Subscription, state: DiscountState): DiscountState {
  const creditBalances = creditBalancesOf(subscription.discounts, state.creditBalances);
  if (creditBalances === state.creditBalances) return state;
  const result: { -readonly [K in keyof DiscountState]: DiscountState[K] } = { ...state };
  if (creditBalances === undefined) delete result.creditBalances;
  else result.creditBalances = creditBalances;
  return result;
}

/**
 * The transition's result. `subscription` is the new state; when an invoice was built for it, it records
 * the invoice as the latest and what the invoice left of each credit discount (`creditRemaining`).
 */
function transition(
  subscription: Subscription,
  built: InvoiceBuildResult | null,
  events: BillingEvent[],
  at: string,
): SubscriptionTransition {
  const next: Subscription = built
    ? {
        ...subscription,
        discounts: withCreditRemaining(subscription.discounts, built.creditsRemaining),
        latestInvoiceId: built.invoice.id,
      }
    : subscription;
  if (built) {
    events.push(
      billingEvent('invoice.created', 'invoice', built.invoice.id, at, {
        subscriptionId: subscription.id,
        billingReason: built.invoice.billingReason,
        total: built.invoice.total.amount,
        amountDue: built.invoice.amountDue.amount,
        currency: built.invoice.currency,
      }),
    );
  }
  return {
    subscription: next,
    invoice: built?.invoice ?? null,
    events,
    discounts: built
      ? {
          applied: built.appliedDiscounts,
          rejected: built.rejectedDiscounts,
          creditsRemaining: built.creditsRemaining,
        }
      : null,
  };
}

/** Input of {@link createSubscription}. */
export interface CreateSubscriptionInput {
  readonly id: string;
  readonly customer: Customer;
  readonly items: readonly { readonly id: string; readonly priceId: string; readonly quantity?: number }[];
  /** When the subscription starts (also its billing-cycle anchor unless there is a trial). */
  readonly startAt: string;
  /** End of a free trial; the billing cycle is then anchored on it. */
  readonly trialEnd?: string;
  /** Discount definitions (`@billkit/discount`) attached from the start. */
  readonly discounts?: readonly DiscountDefinitionInput[];
  /** Id for the first invoice (the caller owns id generation). */
  readonly invoiceId: string;
  readonly discountState?: CallerDiscountState;
}

/**
 * Start a subscription. Without a trial it is `active`, anchored at `startAt`, and its first invoice
 * (`subscription_create`) bills the first period in advance, discounts applied. With `trialEnd` it is
 * `trialing` until then, anchored at `trialEnd`, and its first invoice shows the trial at zero.
 *
 * @example
 * const { subscription, invoice, events } = createSubscription(
 *   { id: 'sub_1', customer, items: [{ id: 'si_1', priceId: 'price_pro' }], startAt: '2026-01-01T00:00:00Z', invoiceId: 'in_1' },
 *   { catalog, tax: rateTable },
 * );
 */
export function createSubscription(
  input: CreateSubscriptionInput,
  env: BillingEnvironment,
): SubscriptionTransition {
  const { customer } = input;
  const items: SubscriptionItem[] = input.items.map((i) => ({
    id: i.id,
    priceId: i.priceId,
    quantity: i.quantity ?? 1,
  }));
  instantInput(input.startAt, 'startAt', customer.timezone);
  if (input.trialEnd !== undefined) instantInput(input.trialEnd, 'trialEnd', customer.timezone);
  const definitions = parseInput(discountDefinitionsSchema, input.discounts ?? [], ['discounts']);
  for (const [i, item] of items.entries())
    forItem(i, () => priceAmountOf(findPrice(env.catalog, item.priceId), item.quantity));
  const recurring = recurringOf(items, env.catalog, customer.currency);
  const trial = input.trialEnd !== undefined;
  if (trial && toInstant(input.trialEnd as string) <= toInstant(input.startAt)) {
    throw new BillingError('BILLING_INVALID_INPUT', 'trialEnd must be after startAt', {
      trialEnd: input.trialEnd,
    });
  }
  const anchor = trial ? (input.trialEnd as string) : input.startAt;
  const period: BillingPeriod = trial
    ? {
        start: new Date(toInstant(input.startAt)).toISOString(),
        end: new Date(toInstant(anchor)).toISOString(),
      }
    : billingPeriodFor(anchor, recurring, anchor, customer.timezone);
  const discounts = definitions.map(
    (discount): SubscriptionDiscount => ({
      id: `${input.id}_${discount.id}`,
      discount,
      start: input.startAt,
      periodsApplied: 0,
      creditRemaining: initialCreditRemaining(discount),
    }),
  );
  const base: Subscription = {
    id: input.id,
    customerId: customer.id,
    currency: customer.currency,
    status: trial ? 'trialing' : 'active',
    items,
    currentPeriodStart: period.start,
    currentPeriodEnd: period.end,
    billingCycleAnchor: new Date(toInstant(anchor)).toISOString(),
    trialStart: trial ? period.start : null,
    trialEnd: trial ? period.end : null,
    discounts,
    cancelAtPeriodEnd: false,
    canceledAt: null,
    endedAt: null,
    pausedAt: null,
    createdAt: input.startAt,
    periodsBilled: 0,
    pendingInvoiceItems: [],
    billedLines: [],
    latestInvoiceId: null,
    version: 0,
  };
  const built = invoiceFor(
    base,
    customer,
    {
      invoiceId: input.invoiceId,
      billingReason: 'subscription_create',
      at: input.startAt,
      period,
      items: periodItems(base, period, trial),
      pending: [],
      state: { isFirstInvoice: true, ...input.discountState, periodsBilled: periodsBilled(base) },
    },
    env,
  );
  const subscription: Subscription = trial
    ? base
    : {
        ...base,
        periodsBilled: 1,
        discounts: base.discounts.map((d) => ({ ...d, periodsApplied: d.periodsApplied + 1 })),
        billedLines: items.map((item) => periodChargeLine(item, env.catalog, period)),
      };
  const events: BillingEvent[] = [
    billingEvent('subscription.created', 'subscription', input.id, input.startAt, {
      status: subscription.status,
      items: items.map((i) => ({ id: i.id, priceId: i.priceId, quantity: i.quantity })),
      currentPeriodStart: period.start,
      currentPeriodEnd: period.end,
    }),
  ];
  if (trial) {
    events.push(
      billingEvent('subscription.trial_started', 'subscription', input.id, input.startAt, {
        trialEnd: period.end,
      }),
    );
  }
  return transition(subscription, built, events, input.startAt);
}

/** Input of {@link renewSubscription}. */
export interface RenewSubscriptionInput {
  readonly customer: Customer;
  readonly invoiceId: string;
  readonly discountState?: CallerDiscountState;
}

/**
 * Advance a subscription to its next period at the end of the current one. An `active`, `past_due` or
 * `trialing` subscription moves to the next period (a trial becomes `active`) and gets a renewal invoice
 * (`subscription_cycle`) for the new period in advance, plus any pending proration items (discounted as
 * the period they belong to was). A subscription set to cancel at period end is canceled instead (and
 * invoiced only for pending items, if any). Paused and canceled subscriptions cannot renew.
 *
 * @example renewSubscription(subscription, { customer, invoiceId: 'in_2' }, env).subscription.currentPeriodStart
 */
export function renewSubscription(
  subscription: Subscription,
  input: RenewSubscriptionInput,
  env: BillingEnvironment,
): SubscriptionTransition {
  requireStatus(subscription, 'renew', ['active', 'trialing', 'past_due']);
  const at = subscription.currentPeriodEnd;
  const recurring = recurringOf(subscription.items, env.catalog, subscription.currency);
  const events: BillingEvent[] = [];
  const version = subscription.version + 1;

  if (subscription.cancelAtPeriodEnd) {
    const canceled: Subscription = {
      ...subscription,
      status: 'canceled',
      canceledAt: subscription.canceledAt ?? at,
      endedAt: at,
      pendingInvoiceItems: [],
      billedLines: [],
      version,
    };
    events.push(
      billingEvent('subscription.canceled', 'subscription', subscription.id, at, {
        reason: 'cancel_at_period_end',
      }),
    );
    const built =
      subscription.pendingInvoiceItems.length > 0
        ? invoiceFor(
            subscription,
            input.customer,
            {
              invoiceId: input.invoiceId,
              billingReason: 'subscription_cycle',
              at,
              period: { start: subscription.currentPeriodStart, end: at },
              items: [],
              pending: subscription.pendingInvoiceItems,
              state: { ...input.discountState, periodsBilled: periodsBilled(subscription) },
            },
            env,
          )
        : null;
    return transition(canceled, built, events, at);
  }

  const period = periodAt(subscription, recurring, at, input.customer.timezone);
  const wasTrial = subscription.status === 'trialing';
  const built = invoiceFor(
    subscription,
    input.customer,
    {
      invoiceId: input.invoiceId,
      billingReason: 'subscription_cycle',
      at,
      period,
      items: periodItems(subscription, period),
      pending: subscription.pendingInvoiceItems,
      state: { ...input.discountState, periodsBilled: periodsBilled(subscription) },
    },
    env,
  );
  const renewed: Subscription = {
    ...subscription,
    status: wasTrial ? 'active' : subscription.status,
    currentPeriodStart: period.start,
    currentPeriodEnd: period.end,
    periodsBilled: subscription.periodsBilled + 1,
    discounts: subscription.discounts.map((d) => ({ ...d, periodsApplied: d.periodsApplied + 1 })),
    pendingInvoiceItems: [],
    billedLines: subscription.items.map((item) => periodChargeLine(item, env.catalog, period)),
    version,
  };
  if (wasTrial)
    events.push(billingEvent('subscription.trial_ended', 'subscription', subscription.id, at, {}));
  events.push(
    billingEvent('subscription.renewed', 'subscription', subscription.id, at, {
      currentPeriodStart: period.start,
      currentPeriodEnd: period.end,
    }),
  );
  return transition(renewed, built, events, at);
}

/** Input of {@link changeSubscription}. */
export interface ChangeSubscriptionInput {
  readonly customer: Customer;
  /** The full list of items after the change: same id = changed or kept, new id = added, missing = removed. */
  readonly items: readonly { readonly id: string; readonly priceId: string; readonly quantity?: number }[];
  /** The instant to prorate at (Stripe's `proration_date`): a preview and the real change agree when it is shared. */
  readonly prorationDate: string;
  /** Overrides `config.prorationBehavior` for this change. */
  readonly prorationBehavior?: ProrationBehavior;
  /** Classify a changed item yourself (the engine never reclassifies); default: by the period amounts. */
  readonly changeTypes?: Readonly<Record<string, ItemChange['type']>>;
  /** Needed when the change is invoiced now (`always_invoice`). */
  readonly invoiceId?: string;
  readonly discountState?: CallerDiscountState;
}

function classify(before: SubscriptionItem, after: SubscriptionItem, catalog: Catalog): ItemChange['type'] {
  if (before.priceId === after.priceId) return 'quantity_change';
  const oldAmount = priceAmountOf(findPrice(catalog, before.priceId), before.quantity);
  const newAmount = priceAmountOf(findPrice(catalog, after.priceId), after.quantity);
  return newAmount > oldAmount ? 'upgrade' : newAmount < oldAmount ? 'downgrade' : 'price_change';
}

/**
 * Change a subscription's items mid-period. Each changed, added or removed item is prorated by
 * `@billkit/proration` at `prorationDate` (credit for unused time, charge for the rest of the period);
 * then, per the proration behavior: `create_prorations` keeps the items pending for the next invoice,
 * `always_invoice` invoices them now (`subscription_update`, with the discounts in force this period and
 * tax), `none` only changes the items. A trialing subscription changes without proration.
 *
 * @example
 * changeSubscription(subscription, { customer, items: [{ id: 'si_1', priceId: 'price_premium' }],
 *   prorationDate: '2026-01-16T00:00:00Z', prorationBehavior: 'always_invoice', invoiceId: 'in_2' }, env)
 */
export function changeSubscription(
  subscription: Subscription,
  input: ChangeSubscriptionInput,
  env: BillingEnvironment,
): SubscriptionTransition {
  return applyChange(subscription, input, env, false) as SubscriptionTransition;
}

/**
 * {@link changeSubscription}; with `invoiceOnly` it stops once the invoice is built and returns just
 * it (a preview discards the new state and the events, so it does not assemble them).
 */
function applyChange(
  subscription: Subscription,
  input: ChangeSubscriptionInput,
  env: BillingEnvironment,
  invoiceOnly: boolean,
): SubscriptionTransition | Invoice | null {
  requireStatus(subscription, 'change', ['active', 'trialing', 'past_due']);
  const config = configOf(env);
  const behavior = input.prorationBehavior ?? config.prorationBehavior;
  const items: SubscriptionItem[] = input.items.map((i) => ({
    id: i.id,
    priceId: i.priceId,
    quantity: i.quantity ?? 1,
  }));
  instantInput(input.prorationDate, 'prorationDate', input.customer.timezone);
  for (const [i, item] of items.entries())
    forItem(i, () => priceAmountOf(findPrice(env.catalog, item.priceId), item.quantity));
  const newRecurring = recurringOf(items, env.catalog, subscription.currency);
  const oldRecurring = recurringOf(subscription.items, env.catalog, subscription.currency);
  if (
    newRecurring.interval !== oldRecurring.interval ||
    newRecurring.intervalCount !== oldRecurring.intervalCount
  ) {
    throw new BillingError(
      'BILLING_INVALID_INPUT',
      'Changing the billing interval is not supported by changeSubscription; cancel and create a new subscription',
      { subscriptionId: subscription.id },
    );
  }
  const at = toIso(toInstant(input.prorationDate));
  if (
    toInstant(at) < toInstant(subscription.currentPeriodStart) ||
    toInstant(at) > toInstant(subscription.currentPeriodEnd)
  ) {
    throw new BillingError('BILLING_INVALID_INPUT', `prorationDate ${at} is outside the current period`, {
      subscriptionId: subscription.id,
    });
  }

  const changes: ItemChange[] = [];
  const current = subscription.items;
  // The last item with an id (what a Map filled in order holds): found by a scan while a subscription
  // has a few items, through a Map beyond.
  let before: Map<string, SubscriptionItem> | undefined;
  if (current.length > 16) {
    before = new Map();
    for (const item of current) before.set(item.id, item);
  }
  const previous = (id: string): SubscriptionItem | undefined => {
    if (before !== undefined) return before.get(id);
    for (let i = current.length - 1; i >= 0; i -= 1) {
      const item = current[i] as SubscriptionItem;
      // biome-ignore lint/suspicious/noSelfCompare: SameValueZero (NaN equals NaN), as a Map compares.
      if (item.id === id || (item.id !== item.id && id !== id)) return item;
    }
    return undefined;
  };
  for (const item of items) {
    const old = previous(item.id);
    if (!old) {
      changes.push({
        subscriptionItemId: item.id,
        type: input.changeTypes?.[item.id] ?? 'upgrade',
        to: item,
        previousQuantity: 0,
      });
    } else if (old.priceId !== item.priceId || old.quantity !== item.quantity) {
      changes.push({
        subscriptionItemId: item.id,
        type: input.changeTypes?.[item.id] ?? classify(old, item, env.catalog),
        to: item,
        previousQuantity: old.quantity,
      });
    }
  }
  for (const old of subscription.items) {
    if (!items.some((i) => i.id === old.id)) {
      changes.push({ subscriptionItemId: old.id, type: 'cancel', previousQuantity: old.quantity });
    }
  }

  // The proration lines belong to the current period: discount them as this period was discounted.
  const outcome = prorateChanges(
    changes,
    {
      subscriptionId: subscription.id,
      idPrefix: `${subscription.id}_v${subscription.version + 1}_pii`,
      currency: subscription.currency,
      timeZone: input.customer.timezone,
      period: { start: subscription.currentPeriodStart, end: subscription.currentPeriodEnd },
      prorationDate: at,
      billed: subscription.billedLines,
      trial: subscription.status === 'trialing',
      behavior,
      catalog: env.catalog,
      discountStateAt: (instant) => discountStateAt(subscription, instant),
      pendingOnly: invoiceOnly && behavior === 'always_invoice',
    },
    config,
  );
  if (invoiceOnly && behavior === 'always_invoice') {
    // The invoice of the branch below, with the same checks; nothing else is assembled.
    const pending = [...subscription.pendingInvoiceItems, ...outcome.pending];
    if (pending.length === 0) return null;
    if (!input.invoiceId) {
      throw new BillingError(
        'BILLING_INVALID_INPUT',
        'invoiceId is required when the change is invoiced now (always_invoice)',
        { subscriptionId: subscription.id },
      );
    }
    return invoiceFor(
      subscription,
      input.customer,
      {
        invoiceId: input.invoiceId,
        billingReason: 'subscription_update',
        at,
        period: { start: at, end: subscription.currentPeriodEnd },
        items: [],
        pending,
        state: {
          ...input.discountState,
          isFirstInvoice: false,
          periodsBilled: discountStateAt(subscription, at),
        },
      },
      env,
    ).invoice;
  }
  const events: BillingEvent[] = [
    billingEvent('subscription.updated', 'subscription', subscription.id, at, {
      changes: changes.map((c) => ({
        subscriptionItemId: c.subscriptionItemId,
        type: c.type,
        to: c.to ?? null,
      })),
      prorationBehavior: behavior,
      prorationNet: outcome.items.reduce((s, i) => s + i.amount.amount, 0),
    }),
  ];
  const pending = [...subscription.pendingInvoiceItems, ...outcome.pending];
  let built: InvoiceBuildResult | null = null;
  let remainingPending = pending;
  if (behavior === 'always_invoice' && pending.length > 0) {
    if (!input.invoiceId) {
      throw new BillingError(
        'BILLING_INVALID_INPUT',
        'invoiceId is required when the change is invoiced now (always_invoice)',
        {
          subscriptionId: subscription.id,
        },
      );
    }
    built = invoiceFor(
      subscription,
      input.customer,
      {
        invoiceId: input.invoiceId,
        billingReason: 'subscription_update',
        at,
        period: { start: at, end: subscription.currentPeriodEnd },
        items: [],
        pending,
        state: {
          ...input.discountState,
          isFirstInvoice: false,
          periodsBilled: discountStateAt(subscription, at),
        },
      },
      env,
    );
    remainingPending = [];
  } else {
    for (const item of outcome.pending) {
      events.push(
        billingEvent('invoice_item.created', 'subscription', subscription.id, at, {
          pendingInvoiceItemId: item.id,
          amount: item.amount,
          description: item.description,
        }),
      );
    }
  }
  const changed: Subscription = {
    ...subscription,
    items,
    pendingInvoiceItems: remainingPending,
    billedLines:
      behavior === 'none' ? subscription.billedLines : [...subscription.billedLines, ...outcome.billed],
    version: subscription.version + 1,
  };
  return transition(changed, built, events, at);
}

/**
 * The upcoming-invoice preview of a change: what the customer would be invoiced right now if the change
 * were made at `prorationDate` and invoiced immediately. Pure; nothing is applied.
 */
export function previewSubscriptionChange(
  subscription: Subscription,
  input: Omit<ChangeSubscriptionInput, 'prorationBehavior' | 'invoiceId'> & { readonly invoiceId?: string },
  env: BillingEnvironment,
): Invoice | null {
  // The change's fields are copied by name rather than with `{ ...input, … }`: the object spread was a
  // measurable share of a preview. changeSubscription reads exactly these fields.
  const change: { -readonly [K in keyof ChangeSubscriptionInput]: ChangeSubscriptionInput[K] } = {
    customer: input.customer,
    items: input.items,
    prorationDate: input.prorationDate,
    prorationBehavior: 'always_invoice',
    invoiceId: input.invoiceId ?? 'upcoming',
  };
  if (input.changeTypes !== undefined) change.changeTypes = input.changeTypes;
  if (input.discountState !== undefined) change.discountState = input.discountState;
  const result = applyChange(subscription, change, env, true);
  return result !== null && 'subscription' in result ? result.invoice : result;
}

/** The upcoming renewal invoice (next period plus pending items), without renewing. */
export function previewRenewal(
  subscription: Subscription,
  input: Omit<RenewSubscriptionInput, 'invoiceId'> & { readonly invoiceId?: string },
  env: BillingEnvironment,
): Invoice | null {
  return renewSubscription(subscription, { ...input, invoiceId: input.invoiceId ?? 'upcoming' }, env).invoice;
}

/**
 * Pause an active or past-due subscription at `at`: it stops renewing until resumed. The time already
 * paid for is not credited (use `changeSubscription` to remove items with a credit).
 */
export function pauseSubscription(
  subscription: Subscription,
  options: { readonly at: string },
): SubscriptionTransition {
  requireStatus(subscription, 'pause', ['active', 'past_due']);
  instantInput(options.at, 'at');
  const paused: Subscription = {
    ...subscription,
    status: 'paused',
    pausedAt: options.at,
    version: subscription.version + 1,
  };
  return transition(
    paused,
    null,
    [
      billingEvent('subscription.paused', 'subscription', subscription.id, options.at, {
        previousStatus: subscription.status,
      }),
    ],
    options.at,
  );
}

/**
 * Resume a paused subscription at `at`. Inside the period it was paused in, it simply becomes active
 * again. After that period has ended, the billing cycle restarts at `at` (new anchor) and the new
 * period is invoiced (`subscription_cycle`).
 */
export function resumeSubscription(
  subscription: Subscription,
  input: {
    readonly at: string;
    readonly customer: Customer;
    readonly invoiceId: string;
    readonly discountState?: CallerDiscountState;
  },
  env: BillingEnvironment,
): SubscriptionTransition {
  requireStatus(subscription, 'resume', ['paused']);
  instantInput(input.at, 'at', input.customer.timezone);
  const events: BillingEvent[] = [
    billingEvent('subscription.resumed', 'subscription', subscription.id, input.at, {
      pausedAt: subscription.pausedAt,
    }),
  ];
  const active: Subscription = {
    ...subscription,
    status: 'active',
    pausedAt: null,
    version: subscription.version + 1,
  };
  if (toInstant(input.at) < toInstant(subscription.currentPeriodEnd))
    return transition(active, null, events, input.at);
  const recurring = recurringOf(subscription.items, env.catalog, subscription.currency);
  const anchor = new Date(toInstant(input.at)).toISOString();
  const period = billingPeriodFor(anchor, recurring, anchor, input.customer.timezone);
  const restarted: Subscription = { ...active, billingCycleAnchor: anchor };
  const built = invoiceFor(
    restarted,
    input.customer,
    {
      invoiceId: input.invoiceId,
      billingReason: 'subscription_cycle',
      at: input.at,
      period,
      items: periodItems(restarted, period),
      pending: restarted.pendingInvoiceItems,
      state: { ...input.discountState, periodsBilled: periodsBilled(restarted) },
    },
    env,
  );
  return transition(
    {
      ...restarted,
      currentPeriodStart: period.start,
      currentPeriodEnd: period.end,
      periodsBilled: restarted.periodsBilled + 1,
      discounts: restarted.discounts.map((d) => ({ ...d, periodsApplied: d.periodsApplied + 1 })),
      pendingInvoiceItems: [],
      billedLines: restarted.items.map((item) => periodChargeLine(item, env.catalog, period)),
    },
    built,
    events,
    input.at,
  );
}

/** Input of {@link cancelSubscription}. */
export interface CancelSubscriptionInput {
  readonly at: string;
  /** `true`: keep it until the period ends (Stripe's `cancel_at_period_end`); `false`: end it at `at`. */
  readonly atPeriodEnd: boolean;
  /** Cancel now with a credit for the unused time, invoiced at once with any pending items (final invoice). */
  readonly prorate?: boolean;
  readonly customer?: Customer;
  readonly invoiceId?: string;
  readonly discountState?: CallerDiscountState;
}

/**
 * Cancel a subscription, now or at the end of the period. Cancelling now with `prorate: true` credits the
 * unused time of every item on a final invoice (its negative total becomes customer credit through
 * `endingBalance`). A scheduled cancellation can be taken back with {@link resumeCanceledAtPeriodEnd}.
 */
export function cancelSubscription(
  subscription: Subscription,
  input: CancelSubscriptionInput,
  env?: BillingEnvironment,
): SubscriptionTransition {
  requireStatus(subscription, 'cancel', ['active', 'trialing', 'past_due', 'paused']);
  input = { ...input, at: toIso(toInstant(instantInput(input.at, 'at', input.customer?.timezone))) };
  const version = subscription.version + 1;
  if (input.atPeriodEnd) {
    return transition(
      { ...subscription, cancelAtPeriodEnd: true, canceledAt: input.at, version },
      null,
      [
        billingEvent('subscription.cancel_scheduled', 'subscription', subscription.id, input.at, {
          cancelAt: subscription.currentPeriodEnd,
        }),
      ],
      input.at,
    );
  }
  const canceled: Subscription = {
    ...subscription,
    status: 'canceled',
    canceledAt: input.at,
    endedAt: input.at,
    cancelAtPeriodEnd: false,
    pendingInvoiceItems: [],
    billedLines: [],
    version,
  };
  const events: BillingEvent[] = [
    billingEvent('subscription.canceled', 'subscription', subscription.id, input.at, {
      previousStatus: subscription.status,
    }),
  ];
  if (!input.prorate || subscription.status === 'trialing' || subscription.status === 'paused') {
    return transition(canceled, null, events, input.at);
  }
  if (!env || !input.customer || !input.invoiceId) {
    throw new BillingError(
      'BILLING_INVALID_INPUT',
      'A prorated cancellation needs the environment, the customer and an invoiceId',
      {
        subscriptionId: subscription.id,
      },
    );
  }
  const config = configOf(env);
  const outcome = prorateChanges(
    subscription.items.map((item) => ({
      subscriptionItemId: item.id,
      type: 'cancel' as const,
      previousQuantity: item.quantity,
    })),
    {
      subscriptionId: subscription.id,
      idPrefix: `${subscription.id}_v${version}_pii`,
      currency: subscription.currency,
      timeZone: input.customer.timezone,
      period: { start: subscription.currentPeriodStart, end: subscription.currentPeriodEnd },
      prorationDate: input.at,
      billed: subscription.billedLines,
      trial: false,
      behavior: 'always_invoice',
      catalog: env.catalog,
      discountStateAt: (instant) => discountStateAt(subscription, instant),
    },
    config,
  );
  const pending = [...subscription.pendingInvoiceItems, ...outcome.pending];
  const built =
    pending.length > 0
      ? invoiceFor(
          subscription,
          input.customer,
          {
            invoiceId: input.invoiceId,
            billingReason: 'subscription_update',
            at: input.at,
            period: { start: input.at, end: subscription.currentPeriodEnd },
            items: [],
            pending,
            state: {
              ...input.discountState,
              isFirstInvoice: false,
              periodsBilled: discountStateAt(subscription, input.at),
            },
          },
          env,
        )
      : null;
  return transition(canceled, built, events, input.at);
}

/** Take back a scheduled cancellation (`cancelAtPeriodEnd`) before the period ends. */
export function resumeCanceledAtPeriodEnd(
  subscription: Subscription,
  options: { readonly at: string },
): SubscriptionTransition {
  instantInput(options.at, 'at');
  if (!subscription.cancelAtPeriodEnd || subscription.status === 'canceled') {
    illegal(subscription, 'undo the scheduled cancellation of', ['active', 'trialing', 'past_due']);
  }
  return transition(
    { ...subscription, cancelAtPeriodEnd: false, canceledAt: null, version: subscription.version + 1 },
    null,
    [
      billingEvent('subscription.updated', 'subscription', subscription.id, options.at, {
        cancelAtPeriodEnd: false,
      }),
    ],
    options.at,
  );
}

/** A payment for `invoiceId` failed: an active or trialing subscription becomes `past_due`. */
export function markSubscriptionPastDue(
  subscription: Subscription,
  options: { readonly at: string; readonly invoiceId: string },
): SubscriptionTransition {
  requireStatus(subscription, 'mark past due', ['active', 'trialing', 'past_due']);
  instantInput(options.at, 'at');
  if (subscription.status === 'past_due') return transition(subscription, null, [], options.at);
  return transition(
    { ...subscription, status: 'past_due', version: subscription.version + 1 },
    null,
    [
      billingEvent('subscription.past_due', 'subscription', subscription.id, options.at, {
        invoiceId: options.invoiceId,
        previousStatus: subscription.status,
      }),
    ],
    options.at,
  );
}

/** The overdue invoice was paid: a `past_due` subscription becomes `active` again. */
export function markSubscriptionRecovered(
  subscription: Subscription,
  options: { readonly at: string; readonly invoiceId: string },
): SubscriptionTransition {
  requireStatus(subscription, 'recover', ['past_due']);
  instantInput(options.at, 'at');
  return transition(
    { ...subscription, status: 'active', version: subscription.version + 1 },
    null,
    [
      billingEvent('subscription.recovered', 'subscription', subscription.id, options.at, {
        invoiceId: options.invoiceId,
      }),
    ],
    options.at,
  );
}

/**
 * Attach a discount (a `@billkit/discount` definition, e.g. resolved from a promotion code) to a
 * subscription from `at` on. It applies from the next invoice; its `once`/`repeating`/free-period
 * duration is counted in billing periods from then on.
 *
 * @example applyDiscountToSubscription(subscription, { discount: { id: 'SENIOR15', type: 'percentage', percentOff: '15', duration: { type: 'forever' } }, at })
 */
export function applyDiscountToSubscription(
  subscription: Subscription,
  options: { readonly discount: DiscountDefinitionInput; readonly at: string },
): SubscriptionTransition {
  requireStatus(subscription, 'apply a discount to', ['active', 'trialing', 'past_due', 'paused']);
  instantInput(options.at, 'at');
  const discount = parseInput(discountDefinitionSchema, options.discount, ['discount']);
  if (subscription.discounts.some((d) => d.discount.id === discount.id)) {
    throw new BillingError(
      'BILLING_INVALID_INPUT',
      `Discount ${options.discount.id} is already attached to ${subscription.id}`,
      {
        subscriptionId: subscription.id,
        discountId: options.discount.id,
      },
    );
  }
  const attached: SubscriptionDiscount = {
    id: `${subscription.id}_${discount.id}`,
    discount,
    start: options.at,
    periodsApplied: 0,
    creditRemaining: initialCreditRemaining(discount),
  };
  return transition(
    { ...subscription, discounts: [...subscription.discounts, attached], version: subscription.version + 1 },
    null,
    [
      billingEvent('subscription.updated', 'subscription', subscription.id, options.at, {
        discountAttached: attached.discount.id,
        discountType: attached.discount.type,
      }),
    ],
    options.at,
  );
}

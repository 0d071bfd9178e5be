import { type Money, money } from '@billkit/money';
import { type ChangeType, type ProrationItem, prorate } from '@billkit/proration';
import type { BillingConfig, ProrationBehavior } from './billing-config.js';
import { type Catalog, findPrice, findProduct } from './catalog.js';
import { toFixedHalfUp } from './decimal-text.js';
import { BillingError } from './errors.js';
import type { Price } from './price.js';
import { computePriceAmount } from './pricing.js';
import type { BilledLine, PendingInvoiceItem } from './subscription.js';
import { type BillingPeriod, toIso } from './time.js';

/**
 * How a price looks to the proration engine, which prices a configuration as unit amount × quantity:
 * per-unit prices as they are; flat and tiered prices as one unit of their whole-period amount.
 */
export function engineTerms(
  price: Price,
  quantity: number,
): { readonly unitAmount: Money; readonly quantity: number } {
  if (price.billingScheme === 'per_unit')
    return { unitAmount: money(price.unitAmount, price.currency), quantity };
  return { unitAmount: computePriceAmount(price, quantity).amount, quantity: 1 };
}

/** The period charge of one subscription item, as the proration engine's billed line. */
export function periodChargeLine(
  item: { readonly id: string; readonly priceId: string; readonly quantity: number },
  catalog: Catalog,
  period: BillingPeriod,
): BilledLine {
  const price = findPrice(catalog, item.priceId);
  const terms = engineTerms(price, item.quantity);
  return {
    configurationId: `${item.id}@${period.start}`,
    kind: 'charge',
    subscriptionItemId: item.id,
    priceId: price.id,
    description: findProduct(catalog, price.productId).name,
    quantity: terms.quantity,
    unitAmount: terms.unitAmount,
    amount: computePriceAmount(price, item.quantity).amount,
    slice: period,
  };
}

/** One item-level change for the proration engine. */
export interface ItemChange {
  readonly subscriptionItemId: string;
  readonly type: ChangeType;
  /** New terms; absent for a removed item. */
  readonly to?: { readonly priceId: string; readonly quantity: number };
  /** Quantity shown on the credit line (the quantity being replaced). */
  readonly previousQuantity: number;
}

export interface ProrationOutcome {
  readonly items: readonly ProrationItem[];
  readonly pending: readonly PendingInvoiceItem[];
  readonly billed: readonly BilledLine[];
}

/**
 * Step 1 of Proration → Discount → Tax for a change: ask `@billkit/proration` for the credit and charge of
 * every changed item, and turn them into pending invoice items (list amounts: discounts and tax are applied
 * when they are invoiced) and billed lines (so later changes in the same period credit exactly once).
 */
export function prorateChanges(
  changes: readonly ItemChange[],
  context: {
    readonly subscriptionId: string;
    readonly idPrefix: string;
    readonly currency: string;
    readonly timeZone: string;
    readonly period: BillingPeriod;
    readonly prorationDate: string;
    readonly billed: readonly BilledLine[];
    readonly trial: boolean;
    readonly behavior: ProrationBehavior;
    readonly catalog: Catalog;
    /** The discounts in force (periods billed per discount id) for something charged at `instant`. */
    readonly discountStateAt: (instant: string) => Readonly<Record<string, number>>;
  },
  config: BillingConfig,
): ProrationOutcome {
  const allItems: ProrationItem[] = [];
  const pending: PendingInvoiceItem[] = [];
  const billed: BilledLine[] = [];
  let n = 0;
  // `context.billed` and the discount state do not change during the call: both lookups are memoised
  // per configuration and per instant (they were recomputed for every credit and charge line).
  const chargedAtCache = new Map<string, string>();
  const chargedAt = (configurationId: string): string => {
    let at = chargedAtCache.get(configurationId);
    if (at === undefined) {
      const starts = context.billed
        .filter((b) => b.configurationId === configurationId && b.kind === 'charge')
        .map((b) => Date.parse(b.slice.start));
      at = starts.length > 0 ? toIso(Math.min(...starts)) : context.period.start;
      chargedAtCache.set(configurationId, at);
    }
    return at;
  };
  const discountStates = new Map<string, Readonly<Record<string, number>>>();
  const discountStateAt = (instant: string): Readonly<Record<string, number>> => {
    let state = discountStates.get(instant);
    if (state === undefined) {
      state = context.discountStateAt(instant);
      discountStates.set(instant, state);
    }
    return state;
  };
  for (const change of changes) {
    const mine = context.billed.filter((b) => b.subscriptionItemId === change.subscriptionItemId);
    const to = change.to ? findPrice(context.catalog, change.to.priceId) : undefined;
    const terms = to && change.to ? engineTerms(to, change.to.quantity) : undefined;
    const configurationIds = [...new Set(mine.map((b) => b.configurationId))];
    let result: ReturnType<typeof prorate>;
    try {
      result = prorate(
        {
          currency: context.currency,
          timeZone: context.timeZone,
          period: context.period,
          prorationDate: context.prorationDate,
          billed: mine.map((b) => ({
            configurationId: b.configurationId,
            kind: b.kind,
            priceId: b.priceId,
            description: b.description,
            quantity: b.quantity,
            unitAmount: b.unitAmount,
            amount: b.amount,
            slice: b.slice,
          })),
          change: {
            type: change.type,
            ...(to && terms
              ? {
                  to: {
                    configurationId: `${change.subscriptionItemId}@${context.prorationDate}`,
                    priceId: to.id,
                    description: findProduct(context.catalog, to.productId).name,
                    unitAmount: terms.unitAmount,
                    quantity: terms.quantity,
                  },
                }
              : {}),
            ...(configurationIds.length > 0 ? { replaces: configurationIds } : { replaces: [] }),
            effective: 'immediately',
            prorationBehavior: context.behavior,
          },
          trial: context.trial,
        },
        {
          precision: config.prorationPrecision,
          roundingMode: config.prorationRounding,
          creditBasis: 'amount_charged',
        },
      );
    } catch (cause) {
      throw new BillingError(
        'BILLING_ENGINE_FAILURE',
        `The proration engine refused the change: ${(cause as Error).message}`,
        {
          engine: 'proration',
          code: (cause as { code?: string }).code ?? null,
          subscriptionItemId: change.subscriptionItemId,
        },
        { cause },
      );
    }
    for (const item of result.items) {
      allItems.push(item);
      billed.push({
        configurationId: item.configurationId,
        kind: item.kind,
        subscriptionItemId: change.subscriptionItemId,
        priceId: item.priceId,
        description: findProduct(context.catalog, findPrice(context.catalog, item.priceId).productId).name,
        quantity: item.quantity,
        unitAmount: item.unitAmount,
        amount: item.amount,
        slice: item.slice,
      });
      const displayQuantity = item.kind === 'credit' ? change.previousQuantity : (change.to?.quantity ?? 0);
      const fraction = `${item.fraction.numerator}/${item.fraction.denominator}`;
      pending.push({
        id: `${context.idPrefix}_${++n}`,
        description: item.description,
        amount: item.amount.amount,
        quantity: displayQuantity,
        unitAmount: null,
        period: item.slice,
        priceId: item.priceId,
        subscriptionItemId: change.subscriptionItemId,
        proration: true,
        inputs: {
          changeType: result.type,
          kind: item.kind,
          configurationId: item.configurationId,
          basis: item.basis.amount,
          fraction,
          unroundedAmount: item.unroundedAmount,
          precision: config.prorationPrecision,
          rounding: config.prorationRounding,
          prorationDate: result.prorationDate,
        },
        note: `${item.kind === 'credit' ? 'credit for unused time' : 'charge for remaining time'}: ${fraction} × ${item.basis.amount} = ${toFixedHalfUp(item.unroundedAmount, 4)} → ${item.amount.amount} (${config.prorationRounding})`,
        // A credit gives back what was paid, so it is discounted as its configuration was when charged;
        // a charge is discounted by what is in force now.
        discountPeriodsBilled: {
          ...discountStateAt(
            item.kind === 'credit' ? chargedAt(item.configurationId) : context.prorationDate,
          ),
        },
      });
    }
  }
  return { items: allItems, pending, billed };
}

import { type Money, money } from '@billkit/money';
import type { ChangeType, ProrationItem } from '@billkit/proration';
import {
  type ParsedProrationRequest,
  type ProrationItems,
  prorateParsedItems,
} from '@billkit/proration/internal';
import type { BillingConfig, ProrationBehavior } from './billing-config.js';
import { type Catalog, findPrice, findProduct } from './catalog.js';
import { toFixedHalfUp } from './decimal-text.js';
import { BillingError } from './errors.js';
import type { Price } from './price.js';
import { computePriceAmount } from './pricing.js';
import type { BilledLine, PendingInvoiceItem } from './subscription.js';
import { type BillingPeriod, parseInstantOrNaN, toIso } from './time.js';

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

/**
 * `toFixedHalfUp(item.unroundedAmount, 4)`: the unrounded amount to 4 places, half up. The unrounded
 * amount is basis × fraction (negated for a credit) carried to 40 places; with number-sized terms the
 * 4-place rounding of that exact product is computed directly (a 40-place rounding cannot move a value
 * across a 4-place half when the denominator is this small), else the 40-place text is rounded.
 */
export function fourPlaces(item: ProrationItem): string {
  const { numerator, denominator } = item.fraction;
  const product = item.basis.amount * numerator;
  const scaled = product * 10_000;
  if (
    Number.isSafeInteger(product) &&
    Number.isSafeInteger(scaled) &&
    Number.isSafeInteger(denominator) &&
    denominator > 0 &&
    denominator <= 900_000_000_000_000 &&
    product !== 0
  ) {
    const negative = product < 0 !== (item.kind === 'credit');
    const magnitude = scaled < 0 ? -scaled : scaled;
    const remainder = magnitude % denominator;
    let rounded = (magnitude - remainder) / denominator;
    if (remainder * 2 >= denominator) rounded += 1;
    const digits = String(rounded).padStart(5, '0');
    const point = digits.length - 4;
    // Like big.js, a negative value keeps its sign even when it rounds to zero ("-0.0000").
    return `${negative ? '-' : ''}${digits.slice(0, point)}.${digits.slice(point)}`;
  }
  return toFixedHalfUp(item.unroundedAmount, 4);
}

type EngineChange = ParsedProrationRequest['change'];

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
    /**
     * `true` when only `pending` is read (a preview invoices the items and discards the rest):
     * `items` and `billed` are then left empty. The catalog look-ups a billed line makes still run,
     * so an unknown price fails where it did.
     */
    readonly pendingOnly?: boolean;
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
      // The earliest charge of the configuration (Math.min over the charges' starts, as a loop).
      let earliest: number | undefined;
      for (const b of context.billed) {
        if (b.configurationId !== configurationId || b.kind !== 'charge') continue;
        const start = parseInstantOrNaN(b.slice.start);
        earliest = earliest === undefined ? start : Math.min(earliest, start);
      }
      at = earliest !== undefined ? toIso(earliest) : context.period.start;
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
    // This item's billed lines and, in order of first appearance, the configurations they pay for.
    // The engine reads a billed line's fields by name (never `subscriptionItemId`, never the object
    // itself): the lines are handed over as they are, not copied without that field.
    const engineBilled: ParsedProrationRequest['billed'] = [];
    const configurationIds: string[] = [];
    for (const b of context.billed) {
      if (b.subscriptionItemId !== change.subscriptionItemId) continue;
      engineBilled.push(b);
      if (!configurationIds.includes(b.configurationId)) configurationIds.push(b.configurationId);
    }
    const to = change.to ? findPrice(context.catalog, change.to.priceId) : undefined;
    const terms = to && change.to ? engineTerms(to, change.to.quantity) : undefined;
    // Written out field by field (no spreads); the same keys, in the same order, as before.
    const engineChange: { -readonly [K in keyof EngineChange]: EngineChange[K] } = {
      type: change.type,
    };
    // The new price's product name: the charge's description here, and its billed line's below.
    const toName = to && terms ? findProduct(context.catalog, to.productId).name : undefined;
    if (to && terms) {
      engineChange.to = {
        configurationId: `${change.subscriptionItemId}@${context.prorationDate}`,
        priceId: to.id,
        description: toName as string,
        unitAmount: terms.unitAmount,
        quantity: terms.quantity,
      };
    }
    engineChange.replaces = configurationIds;
    engineChange.effective = 'immediately';
    engineChange.prorationBehavior = context.behavior;
    let result: ProrationItems;
    try {
      // Built here from input validated at billing-core's entry: the engine does not parse it again.
      // Only the items are read: the engine skips the result's totals.
      result = prorateParsedItems(
        {
          currency: context.currency,
          timeZone: context.timeZone,
          period: context.period,
          prorationDate: context.prorationDate,
          billed: engineBilled,
          change: engineChange,
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
      // findPrice(catalog, to.id) is `to` itself: its product's name was looked up above.
      const description =
        to !== undefined && toName !== undefined && item.priceId === to.id
          ? toName
          : findProduct(context.catalog, findPrice(context.catalog, item.priceId).productId).name;
      if (context.pendingOnly !== true) {
        allItems.push(item);
        billed.push({
          configurationId: item.configurationId,
          kind: item.kind,
          subscriptionItemId: change.subscriptionItemId,
          priceId: item.priceId,
          description,
          quantity: item.quantity,
          unitAmount: item.unitAmount,
          amount: item.amount,
          slice: item.slice,
        });
      }
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
        note: `${item.kind === 'credit' ? 'credit for unused time' : 'charge for remaining time'}: ${fraction} × ${item.basis.amount} = ${fourPlaces(item)} → ${item.amount.amount} (${config.prorationRounding})`,
        // A credit gives back what was paid, so it is discounted as its configuration was when charged;
        // a charge is discounted by what is in force now.
        // A preview's pending items are only read (grouped by this state, never returned): they share
        // the memoised state; pending items that are kept each get their own copy.
        discountPeriodsBilled:
          context.pendingOnly === true
            ? discountStateAt(
                item.kind === 'credit' ? chargedAt(item.configurationId) : context.prorationDate,
              )
            : {
                ...discountStateAt(
                  item.kind === 'credit' ? chargedAt(item.configurationId) : context.prorationDate,
                ),
              },
      });
    }
  }
  return { items: allItems, pending, billed };
}

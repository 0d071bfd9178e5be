import {
  type Decimal,
  isCurrencyCode,
  type Money,
  money,
  multiplyExact,
  type RoundingMode,
  roundToMinorUnits,
  sum,
  zero,
} from '@billkit/money';
import { type BillingPeriod, periodEndFrom } from './billing-period.js';
import { type ChangeEffective, matchChangePolicy } from './change-policy.js';
import { describeItem } from './describe.js';
import { ProrationError } from './errors.js';
import { exactAmount } from './exact-amount.js';
import { toIso, toMillis } from './instant.js';
import {
  type DayBoundary,
  effectivePrecision,
  type Fraction,
  type ProrationPrecision,
  position,
  startOfNextDay,
} from './precision.js';
import type { ProrationItem, ProrationResult } from './proration-item.js';
import {
  type CreditBasis,
  type ParsedProrationOptions,
  type ParsedProrationRequest,
  type ProrationOptions,
  type ProrationRequest,
  prorationOptionsSchema,
  prorationRequestSchema,
} from './request.js';
import { parseWith } from './validate.js';

interface Line {
  readonly configurationId: string;
  readonly kind: 'charge' | 'credit';
  readonly priceId: string;
  readonly description: string | undefined;
  readonly quantity: number;
  readonly unitAmount: Money;
  readonly amount: Money;
  readonly startMs: number;
  readonly endMs: number;
}

interface Configuration {
  readonly id: string;
  readonly lines: Line[];
}

interface Context {
  readonly currency: string;
  readonly timeZone: string;
  readonly precision: ProrationPrecision;
  readonly roundingMode: RoundingMode;
  readonly periodStartMs: number;
  readonly periodEndMs: number;
  readonly periodUnits: number;
  readonly pos: (millis: number) => number;
}

function listPrice(unitAmount: Money, quantity: number): Money {
  // A product within the safe range is exact as a number (the bigint path gives the same Money, or
  // the same error once it is not safe).
  const product = unitAmount.amount * quantity;
  if (Number.isSafeInteger(product)) return money(product, unitAmount.currency);
  return money(BigInt(unitAmount.amount) * BigInt(quantity), unitAmount.currency);
}

/** Units of `[startMs, endMs)` that fall inside the position window `[w0, w1)`. */
function overlap(ctx: Context, startMs: number, endMs: number, w0: number, w1: number): number {
  return Math.max(0, Math.min(w1, ctx.pos(endMs)) - Math.max(w0, ctx.pos(startMs)));
}

/**
 * Units of time a configuration still pays for inside a window: its charges' slices minus the
 * slices already credited back. This is what keeps sequences honest: once a configuration's
 * unused time has been credited, that time is no longer covered and cannot be credited again.
 */
function coveredUnits(ctx: Context, configuration: Configuration, w0: number, w1: number): number {
  let units = 0;
  for (const line of configuration.lines) {
    const part = overlap(ctx, line.startMs, line.endMs, w0, w1);
    units += line.kind === 'credit' ? -part : part;
  }
  return units;
}

function round(ctx: Context, exact: Decimal): Money {
  return money(roundToMinorUnits(exact, ctx.roundingMode), ctx.currency);
}

function item(
  ctx: Context,
  fields: Omit<ProrationItem, 'unroundedAmount' | 'amount' | 'description' | 'slice'> & {
    readonly startMs: number;
    readonly endMs: number;
    readonly units: number;
    readonly planName: string;
    readonly lead: 'Unused time on' | 'Remaining time on' | 'New billing period on';
    readonly periodUnits: number;
  },
): ProrationItem | undefined {
  // Integer fast path for the 40-place product (see exact-amount.ts); big.js for anything else.
  const fast = exactAmount(
    fields.basis.amount,
    fields.fraction.numerator,
    fields.fraction.denominator,
    fields.kind === 'credit',
    ctx.roundingMode,
  );
  if (fast === null) return undefined;
  let unroundedAmount: string;
  let amount: Money;
  if (fast !== undefined) {
    unroundedAmount = fast.text;
    amount = money(fast.rounded, ctx.currency);
  } else {
    const magnitude = multiplyExact(fields.basis, fields.fraction);
    if (magnitude.eq(0)) return undefined;
    // `neg()` copies the digits with the sign flipped: the value `times(-1)` computed by long multiplication.
    const exact = fields.kind === 'credit' ? magnitude.neg() : magnitude;
    unroundedAmount = exact.toFixed();
    amount = round(ctx, exact);
  }
  return {
    kind: fields.kind,
    configurationId: fields.configurationId,
    priceId: fields.priceId,
    quantity: fields.quantity,
    unitAmount: fields.unitAmount,
    description: describeItem(
      fields.lead,
      fields.planName,
      fields.quantity,
      { startMs: fields.startMs, endMs: fields.endMs, units: fields.units, periodUnits: fields.periodUnits },
      ctx.precision,
      ctx.timeZone,
    ),
    slice: { start: toIso(fields.startMs), end: toIso(fields.endMs) },
    basis: fields.basis,
    fraction: fields.fraction,
    unroundedAmount,
    amount,
  };
}

/** Σ amounts, as `sum` computes it (and with its error once a running total leaves the safe range). */
function sumAmounts(amounts: readonly Money[], currency: string): Money {
  let result = 0;
  for (const amount of amounts) {
    result += amount.amount;
    if (!Number.isSafeInteger(result)) return sum(amounts, currency);
  }
  return money(result, currency);
}

function creditFor(
  ctx: Context,
  configuration: Configuration,
  creditStartMs: number,
  basis: CreditBasis,
): ProrationItem | undefined {
  // The latest charge line, and the span of every charge line (loops: no filtered copy, no spread).
  let latest: Line | undefined;
  let earliestStartMs = Number.POSITIVE_INFINITY;
  let latestEndMs = Number.NEGATIVE_INFINITY;
  for (const line of configuration.lines) {
    if (line.kind !== 'charge') continue;
    latest = line;
    if (line.startMs < earliestStartMs) earliestStartMs = line.startMs;
    if (line.endMs > latestEndMs) latestEndMs = line.endMs;
  }
  if (latest === undefined) return undefined;
  const w0 = ctx.pos(creditStartMs);
  const w1 = ctx.pos(ctx.periodEndMs);
  const total = coveredUnits(ctx, configuration, ctx.pos(ctx.periodStartMs), w1);
  const remaining = Math.min(total, coveredUnits(ctx, configuration, w0, w1));
  if (remaining <= 0) return undefined;
  let basisAmount: Money;
  let fraction: Fraction;
  if (basis === 'list_price') {
    basisAmount = listPrice(latest.unitAmount, latest.quantity);
    fraction = { numerator: remaining, denominator: ctx.periodUnits };
  } else {
    // What the customer actually paid for this configuration, spread over the time it still covers.
    basisAmount = sumAmounts(
      configuration.lines.map((line) => line.amount),
      ctx.currency,
    );
    if (basisAmount.amount <= 0) return undefined;
    fraction = { numerator: remaining, denominator: total };
  }
  const startMs = Math.max(creditStartMs, earliestStartMs);
  const endMs = latestEndMs;
  return item(ctx, {
    kind: 'credit',
    lead: 'Unused time on',
    configurationId: configuration.id,
    priceId: latest.priceId,
    planName: latest.description ?? latest.priceId,
    quantity: latest.quantity,
    unitAmount: latest.unitAmount,
    basis: basisAmount,
    fraction,
    startMs,
    endMs,
    units: remaining,
    periodUnits: ctx.periodUnits,
  });
}

function effectiveMillis(effective: ChangeEffective, prorationMs: number, periodEndMs: number): number {
  if (effective === 'immediately') return prorationMs;
  if (effective === 'period_end') return periodEndMs;
  return toMillis(effective.at);
}

function assertInPeriod(ctx: Context, millis: number, what: string): void {
  if (millis < ctx.periodStartMs || millis > ctx.periodEndMs) {
    throw new ProrationError(
      'PRORATION_CHANGE_OUTSIDE_PERIOD',
      `The ${what} ${toIso(millis)} is outside the current period ${toIso(ctx.periodStartMs)} – ${toIso(ctx.periodEndMs)}`,
      { instant: toIso(millis), period: { start: toIso(ctx.periodStartMs), end: toIso(ctx.periodEndMs) } },
    );
  }
}

function assertCurrency(currency: string, value: Money, where: string): void {
  if (value.currency !== currency) {
    throw new ProrationError(
      'PRORATION_CURRENCY_MISMATCH',
      `${where} is in ${value.currency}, the request is in ${currency}`,
      { expected: currency, actual: value.currency, where },
    );
  }
}

/**
 * Prorates one change to a subscription inside its current billing period.
 *
 * Credits every configuration the change ends for its unused time — from what was actually paid for
 * it (`billed`, after discounts) unless `creditBasis: 'list_price'` — and charges the new terms for
 * the rest of the period. Each item carries its slice, exact fraction, unrounded amount and the
 * amount rounded once; `net` is the sum of the rounded items. Pure: the same request gives the same
 * result, so a preview and the applied change match when they share `prorationDate`.
 *
 * @example
 * const result = prorate({
 *   currency: 'USD',
 *   period: { start: '2024-01-01T00:00:00Z', end: '2024-02-01T00:00:00Z' },
 *   prorationDate: '2024-01-16T00:00:00Z',
 *   billed: [{ configurationId: 'si_1', priceId: 'basic', quantity: 1, unitAmount: { amount: 3000, currency: 'USD' },
 *     amount: { amount: 3000, currency: 'USD' }, slice: { start: '2024-01-01T00:00:00Z', end: '2024-02-01T00:00:00Z' } }],
 *   change: { type: 'upgrade', to: { priceId: 'pro', quantity: 1, unitAmount: { amount: 6000, currency: 'USD' } } },
 * });
 * // items: credit −1548 (16/31 of $30), charge +3097 (16/31 of $60); net 1549
 */
export function prorate(request: ProrationRequest, options: ProrationOptions = {}): ProrationResult {
  return prorateParsed(
    parseWith(prorationRequestSchema, request, 'proration request'),
    parseWith(prorationOptionsSchema, options, 'proration options'),
  );
}

/**
 * {@link prorate} for a request and options already parsed: billing-core's, built from input it
 * validated at its own public entry (from `@billkit/proration/internal`, not part of the public API).
 * The schemas are not run again; the checks that relate fields to each other (currencies, slices
 * inside the period, the change's terms) still are.
 */
export function prorateParsed(req: ParsedProrationRequest, opts: ParsedProrationOptions): ProrationResult {
  return prorateWith(req, opts, true) as ProrationResult;
}

/** What {@link prorateParsedItems} answers: the change's type, the instant prorated at, the items. */
export type ProrationItems = Pick<ProrationResult, 'type' | 'prorationDate' | 'items'>;

/**
 * {@link prorateParsed}'s items only (billing-core reads nothing else): the same checks, items and
 * errors, without the totals (`net` is still summed, so an overflow fails as it did), the effective
 * instant or the policy fields.
 */
export function prorateParsedItems(
  req: ParsedProrationRequest,
  opts: ParsedProrationOptions,
): ProrationItems {
  return prorateWith(req, opts, false);
}

function prorateWith(
  req: ParsedProrationRequest,
  opts: ParsedProrationOptions,
  full: boolean,
): ProrationResult | ProrationItems {
  const { currency, change } = req;
  const timeZone = req.timeZone ?? 'UTC';
  const dayBoundary: DayBoundary = opts.dayBoundary ?? 'start_inclusive';

  const periodStartMs = toMillis(req.period.start);
  const periodEndMs = toMillis(req.period.end);
  const precision = effectivePrecision(opts.precision ?? 'second', periodStartMs, periodEndMs, timeZone);
  const pos = (millis: number) => position(millis, precision, timeZone);
  const periodUnits = pos(periodEndMs) - pos(periodStartMs);
  if (periodEndMs <= periodStartMs || periodUnits <= 0) {
    throw new ProrationError('PRORATION_INVALID_PERIOD', 'The period must end after it starts', {
      period: { start: toIso(periodStartMs), end: toIso(periodEndMs) },
    });
  }
  const ctx: Context = {
    currency,
    timeZone,
    precision,
    roundingMode: opts.roundingMode ?? 'half_up',
    periodStartMs,
    periodEndMs,
    periodUnits,
    pos,
  };

  const prorationMs = toMillis(req.prorationDate, 'prorationDate');
  assertInPeriod(ctx, prorationMs, 'proration date');

  // Group what was billed by configuration, checking every line on the way.
  const configurations = new Map<string, Configuration>();
  const billedLines = req.billed;
  for (let index = 0; index < billedLines.length; index += 1) {
    const billed = billedLines[index] as (typeof billedLines)[number];
    // The label is only built for the error (a string per line per call otherwise).
    if (billed.amount.currency !== currency)
      assertCurrency(currency, billed.amount, `billed[${index}].amount`);
    if (billed.unitAmount.currency !== currency)
      assertCurrency(currency, billed.unitAmount, `billed[${index}].unitAmount`);
    const kind = billed.kind ?? 'charge';
    if ((kind === 'charge' && billed.amount.amount < 0) || (kind === 'credit' && billed.amount.amount > 0)) {
      throw new ProrationError(
        'PRORATION_INVALID_REQUEST',
        `billed[${index}] is a ${kind} and cannot have amount ${billed.amount.amount}`,
        { index },
      );
    }
    const startMs = toMillis(billed.slice.start);
    const endMs = toMillis(billed.slice.end);
    if (startMs > endMs || startMs < periodStartMs || endMs > periodEndMs) {
      throw new ProrationError(
        'PRORATION_SLICE_OUTSIDE_PERIOD',
        `billed[${index}] covers ${toIso(startMs)} – ${toIso(endMs)}, not a slice of the current period`,
        { index },
      );
    }
    const line: Line = {
      configurationId: billed.configurationId,
      kind,
      priceId: billed.priceId,
      description: billed.description,
      quantity: billed.quantity,
      unitAmount: billed.unitAmount,
      amount: billed.amount,
      startMs,
      endMs,
    };
    const existing = configurations.get(billed.configurationId);
    if (existing) existing.lines.push(line);
    else configurations.set(billed.configurationId, { id: billed.configurationId, lines: [line] });
  }

  // The change itself: who it ends and what it moves to.
  const to = change.to;
  if (change.type === 'cancel' || change.type === 'pause') {
    if (to !== undefined) {
      throw new ProrationError(
        'PRORATION_INVALID_REQUEST',
        `A ${change.type} has no new terms; drop change.to`,
      );
    }
  } else if (to === undefined) {
    throw new ProrationError('PRORATION_INVALID_REQUEST', `A ${change.type} needs change.to (the new terms)`);
  }
  if (to !== undefined) assertCurrency(currency, to.unitAmount, 'change.to.unitAmount');
  if (change.type === 'interval_change' && to?.interval === undefined) {
    throw new ProrationError('PRORATION_UNKNOWN_INTERVAL', 'An interval_change needs change.to.interval');
  }
  for (const id of change.replaces ?? []) {
    if (!configurations.has(id)) {
      throw new ProrationError(
        'PRORATION_UNKNOWN_CONFIGURATION',
        `change.replaces names ${id}, which was not billed`,
        {
          configurationId: id,
        },
      );
    }
  }
  const candidates = change.replaces
    ? change.replaces.map((id) => configurations.get(id) as Configuration)
    : [...configurations.values()];
  const endPosition = pos(periodEndMs);
  const activeAt = (millis: number): Configuration[] => {
    const from = pos(millis);
    const active: Configuration[] = [];
    for (const c of candidates) if (coveredUnits(ctx, c, from, endPosition) > 0) active.push(c);
    return active;
  };

  // When it takes effect and what happens to the money: the change's own word, then the policy table.
  // The policy's `from` is the one price the active configurations were billed at (none when several).
  let fromPrice: string | undefined;
  let fromPrices = 0;
  for (const c of activeAt(prorationMs)) {
    for (const line of c.lines) {
      if (fromPrices === 0) {
        fromPrice = line.priceId;
        fromPrices = 1;
      } else if (line.priceId !== fromPrice) fromPrices = 2;
    }
  }
  const policy = matchChangePolicy(opts.changePolicy ?? [], {
    from: fromPrices === 1 ? fromPrice : undefined,
    to: to?.priceId,
    type: change.type,
  });
  const effective = change.effective ?? policy.effective;
  const behavior =
    change.prorationBehavior ?? policy.prorationBehavior ?? opts.prorationBehavior ?? 'create_prorations';
  const effectiveMs = effectiveMillis(effective, prorationMs, periodEndMs);
  assertInPeriod(ctx, effectiveMs, 'effective date');

  const newPeriod: BillingPeriod | undefined =
    change.type === 'interval_change' && to?.interval !== undefined
      ? { start: toIso(effectiveMs), end: toIso(periodEndFrom(effectiveMs, to.interval, timeZone)) }
      : undefined;

  const items: ProrationItem[] = [];
  if (!req.trial && behavior !== 'none' && effectiveMs < periodEndMs) {
    // With both-inclusive days the old terms keep the change day, so their unused time starts the next day.
    const creditStartMs =
      precision !== 'second' && dayBoundary === 'both_inclusive'
        ? Math.min(periodEndMs, startOfNextDay(effectiveMs, timeZone))
        : effectiveMs;
    for (const configuration of activeAt(effectiveMs)) {
      const credit = creditFor(ctx, configuration, creditStartMs, opts.creditBasis ?? 'amount_charged');
      if (credit) items.push(credit);
    }
    if (to !== undefined) {
      const configurationId = to.configurationId ?? `${to.priceId}@${toIso(effectiveMs)}`;
      // The charge's fields are written out for each branch (no `...common` spread): the object
      // spread was a measurable share of every proration's own time.
      const planName = to.description ?? to.priceId;
      const basis = listPrice(to.unitAmount, to.quantity);
      const chargeTo = (
        lead: 'New billing period on' | 'Remaining time on',
        endMs: number,
        of: number | undefined, // the units the fraction is taken of; default the charged units
      ) => {
        const units = pos(endMs) - pos(effectiveMs);
        const whole = of ?? units;
        return item(ctx, {
          kind: 'charge',
          configurationId,
          priceId: to.priceId,
          planName,
          quantity: to.quantity,
          unitAmount: to.unitAmount,
          basis,
          lead,
          fraction: { numerator: units, denominator: whole },
          startMs: effectiveMs,
          endMs,
          units,
          periodUnits: whole,
        });
      };
      // A new interval restarts the cycle now: its first period is charged in full (units / units).
      const charge = newPeriod
        ? chargeTo('New billing period on', toMillis(newPeriod.end), undefined)
        : chargeTo('Remaining time on', periodEndMs, periodUnits);
      if (charge) items.push(charge);
    }
  }

  if (!full) {
    // `net` is not returned: only sumAmounts' refusals are kept (a running total out of the safe range
    // fails in sum() at the same step; an unknown currency in money()).
    let total = 0;
    for (const i of items) {
      total += i.amount.amount;
      if (!Number.isSafeInteger(total)) {
        sum(
          items.map((x) => x.amount),
          currency,
        );
        break;
      }
    }
    if (!isCurrencyCode(currency)) money(total, currency);
    return { type: change.type, prorationDate: toIso(prorationMs), items };
  }
  const net = sumAmounts(
    items.map((i) => i.amount),
    currency,
  );
  const toBalance = opts.creditHandling === 'credit_balance' && net.amount < 0;
  return {
    type: change.type,
    prorationDate: toIso(prorationMs),
    effectiveAt: toIso(effectiveMs),
    prorationBehavior: behavior,
    invoiceNow: items.length > 0 && (behavior === 'always_invoice' || newPeriod !== undefined),
    items,
    net,
    amountDue: toBalance ? zero(currency) : net,
    creditBalance: toBalance ? money(-net.amount, currency) : zero(currency),
    ...(newPeriod ? { newPeriod } : {}),
    ...(policy.ruleIndex !== undefined && change.effective === undefined
      ? { policyRuleIndex: policy.ruleIndex }
      : {}),
  };
}

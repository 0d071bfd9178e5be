import { describe, expect, it } from 'vitest';
import {
  type BilledLine,
  isProrationError,
  type ProrationOptions,
  type ProrationRequest,
  prorate,
} from '../src/index.js';
import { APR_2024, amounts, cash, JAN_2024, periodCharge, usd } from './fixtures.js';

const BASIC = { priceId: 'price_basic', description: 'Basic', unitAmount: usd(3000), quantity: 1 };
const PRO = { priceId: 'price_pro', description: 'Pro', unitAmount: usd(6000), quantity: 1 };

function upgradeRequest(
  period: { start: string; end: string },
  prorationDate: string,
  overrides: Partial<ProrationRequest> = {},
): ProrationRequest {
  return {
    currency: 'USD',
    period,
    prorationDate,
    billed: [periodCharge(period, { unitAmount: usd(3000) })],
    change: { type: 'upgrade', to: PRO },
    ...overrides,
  };
}

describe('upgrades mid-period', () => {
  it.each([
    [
      '28-day February 2023',
      { start: '2023-02-01T00:00:00Z', end: '2023-03-01T00:00:00Z' },
      '2023-02-15T00:00:00Z',
    ],
    [
      '29-day February 2024',
      { start: '2024-02-01T00:00:00Z', end: '2024-03-01T00:00:00Z' },
      '2024-02-15T12:00:00Z',
    ],
    ['30-day April 2024', APR_2024, '2024-04-16T00:00:00Z'],
    ['31-day January 2024', JAN_2024, '2024-01-16T12:00:00Z'],
  ])('credits half of $30 and charges half of $60 exactly mid-month in a %s', (_name, period, midpoint) => {
    const result = prorate(upgradeRequest(period, midpoint));
    expect(amounts(result.items)).toEqual([-1500, 3000]);
    expect(result.items.map((item) => item.kind)).toEqual(['credit', 'charge']);
    expect(result.net).toEqual(usd(1500));
  });

  it.each([
    // Day precision: the change day belongs to the new plan; remaining days / days in month.
    [
      'February 2023, 14 of 28 days',
      { start: '2023-02-01T00:00:00Z', end: '2023-03-01T00:00:00Z' },
      '2023-02-15T09:00:00Z',
      [-1500, 3000],
    ],
    // 3000 × 15/29 = 1551.72; 6000 × 15/29 = 3103.45
    [
      'February 2024, 15 of 29 days',
      { start: '2024-02-01T00:00:00Z', end: '2024-03-01T00:00:00Z' },
      '2024-02-15T09:00:00Z',
      [-1552, 3103],
    ],
    ['April 2024, 15 of 30 days', APR_2024, '2024-04-16T09:00:00Z', [-1500, 3000]],
    // 3000 × 16/31 = 1548.39; 6000 × 16/31 = 3096.77
    ['January 2024, 16 of 31 days', JAN_2024, '2024-01-16T09:00:00Z', [-1548, 3097]],
  ])('prorates by whole days in %s', (_name, period, at, expected) => {
    expect(amounts(prorate(upgradeRequest(period, at), { precision: 'day' }).items)).toEqual(expected);
  });

  it('describes each item in plain words with its slice', () => {
    const [credit, charge] = prorate(upgradeRequest(JAN_2024, '2024-01-16T00:00:00Z')).items;
    expect(credit?.description).toBe('Unused time on Basic × 1 from 16 Jan 2024 00:00 to 1 Feb 2024 00:00');
    expect(charge?.description).toBe('Remaining time on Pro × 1 from 16 Jan 2024 00:00 to 1 Feb 2024 00:00');
    expect(charge?.slice).toEqual({ start: '2024-01-16T00:00:00.000Z', end: '2024-02-01T00:00:00.000Z' });
    expect(charge?.fraction).toEqual({ numerator: 16 * 86_400, denominator: 31 * 86_400 });
    expect(charge?.unroundedAmount.startsWith('3096.774193548387')).toBe(true);
  });
});

describe('period edges', () => {
  it('credits and charges the whole period on its first second', () => {
    const result = prorate(upgradeRequest(JAN_2024, JAN_2024.start));
    expect(amounts(result.items)).toEqual([-3000, 6000]);
  });

  it.each([
    ['half_up', [0, 0]],
    ['up', [-1, 1]],
  ] as const)(
    'prorates one second on the last second of the period (rounding %s)',
    (roundingMode, expected) => {
      const result = prorate(upgradeRequest(JAN_2024, '2024-01-31T23:59:59Z'), { roundingMode });
      expect(result.items.map((item) => item.fraction)).toEqual([
        { numerator: 1, denominator: 31 * 86_400 },
        { numerator: 1, denominator: 31 * 86_400 },
      ]);
      expect(amounts(result.items)).toEqual(expected);
      expect(result.net.amount).toBe(0);
    },
  );

  it('produces no items for a change at the very end of the period', () => {
    expect(prorate(upgradeRequest(JAN_2024, JAN_2024.end)).items).toEqual([]);
  });
});

describe('quantity changes', () => {
  it.each([
    ['adds seats 3 → 5', 5, [-1500, 2500], 1000],
    ['removes seats 3 → 1', 1, [-1500, 500], -1000],
    ['removes every seat 3 → 0', 0, [-1500], -1500],
  ])('%s at the middle of April', (_name, quantity, expected, net) => {
    const result = prorate({
      currency: 'USD',
      period: APR_2024,
      prorationDate: '2024-04-16T00:00:00Z',
      billed: [periodCharge(APR_2024, { unitAmount: usd(1000), quantity: 3, priceId: 'price_seat' })],
      change: { type: 'quantity_change', to: { priceId: 'price_seat', unitAmount: usd(1000), quantity } },
    });
    expect(amounts(result.items)).toEqual(expected);
    expect(result.net.amount).toBe(net);
  });
});

describe('cancellation, pause and resume', () => {
  const billed = [periodCharge(APR_2024, { unitAmount: usd(3000) })];
  const base = { currency: 'USD', period: APR_2024, prorationDate: '2024-04-16T00:00:00Z', billed };

  it.each([
    ['immediately', 'immediately', [-1500], '2024-04-16T00:00:00.000Z'],
    ['at period end', 'period_end', [], '2024-05-01T00:00:00.000Z'],
    [
      'at a chosen instant (Apr 21, 10 of 30 days left)',
      { at: '2024-04-21T00:00:00Z' },
      [-1000],
      '2024-04-21T00:00:00.000Z',
    ],
  ] as const)('cancels %s', (_name, effective, expected, effectiveAt) => {
    const result = prorate({ ...base, change: { type: 'cancel', effective } });
    expect(amounts(result.items)).toEqual(expected);
    expect(result.effectiveAt).toBe(effectiveAt);
  });

  it('credits unused time on pause and charges only the resumed remainder, without crediting twice', () => {
    const paused = prorate({ ...base, change: { type: 'pause' } });
    expect(amounts(paused.items)).toEqual([-1500]);
    const resumed = prorate({
      ...base,
      prorationDate: '2024-04-24T00:00:00Z',
      billed: [...billed, ...paused.items],
      change: { type: 'resume', to: { ...BASIC, configurationId: 'si_resumed' } },
    });
    // 7 days of 30 left: 3000 × 7/30 = 700; the paused configuration has nothing left to credit.
    expect(resumed.items.map((item) => [item.kind, item.configurationId, item.amount.amount])).toEqual([
      ['charge', 'si_resumed', 700],
    ]);
  });
});

describe('sequences of changes in one period', () => {
  // $31/month Basic: $1 a day in January, which makes every expected value a whole number of days.
  const basic = { priceId: 'price_basic', description: 'Basic', unitAmount: usd(3100) };
  const pro = { priceId: 'price_pro', description: 'Pro', unitAmount: usd(6200) };

  function threeChanges(original: BilledLine) {
    const step = (prorationDate: string, billed: BilledLine[], change: ProrationRequest['change']) =>
      prorate({ currency: 'USD', period: JAN_2024, prorationDate, billed, change });
    const first = step('2024-01-05T00:00:00Z', [original], {
      type: 'upgrade',
      to: { ...pro, quantity: 1, configurationId: 'pro_x1' },
    });
    const afterFirst = [original, ...first.items];
    const second = step('2024-01-12T00:00:00Z', afterFirst, {
      type: 'quantity_change',
      to: { ...pro, quantity: 3, configurationId: 'pro_x3' },
    });
    const afterSecond = [...afterFirst, ...second.items];
    const third = step('2024-01-20T00:00:00Z', afterSecond, {
      type: 'downgrade',
      to: { ...basic, quantity: 3, configurationId: 'basic_x3' },
    });
    return [first, second, third] as const;
  }

  it('upgrade on day 5, seats on day 12, downgrade on day 20: each earlier configuration is credited once', () => {
    const original = periodCharge(JAN_2024, { ...basic, configurationId: 'basic_x1' });
    const [first, second, third] = threeChanges(original);
    const summary = (items: typeof first.items) => items.map((i) => [i.configurationId, i.amount.amount]);
    // Day 5: 27 days left. Basic paid 3100 → credit 2700; Pro 6200 × 27/31 = 5400.
    expect(summary(first.items)).toEqual([
      ['basic_x1', -2700],
      ['pro_x1', 5400],
    ]);
    // Day 12: 20 days left. Only Pro ×1 is still active: 5400 × 20/27 = 4000; Pro ×3: 18600 × 20/31 = 12000.
    expect(summary(second.items)).toEqual([
      ['pro_x1', -4000],
      ['pro_x3', 12000],
    ]);
    // Day 20: 12 days left. Pro ×3: 12000 × 12/20 = 7200; Basic ×3: 9300 × 12/31 = 3600.
    expect(summary(third.items)).toEqual([
      ['pro_x3', -7200],
      ['basic_x3', 3600],
    ]);
    // Paid in total: 4 days Basic ($4) + 7 days Pro ($14) + 8 days 3×Pro ($48) + 12 days 3×Basic ($36).
    const total = [
      original.amount,
      ...[first, second, third].flatMap((r) => r.items.map((i) => i.amount)),
    ].reduce((acc, m) => acc + m.amount, 0);
    expect(total).toBe(400 + 1400 + 4800 + 3600);
  });

  it('credits a discounted original charge from what was paid, not from the list price', () => {
    const original = periodCharge(JAN_2024, { ...basic, configurationId: 'basic_x1', amount: usd(1550) });
    const [first] = threeChanges(original);
    expect(first.items[0]?.amount.amount).toBe(-1350); // 1550 × 27/31
  });

  it('gives no credit for a 100%-off month', () => {
    const original = periodCharge(JAN_2024, { ...basic, configurationId: 'basic_x1', amount: usd(0) });
    const [first] = threeChanges(original);
    expect(first.items.map((item) => item.kind)).toEqual(['charge']);
  });

  it('credits only the configurations a change replaces', () => {
    const result = prorate({
      currency: 'USD',
      period: APR_2024,
      prorationDate: '2024-04-16T00:00:00Z',
      billed: [
        periodCharge(APR_2024, { configurationId: 'si_plan', unitAmount: usd(3000) }),
        periodCharge(APR_2024, { configurationId: 'si_addon', priceId: 'price_addon', unitAmount: usd(800) }),
      ],
      change: { type: 'upgrade', replaces: ['si_plan'], to: PRO },
    });
    expect(result.items.map((i) => [i.configurationId, i.amount.amount])).toEqual([
      ['si_plan', -1500],
      ['price_pro@2024-04-16T00:00:00.000Z', 3000],
    ]);
  });
});

describe('credit basis, behaviours and credit handling', () => {
  const discounted = [periodCharge(APR_2024, { unitAmount: usd(3000), amount: usd(1500) })];
  const request = (overrides: Partial<ProrationRequest> = {}): ProrationRequest => ({
    currency: 'USD',
    period: APR_2024,
    prorationDate: '2024-04-16T00:00:00Z',
    billed: discounted,
    change: { type: 'upgrade', to: PRO },
    ...overrides,
  });

  it.each<[ProrationOptions['creditBasis'], number]>([
    ['amount_charged', -750],
    ['list_price', -1500],
  ])('credits a half-price month with basis %s as %i', (creditBasis, credit) => {
    expect(prorate(request(), { creditBasis }).items[0]?.amount.amount).toBe(credit);
  });

  it.each([
    ['create_prorations', 2, false],
    ['always_invoice', 2, true],
    ['none', 0, false],
  ] as const)(
    'with behavior %s returns %i items (invoice now: %s)',
    (prorationBehavior, count, invoiceNow) => {
      const result = prorate(request({ change: { type: 'upgrade', to: PRO, prorationBehavior } }));
      expect(result.items).toHaveLength(count);
      expect(result.invoiceNow).toBe(invoiceNow);
      expect(result.effectiveAt).toBe('2024-04-16T00:00:00.000Z');
    },
  );

  it.each([
    ['invoice', -1500, 0],
    ['credit_balance', 0, 1500],
  ] as const)(
    'a downgrade credit with handling %s is due %i with balance %i',
    (creditHandling, due, balance) => {
      const result = prorate(
        request({
          billed: [periodCharge(APR_2024, { unitAmount: usd(6000) })],
          change: { type: 'downgrade', to: BASIC },
        }),
        { creditHandling },
      );
      expect(result.net).toEqual(usd(-1500)); // −3000 + 1500
      expect(result.amountDue).toEqual(usd(due));
      expect(result.creditBalance).toEqual(usd(balance));
    },
  );

  it('produces no items during a trial', () => {
    const result = prorate(request({ trial: true }));
    expect(result.items).toEqual([]);
    expect(result.net).toEqual(usd(0));
  });

  it('gives identical results for a preview and the apply a minute later when both state the proration date', () => {
    const preview = prorate(request({ prorationDate: new Date('2024-04-16T10:20:30Z') }));
    const applied = prorate(request({ prorationDate: '2024-04-16T06:20:30-04:00' }));
    expect(applied).toEqual(preview);
  });
});

describe('change policy', () => {
  const changePolicy: ProrationOptions['changePolicy'] = [
    { type: 'downgrade', effective: 'period_end' },
    { from: 'price_pro', to: 'price_basic', effective: 'period_end', prorationBehavior: 'none' },
    { from: 'price_basic', to: 'price_pro', effective: { at: '2024-04-21T00:00:00Z' } },
  ];
  const base = { currency: 'USD', period: APR_2024, prorationDate: '2024-04-16T00:00:00Z' };

  it('applies a from/to rule: Basic → Pro takes effect at the policy instant', () => {
    const result = prorate(
      {
        ...base,
        billed: [periodCharge(APR_2024, { unitAmount: usd(3000) })],
        change: { type: 'upgrade', to: PRO },
      },
      { changePolicy },
    );
    expect(result.effectiveAt).toBe('2024-04-21T00:00:00.000Z');
    expect(amounts(result.items)).toEqual([-1000, 2000]); // 10 of 30 days
    expect(result.policyRuleIndex).toBe(2);
  });

  it('lets the change state its own timing over the policy table', () => {
    const result = prorate(
      {
        ...base,
        billed: [periodCharge(APR_2024, { unitAmount: usd(3000) })],
        change: { type: 'upgrade', to: PRO, effective: 'immediately' },
      },
      { changePolicy },
    );
    expect(amounts(result.items)).toEqual([-1500, 3000]);
  });

  it('never reclassifies: a caller-labelled upgrade to a cheaper yearly-equivalent price is not a downgrade', () => {
    const result = prorate(
      {
        ...base,
        billed: [periodCharge(APR_2024, { priceId: 'price_team', unitAmount: usd(6000) })],
        change: { type: 'upgrade', to: { priceId: 'price_starter', unitAmount: usd(3000), quantity: 1 } },
      },
      { changePolicy },
    );
    expect(result.effectiveAt).toBe('2024-04-16T00:00:00.000Z');
    expect(amounts(result.items)).toEqual([-3000, 1500]);
  });
});

describe('interval changes', () => {
  it('ends the month now and charges the first yearly period in full', () => {
    const result = prorate({
      currency: 'USD',
      period: JAN_2024,
      prorationDate: '2024-01-16T00:00:00Z',
      billed: [periodCharge(JAN_2024, { unitAmount: usd(3000) })],
      change: {
        type: 'interval_change',
        to: { priceId: 'price_yearly', unitAmount: usd(30000), quantity: 1, interval: { interval: 'year' } },
      },
    });
    expect(amounts(result.items)).toEqual([-1548, 30000]);
    expect(result.newPeriod).toEqual({ start: '2024-01-16T00:00:00.000Z', end: '2025-01-16T00:00:00.000Z' });
    expect(result.invoiceNow).toBe(true);
  });

  it('at period end makes no items and starts the new interval when the month ends', () => {
    const result = prorate({
      currency: 'USD',
      period: JAN_2024,
      prorationDate: '2024-01-16T00:00:00Z',
      billed: [periodCharge(JAN_2024, { unitAmount: usd(3000) })],
      change: {
        type: 'interval_change',
        effective: 'period_end',
        to: { priceId: 'price_yearly', unitAmount: usd(30000), quantity: 1, interval: { interval: 'year' } },
      },
    });
    expect(result.items).toEqual([]);
    expect(result.newPeriod).toEqual({ start: '2024-02-01T00:00:00.000Z', end: '2025-02-01T00:00:00.000Z' });
  });
});

describe('yearly plans, currencies and time zones', () => {
  it.each([
    // Leap year 2024: Jul 2 leaves 183 of 366 days, exactly half.
    [
      'leap year 2024',
      { start: '2024-01-01T00:00:00Z', end: '2025-01-01T00:00:00Z' },
      '2024-07-02T00:00:00Z',
      [-6000, 12000],
    ],
    // 2023: 183 of 365 days. 12000 × 183/365 = 6016.44; 24000 × 183/365 = 12032.88.
    [
      'common year 2023',
      { start: '2023-01-01T00:00:00Z', end: '2024-01-01T00:00:00Z' },
      '2023-07-02T00:00:00Z',
      [-6016, 12033],
    ],
  ])('prorates a yearly plan in a %s', (_name, period, at, expected) => {
    const result = prorate({
      currency: 'USD',
      period,
      prorationDate: at,
      billed: [periodCharge(period, { unitAmount: usd(12000) })],
      change: { type: 'upgrade', to: { priceId: 'price_pro_yearly', unitAmount: usd(24000), quantity: 1 } },
    });
    expect(amounts(result.items)).toEqual(expected);
  });

  it.each([
    // ¥1,000 → ¥3,000 with 11 of 31 days left: 354.84 → 355, 1064.52 → 1065 (yen have no minor unit).
    ['JPY', JAN_2024, '2024-01-21T00:00:00Z', 1000, 3000, [-355, 1065], 710],
    // 10.000 KWD → 25.000 KWD (fils) with 10 of 29 days left: 3448.28 → 3448, 8620.69 → 8621.
    [
      'KWD',
      { start: '2024-02-01T00:00:00Z', end: '2024-03-01T00:00:00Z' },
      '2024-02-20T00:00:00Z',
      10000,
      25000,
      [-3448, 8621],
      5173,
    ],
  ])('prorates %s in its own minor units', (currency, period, at, from, to, expected, net) => {
    const m = cash(currency);
    const result = prorate({
      currency,
      period,
      prorationDate: at,
      billed: [periodCharge(period, { unitAmount: m(from) })],
      change: { type: 'upgrade', to: { priceId: 'price_pro', unitAmount: m(to), quantity: 1 } },
    });
    expect(amounts(result.items)).toEqual(expected);
    expect(result.net).toEqual(m(net));
  });

  // March 2024 in New York: Mar 1 00:00 EST → Apr 1 00:00 EDT is 743 hours, not 744.
  const MARCH_NY = { start: '2024-03-01T05:00:00Z', end: '2024-04-01T04:00:00Z' };
  it.each([
    // 16 days (384 h) of 743 h: 3000 × 384/743 = 1550.47; 6000 × 384/743 = 3100.94.
    ['second', [-1550, 3101]],
    // 16 local days of 31: 1548.39, 3096.77.
    ['day', [-1548, 3097]],
  ] as const)('prorates across the spring-forward in America/New_York by the %s', (precision, expected) => {
    const result = prorate(
      {
        currency: 'USD',
        timeZone: 'America/New_York',
        period: MARCH_NY,
        prorationDate: '2024-03-16T00:00:00-04:00',
        billed: [periodCharge(MARCH_NY, { unitAmount: usd(3000) })],
        change: { type: 'upgrade', to: PRO },
      },
      { precision },
    );
    expect(amounts(result.items)).toEqual(expected);
  });

  it('bills the change day under both plans with the both-inclusive day convention', () => {
    const result = prorate(upgradeRequest(JAN_2024, '2024-01-16T10:00:00Z'), {
      precision: 'day',
      dayBoundary: 'both_inclusive',
    });
    // Basic is credited from Jan 17 (15 days): 1451.61; Pro is charged from Jan 16 (16 days): 3096.77.
    expect(amounts(result.items)).toEqual([-1452, 3097]);
    expect(result.items[0]?.slice.start).toBe('2024-01-17T00:00:00.000Z');
  });

  it('prorates fixed 30-day months: Feb 15 2024 leaves 16 of 30 days', () => {
    const period = { start: '2024-02-01T00:00:00Z', end: '2024-03-01T00:00:00Z' };
    const result = prorate(
      upgradeRequest(period, '2024-02-15T00:00:00Z', {
        billed: [periodCharge(period, { unitAmount: usd(3000) })],
      }),
      {
        precision: 'thirty_day_month',
      },
    );
    expect(amounts(result.items)).toEqual([-1600, 3200]);
  });
});

describe('typed errors', () => {
  const valid = upgradeRequest(APR_2024, '2024-04-16T00:00:00Z');
  it.each<[string, ProrationRequest, string]>([
    [
      'a proration date before the period',
      { ...valid, prorationDate: '2024-03-31T23:59:59Z' },
      'PRORATION_CHANGE_OUTSIDE_PERIOD',
    ],
    [
      'a proration date after the period',
      { ...valid, prorationDate: '2024-05-01T00:00:01Z' },
      'PRORATION_CHANGE_OUTSIDE_PERIOD',
    ],
    [
      'an effective instant outside the period',
      { ...valid, change: { type: 'upgrade', to: PRO, effective: { at: '2024-06-01T00:00:00Z' } } },
      'PRORATION_CHANGE_OUTSIDE_PERIOD',
    ],
    [
      'a negative new quantity',
      { ...valid, change: { type: 'upgrade', to: { ...PRO, quantity: -1 } } },
      'PRORATION_NEGATIVE_QUANTITY',
    ],
    [
      'a negative billed quantity',
      { ...valid, billed: [{ ...periodCharge(APR_2024, { unitAmount: usd(3000) }), quantity: -2 }] },
      'PRORATION_NEGATIVE_QUANTITY',
    ],
    [
      'a new price in another currency',
      {
        ...valid,
        change: { type: 'upgrade', to: { ...PRO, unitAmount: { amount: 6000, currency: 'EUR' } } },
      },
      'PRORATION_CURRENCY_MISMATCH',
    ],
    [
      'a billed line in another currency',
      { ...valid, billed: [periodCharge(APR_2024, { unitAmount: cash('EUR')(3000) })] },
      'PRORATION_CURRENCY_MISMATCH',
    ],
    [
      'an unknown interval',
      {
        ...valid,
        change: { type: 'interval_change', to: { ...PRO, interval: { interval: 'decade' } as never } },
      },
      'PRORATION_UNKNOWN_INTERVAL',
    ],
    [
      'an interval change without an interval',
      { ...valid, change: { type: 'interval_change', to: PRO } },
      'PRORATION_UNKNOWN_INTERVAL',
    ],
    ['an upgrade without new terms', { ...valid, change: { type: 'upgrade' } }, 'PRORATION_INVALID_REQUEST'],
    [
      'a cancellation with new terms',
      { ...valid, change: { type: 'cancel', to: PRO } },
      'PRORATION_INVALID_REQUEST',
    ],
    [
      'replacing a configuration that was never billed',
      { ...valid, change: { type: 'upgrade', to: PRO, replaces: ['si_ghost'] } },
      'PRORATION_UNKNOWN_CONFIGURATION',
    ],
    [
      'a billed slice from the previous period',
      {
        ...valid,
        billed: [
          periodCharge(
            { start: '2024-03-01T00:00:00Z', end: '2024-04-01T00:00:00Z' },
            { unitAmount: usd(3000) },
          ),
        ],
      },
      'PRORATION_SLICE_OUTSIDE_PERIOD',
    ],
    [
      'a period that ends before it starts',
      { ...valid, period: { start: APR_2024.end, end: APR_2024.start } },
      'PRORATION_INVALID_PERIOD',
    ],
    [
      'a local time without an offset',
      { ...valid, prorationDate: '2024-04-16T00:00:00' },
      'PRORATION_INVALID_REQUEST',
    ],
    ['an unknown time zone', { ...valid, timeZone: 'Mars/Olympus_Mons' }, 'PRORATION_INVALID_TIME_ZONE'],
  ])('refuses %s', (_name, request, code) => {
    let caught: unknown;
    try {
      prorate(request);
    } catch (error) {
      caught = error;
    }
    expect(isProrationError(caught)).toBe(true);
    expect((caught as { code: string }).code).toBe(code);
  });
});

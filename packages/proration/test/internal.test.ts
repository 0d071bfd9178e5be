import { describe, expect, it } from 'vitest';
import {
  type ProrationOptions,
  type ProrationRequest,
  prorate,
  prorationOptionsSchema,
  prorationRequestSchema,
} from '../src/index.js';
import { prorateParsed, prorateParsedItems } from '../src/internal.js';
import { APR_2024, JAN_2024, periodCharge, usd } from './fixtures.js';

const PRO = { priceId: 'price_pro', description: 'Pro', unitAmount: usd(6000), quantity: 1 };

/** Requests of every shape the engine is called with: the tests' fixtures and billing-core's. */
const REQUESTS: [string, ProrationRequest][] = [
  [
    'a plain upgrade',
    {
      currency: 'USD',
      period: JAN_2024,
      prorationDate: '2024-01-16T12:00:00Z',
      billed: [periodCharge(JAN_2024, { unitAmount: usd(3000) })],
      change: { type: 'upgrade', to: PRO },
    },
  ],
  [
    'a cancel with a time zone and a trial flag',
    {
      currency: 'USD',
      timeZone: 'America/New_York',
      period: APR_2024,
      prorationDate: '2024-04-10T15:00:00-04:00',
      billed: [periodCharge(APR_2024, { unitAmount: usd(3000), quantity: 2 })],
      change: { type: 'cancel' },
      trial: false,
    },
  ],
  [
    "billing-core's per-item request (credits, replaces, effective, behavior)",
    {
      currency: 'USD',
      timeZone: 'America/Chicago',
      period: { start: '2026-01-01T06:00:00.000Z', end: '2026-02-01T06:00:00.000Z' },
      prorationDate: '2026-01-16T06:00:00.000Z',
      billed: [
        {
          configurationId: 'si_0@2026-01-01T06:00:00.000Z',
          kind: 'charge',
          priceId: 'basic_0',
          description: 'Service 0',
          quantity: 1,
          unitAmount: usd(2000),
          amount: usd(2000),
          slice: { start: '2026-01-01T06:00:00.000Z', end: '2026-02-01T06:00:00.000Z' },
        },
        {
          configurationId: 'si_0@2026-01-01T06:00:00.000Z',
          kind: 'credit',
          priceId: 'basic_0',
          description: 'Service 0',
          quantity: 1,
          unitAmount: usd(2000),
          amount: usd(-500),
          slice: { start: '2026-01-24T06:00:00.000Z', end: '2026-02-01T06:00:00.000Z' },
        },
      ],
      change: {
        type: 'upgrade',
        to: {
          configurationId: 'si_0@2026-01-16T06:00:00.000Z',
          priceId: 'plus_0',
          description: 'Service 0',
          unitAmount: usd(3500),
          quantity: 3,
        },
        replaces: ['si_0@2026-01-01T06:00:00.000Z'],
        effective: 'immediately',
        prorationBehavior: 'always_invoice',
      },
      trial: false,
    },
  ],
];

const OPTIONS: ProrationOptions[] = [
  {},
  { precision: 'second', roundingMode: 'half_up', creditBasis: 'amount_charged' },
  {
    precision: 'day',
    dayBoundary: 'both_inclusive',
    roundingMode: 'half_even',
    creditHandling: 'credit_balance',
  },
  { precision: 'thirty_day_month', creditBasis: 'list_price', prorationBehavior: 'always_invoice' },
];

/** What an engine call returns or throws, comparable with toEqual. */
function outcome(run: () => unknown): unknown {
  try {
    return { result: run() };
  } catch (error) {
    return { error: (error as { code?: string }).code ?? String(error) };
  }
}

describe("prorateParsed (billing-core's door): the engine without its schemas", () => {
  it.each(REQUESTS)('gives what prorate gives for %s, with every option set', (_name, request) => {
    for (const options of OPTIONS) {
      expect(
        outcome(() =>
          prorateParsed(prorationRequestSchema.parse(request), prorationOptionsSchema.parse(options)),
        ),
      ).toEqual(outcome(() => prorate(request, options)));
    }
  });

  it('still refuses what relates fields to each other (a billed line in another currency)', () => {
    const [, request] = REQUESTS[0] as [string, ProrationRequest];
    const foreign = {
      ...request,
      billed: [periodCharge(JAN_2024, { unitAmount: { amount: 3000, currency: 'EUR' } })],
    };
    expect(outcome(() => prorateParsed(prorationRequestSchema.parse(foreign), {}))).toEqual({
      error: 'PRORATION_CURRENCY_MISMATCH',
    });
  });
});

/** An engine call's outcome with the error's message and details too. */
function exactOutcome(run: () => unknown): unknown {
  try {
    return { result: run() };
  } catch (error) {
    const e = error as { code?: string; message: string; details?: unknown };
    return { error: e.code, message: e.message, details: e.details };
  }
}

describe("prorateParsedItems (billing-core's door): the items without the totals", () => {
  it.each(REQUESTS)(
    'gives the type, date and items prorate gives for %s, with every option set',
    (_name, request) => {
      for (const options of OPTIONS) {
        const expected = exactOutcome(() => {
          const { type, prorationDate, items } = prorate(request, options);
          return { type, prorationDate, items };
        });
        expect(
          exactOutcome(() =>
            prorateParsedItems(prorationRequestSchema.parse(request), prorationOptionsSchema.parse(options)),
          ),
        ).toEqual(expected);
      }
    },
  );

  it('fails as prorate fails when the items sum past the safe range', () => {
    const huge = Number.MAX_SAFE_INTEGER - 1;
    const request: ProrationRequest = {
      currency: 'USD',
      period: JAN_2024,
      prorationDate: '2024-01-10T12:00:00Z',
      billed: [
        periodCharge(JAN_2024, { configurationId: 'a', unitAmount: usd(huge) }),
        periodCharge(JAN_2024, { configurationId: 'b', unitAmount: usd(huge) }),
      ],
      change: { type: 'cancel' },
    };
    const expected = exactOutcome(() => prorate(request));
    expect(expected).toMatchObject({ error: 'MONEY_NOT_SAFE_INTEGER' });
    expect(
      exactOutcome(() =>
        prorateParsedItems(prorationRequestSchema.parse(request), prorationOptionsSchema.parse({})),
      ),
    ).toEqual(expected);
  });
});

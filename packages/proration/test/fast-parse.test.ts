import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isParsedProrationOptions, isParsedProrationRequest } from '../src/fast-parse.js';
import {
  type ProrationOptions,
  type ProrationRequest,
  prorate,
  prorationOptionsSchema,
  prorationRequestSchema,
} from '../src/index.js';
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

/** The same data behind a non-plain prototype: the fast check declines it, so zod parses it. */
const viaZod = <T extends object>(value: T): T => Object.assign(Object.create({}), value);

/** `[<hole>, element]`: an array whose first slot is empty. */
function withHole<T>(element: T): T[] {
  const array = new Array<T>(2);
  array[1] = element;
  return array;
}

describe('the fast request check in front of zod', () => {
  it.each(REQUESTS)('accepts %s, which zod parses to an equal value', (_name, request) => {
    // Make sure the time zone is known to the engine, as it is after its first use.
    prorate(viaZod(request));
    expect(isParsedProrationRequest(request)).toBe(true);
    expect(prorationRequestSchema.parse(request)).toEqual(request);
  });

  it.each(OPTIONS)('accepts options %j, which zod parses to an equal value', (options) => {
    expect(isParsedProrationOptions(options)).toBe(true);
    expect(prorationOptionsSchema.parse(options)).toEqual(options);
  });

  it.each(REQUESTS.flatMap(([name, request]) => OPTIONS.map((options) => [name, request, options] as const)))(
    'gives the same proration with and without zod for %s',
    (_name, request, options) => {
      expect(prorate(request, options)).toEqual(prorate(viaZod(request), viaZod(options)));
    },
  );

  it('accepts ProrationItems passed back as billed lines (zod strips their own fields, prorate ignores them)', () => {
    const [, request] = REQUESTS[0]!;
    const first = prorate(request);
    const next: ProrationRequest = {
      ...request,
      prorationDate: '2024-01-24T00:00:00Z',
      billed: [...request.billed, ...first.items],
      change: { type: 'downgrade', to: { ...PRO, priceId: 'price_basic', unitAmount: usd(1000) } },
    };
    expect(isParsedProrationRequest(next)).toBe(true);
    expect(prorationRequestSchema.safeParse(next).success).toBe(true);
    expect(prorate(next)).toEqual(prorate(viaZod(next)));
    expect(prorate(next).items.map((i) => i.amount.amount)).toEqual([-1548, 258]);
  });

  const base = REQUESTS[0]![1];
  const line = base.billed[0]!;
  it.each([
    ['an unknown key (zod would strip it)', { ...base, extra: 1 }],
    ['a key set to undefined', { ...base, trial: undefined }],
    ['a negative quantity', { ...base, billed: [{ ...line, quantity: -1 }] }],
    ['a fractional amount', { ...base, billed: [{ ...line, amount: { amount: 1.5, currency: 'USD' } }] }],
    ['an unknown currency', { ...base, currency: 'XYZ' }],
    ['a money value with an extra key', { ...base, billed: [{ ...line, amount: { ...usd(1), x: 1 } }] }],
    ['an instant without an offset', { ...base, prorationDate: '2024-01-16T12:00:00' }],
    ['a Date instant (left to zod)', { ...base, prorationDate: new Date('2024-01-16T12:00:00Z') }],
    ['an unvalidated time zone', { ...base, timeZone: 'Mars/Olympus_Mons' }],
    ['a sparse billed array', { ...base, billed: withHole(line) }],
    ['an empty configuration id', { ...base, billed: [{ ...line, configurationId: '' }] }],
    [
      'an effective instant (left to zod)',
      { ...base, change: { ...base.change, effective: { at: '2024-01-20T00:00:00Z' } } },
    ],
    [
      'an interval change (left to zod)',
      { ...base, change: { type: 'interval_change', to: { ...PRO, interval: { interval: 'year' } } } },
    ],
  ])('declines %s', (_name, request) => {
    expect(isParsedProrationRequest(request)).toBe(false);
  });

  it.each([
    [{ precision: 'hour' }],
    [{ changePolicy: [] }],
    [{ roundingMode: undefined }],
    [{ unknown: true }],
  ])('declines options %j', (options) => {
    expect(isParsedProrationOptions(options)).toBe(false);
  });

  it('never accepts a request that zod rejects or would change', () => {
    const amount = fc.oneof(fc.integer(), fc.double(), fc.constant(Number.MAX_SAFE_INTEGER + 2));
    const text = fc.oneof(fc.constant(''), fc.string(), fc.constantFrom('USD', 'usd', 'EUR', 'XYZ'));
    const instant = fc.oneof(
      fc.constantFrom('2024-01-01T00:00:00Z', '2024-01-16T12:00:00+01:00', '2024-01-16', 'nope'),
      fc.string(),
    );
    fc.assert(
      fc.property(
        amount,
        fc.integer({ min: -2, max: 5 }),
        text,
        text,
        instant,
        (a, quantity, currency, id, at) => {
          const request = {
            ...base,
            currency,
            prorationDate: at,
            billed: [{ ...line, configurationId: id, quantity, amount: { amount: a, currency } }],
          };
          if (isParsedProrationRequest(request)) {
            const parsed = prorationRequestSchema.safeParse(request);
            expect(parsed.success).toBe(true);
            expect(parsed.data).toEqual(request);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

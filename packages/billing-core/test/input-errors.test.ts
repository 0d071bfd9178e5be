import { describe, expect, it } from 'vitest';
import {
  addCalendarDays,
  applyDiscountToSubscription,
  BillingError,
  buildInvoice,
  cancelSubscription,
  changeSubscription,
  createCreditNote,
  createSubscription,
  finalizeInvoice,
  localDate,
  markSubscriptionPastDue,
  pauseSubscription,
  resolveBillingConfig,
  voidInvoice,
} from '../src/index.js';
import { catalog, customer, draftInvoice, env } from './fixtures.js';

// Every public entry refuses a wrong-typed field with a BillingError whose code says what is wrong and
// whose `details.field` is the caller's own path to it. An instant needs a time and an offset: a date
// alone is BILLING_DATE_WITHOUT_TIME (midnight UTC would be the evening before in Chicago), and the
// error suggests the customer's midnight.

const ada = customer();
const start = '2026-04-01T05:00:00Z';
// Wrong-typed values, cast past the compiler as a JavaScript caller or a JSON body would send them.
const bad = <T>(value: unknown) => value as T;
const twenty = {
  id: 'TWENTY',
  type: 'percentage' as const,
  percentOff: '20',
  duration: { type: 'forever' as const },
};
const subscribe = (overrides: Partial<Parameters<typeof createSubscription>[0]> = {}) =>
  createSubscription(
    {
      id: 'sub_1',
      customer: ada,
      items: [{ id: 'si_1', priceId: 'basic_usd' }],
      startAt: start,
      invoiceId: 'in_1',
      ...overrides,
    },
    env,
  );
const active = () => subscribe().subscription;
const open = () => finalizeInvoice(draftInvoice(), { number: 'INV-1', at: '2026-03-07T18:00:00Z' }).invoice;

describe('billing-core public entries name the wrong field', () => {
  it.each([
    [
      'createSubscription: percentOff as a number',
      () => subscribe({ discounts: [twenty, { ...twenty, id: 'X', percentOff: bad<string>(20) }] }),
      'BILLING_INVALID_INPUT',
      'discounts[1].percentOff',
    ],
    [
      'createSubscription: startAt in US notation',
      () => subscribe({ startAt: '04/01/2026' }),
      'BILLING_INVALID_INPUT',
      'startAt',
    ],
    [
      'createSubscription: startAt as a date alone',
      () => subscribe({ startAt: '2026-04-01' }),
      'BILLING_DATE_WITHOUT_TIME',
      'startAt',
    ],
    [
      'createSubscription: trialEnd as a date alone',
      () => subscribe({ trialEnd: '2026-04-15' }),
      'BILLING_DATE_WITHOUT_TIME',
      'trialEnd',
    ],
    [
      'changeSubscription: prorationDate without an offset',
      () =>
        changeSubscription(
          active(),
          {
            customer: ada,
            items: [{ id: 'si_1', priceId: 'pro_usd' }],
            prorationDate: '2026-04-16T00:00:00',
          },
          env,
        ),
      'BILLING_INVALID_INPUT',
      'prorationDate',
    ],
    [
      'cancelSubscription: at as a date alone',
      () => cancelSubscription(active(), { at: '2026-04-16', atPeriodEnd: true }),
      'BILLING_DATE_WITHOUT_TIME',
      'at',
    ],
    [
      'pauseSubscription: at as a number',
      () => pauseSubscription(active(), { at: bad(0) }),
      'BILLING_INVALID_INPUT',
      'at',
    ],
    [
      'markSubscriptionPastDue: at as a date alone',
      () => markSubscriptionPastDue(active(), { at: '2026-04-16', invoiceId: 'in_1' }),
      'BILLING_DATE_WITHOUT_TIME',
      'at',
    ],
    [
      'applyDiscountToSubscription: percentOff as a number',
      () =>
        applyDiscountToSubscription(active(), {
          discount: { ...twenty, percentOff: bad<string>(20) },
          at: start,
        }),
      'BILLING_INVALID_INPUT',
      'discount.percentOff',
    ],
    [
      'buildInvoice: createdAt as a date alone',
      () =>
        buildInvoice(
          { invoiceId: 'in_2', customer: ada, billingReason: 'manual', createdAt: '2026-04-01' },
          env,
        ),
      'BILLING_DATE_WITHOUT_TIME',
      'createdAt',
    ],
    [
      'buildInvoice: env.config.daysUntilDue as a string',
      () =>
        buildInvoice(
          {
            invoiceId: 'in_2',
            customer: ada,
            billingReason: 'manual',
            createdAt: start,
            items: [{ priceId: 'setup_usd', quantity: 1 }],
          },
          { catalog, tax: env.tax, config: { daysUntilDue: bad<number>('30') } },
        ),
      'BILLING_INVALID_INPUT',
      'config.daysUntilDue',
    ],
    [
      'resolveBillingConfig: taxRoundingLevel unknown',
      () => resolveBillingConfig({ taxRoundingLevel: bad('document') }),
      'BILLING_INVALID_INPUT',
      'taxRoundingLevel',
    ],
    [
      'finalizeInvoice: at as a date alone',
      () => finalizeInvoice(draftInvoice(), { number: 'INV-1', at: '2026-03-07' }),
      'BILLING_DATE_WITHOUT_TIME',
      'at',
    ],
    [
      'voidInvoice: at in US notation',
      () => voidInvoice(open(), { at: '03/08/2026' }),
      'BILLING_INVALID_INPUT',
      'at',
    ],
    [
      'createCreditNote: at as a date alone',
      () => createCreditNote(open(), { id: 'cn_1', number: 'CN-1', at: '2026-03-08', lines: [] }),
      'BILLING_DATE_WITHOUT_TIME',
      'at',
    ],
    [
      'addCalendarDays: an unknown time zone',
      () => addCalendarDays(start, 30, 'America/Springfield'),
      'BILLING_INVALID_TIMEZONE',
      'timeZone',
    ],
    [
      'addCalendarDays: days as a string',
      () => addCalendarDays(start, bad<number>('30'), 'UTC'),
      'BILLING_INVALID_INPUT',
      'days',
    ],
    [
      'localDate: an unknown time zone',
      () => localDate(start, 'Mars/Olympus'),
      'BILLING_INVALID_TIMEZONE',
      'timeZone',
    ],
  ])('%s', (_label, call, code, field) => {
    let thrown: unknown;
    try {
      call();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(BillingError);
    expect(thrown).toMatchObject({ code, details: { field } });
    expect((thrown as Error).message).toContain(field);
  });

  it('suggests the instant at the customer midnight for a date alone', () => {
    expect(() => subscribe({ startAt: '2026-04-01' })).toThrow(
      expect.objectContaining({
        message: expect.stringContaining('2026-04-01T00:00:00-05:00'),
        details: expect.objectContaining({ suggestion: '2026-04-01T00:00:00-05:00' }),
      }),
    );
    const berlin = customer({ timezone: 'Europe/Berlin', address: { country: 'DE' }, currency: 'USD' });
    expect(() => subscribe({ customer: berlin, startAt: '2026-01-01' })).toThrow(
      expect.objectContaining({
        details: expect.objectContaining({ suggestion: '2026-01-01T00:00:00+01:00' }),
      }),
    );
  });

  it('counts due dates in calendar days of the customer zone across DST, keeping the wall time', () => {
    // 17:00 CST on 1 March; 30 days later is 17:00 CDT on 31 March (an hour earlier in UTC).
    expect(addCalendarDays('2026-03-01T23:00:00Z', 30, 'America/Chicago')).toBe('2026-03-31T22:00:00.000Z');
    expect(addCalendarDays('2026-03-31T22:00:00Z', -30, 'America/Chicago')).toBe('2026-03-01T23:00:00.000Z');
    expect(addCalendarDays('2026-01-01T06:00:00Z', 1500, 'America/Chicago')).toBe('2030-02-09T06:00:00.000Z');
    expect(localDate('2020-12-31T23:00:00Z', 'Europe/Berlin')).toBe('2021-01-01');
  });

  it('starts every period at the customer midnight when the suggested instant is sent', () => {
    const { subscription } = subscribe({ startAt: '2026-04-01T00:00:00-05:00' });
    expect(subscription.currentPeriodStart).toBe('2026-04-01T05:00:00.000Z');
    expect(subscription.currentPeriodEnd).toBe('2026-05-01T05:00:00.000Z');
  });
});

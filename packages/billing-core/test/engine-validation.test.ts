import { changeTypeSchema, prorationRequestSchema, timeZoneSchema } from '@billkit/proration';
import { taxRequestSchema } from '@billkit/tax';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createSubscription, previewSubscriptionChange } from '../src/index.js';
import { customer, env } from './fixtures.js';

// billing-core validates its input at its own entry and builds the engines' requests from it: the
// engines are called through their internal doors and do not run their schemas over those requests.
const ada = customer();
const { subscription } = createSubscription(
  {
    id: 'sub_1',
    customer: ada,
    items: [
      { id: 'si_1', priceId: 'basic_usd' },
      { id: 'si_2', priceId: 'seat_usd', quantity: 3 },
    ],
    startAt: '2026-01-01T06:00:00Z',
    invoiceId: 'in_1',
  },
  env,
);
const change = {
  customer: ada,
  items: [
    { id: 'si_1', priceId: 'pro_usd' },
    { id: 'si_2', priceId: 'seat_usd', quantity: 5 },
  ],
  prorationDate: '2026-01-16T06:00:00Z',
};

afterEach(() => vi.restoreAllMocks());

describe('a change through billing-core is validated once', () => {
  it('runs none of the proration and tax schemas over the requests billing-core built', () => {
    const before = previewSubscriptionChange(subscription, change, env);
    const schemas = [prorationRequestSchema, changeTypeSchema, timeZoneSchema, taxRequestSchema];
    const spies = schemas.map((schema) => vi.spyOn(schema, 'safeParse'));
    const after = previewSubscriptionChange(subscription, change, env);
    expect(after).toEqual(before);
    expect(after?.lines.length).toBe(4);
    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
  });

  it('still refuses a customer location the tax engine cannot read, with its coded error', () => {
    const far = { ...ada, address: { ...ada.address, city: 'x'.repeat(101) } };
    expect(() => previewSubscriptionChange(subscription, { ...change, customer: far }, env)).toThrow(
      expect.objectContaining({ code: 'TAX_INVALID_REQUEST' }),
    );
  });
});

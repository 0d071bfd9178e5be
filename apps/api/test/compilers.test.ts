import {
  serializerCompiler as librarySerializer,
  validatorCompiler as libraryValidator,
} from 'fastify-type-provider-zod';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { serializerCompiler, validatorCompiler } from '../src/http/compilers.js';
import { invoiceJson, subscriptionJson } from '../src/routes/presenters.js';

type Serialize = (data: unknown) => string;
const route = (schema: z.ZodType) => ({ schema, method: 'POST', url: '/v1/x', httpStatus: '200' });
const serializers = (schema: z.ZodType) =>
  [serializerCompiler(route(schema)), librarySerializer(route(schema))] as [Serialize, Serialize];
/** What each serializer answers: the text, or the error it throws (class, message, cause). */
const outcome = (serialize: Serialize, data: unknown) => {
  try {
    return serialize(data);
  } catch (error) {
    const e = error as Error & { cause?: unknown };
    return { error: e.constructor.name, message: e.message, cause: JSON.stringify(e.cause) };
  }
};

const money = (amount: number) => ({ amount, currency: 'USD', extra: 'stripped' });
const subscription = {
  extra_first: 'kept after the known keys',
  updated_at: '2026-03-02T06:01:00.000Z',
  id: 'sub_1',
  object: 'subscription',
  customer: 'cus_1',
  currency: 'USD',
  status: 'active',
  items: [{ id: 'si_1', price: 'price_1', quantity: 5, stripped: true }],
  current_period_start: '2026-03-01T06:00:00.000Z',
  current_period_end: '2026-04-01T05:00:00.000Z',
  billing_cycle_anchor: '2026-03-01T06:00:00.000Z',
  trial_start: null,
  trial_end: null,
  cancel_at_period_end: false,
  canceled_at: null,
  ended_at: null,
  paused_at: null,
  discounts: [{ id: 'd_1', credit_remaining: null, discount: { type: 'percentage', percent_off: '15' } }],
  pending_invoice_items: [],
  latest_invoice: 'in_1',
  periods_billed: 1,
  version: 2,
  metadata: { '2': 'b', a: 'x', '1': 'a' },
  created_at: '2026-03-01T06:00:00Z',
};
const line = {
  id: 'in_1_li_1',
  type: 'proration',
  description: 'Unused time on Pickup × 1 — "quoted" \u2028',
  period: { start: '2026-03-02T06:01:00.000Z', end: '2026-04-01T05:00:00.000Z' },
  quantity: 1,
  unit_amount: null,
  amount: money(-1452),
  price: 'price_1',
  proration: true,
  discount_amounts: [{ discount_id: 'd_1', amount: money(218), other: 1 }],
  tax_amounts: [{ jurisdiction_id: 'US-IL', amount: money(-91) }],
  product: 'prod_1',
  subscription_item: 'si_1',
};
const invoice = {
  id: 'in_1',
  object: 'invoice',
  number: null,
  customer: 'cus_1',
  subscription: 'sub_1',
  status: 'draft',
  billing_reason: 'subscription_update',
  currency: 'USD',
  period_start: '2026-03-02T06:01:00.000Z',
  period_end: '2026-04-01T05:00:00.000Z',
  lines: [line, { ...line, id: 'in_1_li_2', period: null, unit_amount: money(1500) }],
  ...Object.fromEntries(
    ['subtotal', 'total_discount', 'tax', 'total', 'starting_balance', 'ending_balance']
      .concat(['amount_due', 'amount_paid', 'amount_remaining'])
      .map((key, i) => [key, money(i * 100)]),
  ),
  total_discount_amounts: [],
  total_tax_amounts: [{ jurisdiction_id: 'US-IL', amount: money(-91) }],
  due_date: null,
  finalized_at: null,
  paid_at: null,
  voided_at: null,
  payment_intent: null,
  last_payment_error: null,
  explanation: [{ step: 'proration', note: 'kept as is' }],
  created_at: '2026-03-02T06:01:00.000Z',
  payment_attempts: undefined,
};
const transition = z.object({ subscription: subscriptionJson, invoice: invoiceJson.nullable() });

describe('the compiled response serializer', () => {
  it('writes the same bytes as fastify-type-provider-zod: key order, stripped and kept keys', () => {
    const [compiled, library] = serializers(transition);
    for (const data of [
      { subscription, invoice },
      { subscription, invoice: null },
    ]) {
      const text = compiled(data);
      expect(text).toBe(library(data));
      expect(text.indexOf('"id":"sub_1"')).toBeLessThan(text.indexOf('"extra_first"'));
      // z.object drops unknown keys (an item's, a discount amount's); records and loose objects keep theirs
      expect(text).not.toMatch(/"stripped":true|"other"/);
      expect(text).toContain('"extra_first":"kept after the known keys"');
    }
  });

  it.each([
    ['a missing field', { subscription: { ...subscription, id: undefined }, invoice: null }],
    ['a float amount', { subscription, invoice: { ...invoice, total: money(1.5) } }],
    ['a wrong literal', { subscription: { ...subscription, object: 'invoice' }, invoice: null }],
    ['a Date for a string', { subscription: { ...subscription, created_at: new Date(0) }, invoice: null }],
    [
      'a class instance for a record',
      { subscription: { ...subscription, metadata: new Map() }, invoice: null },
    ],
  ])('refuses %s with the library’s own error', (_name, data) => {
    const [compiled, library] = serializers(transition);
    const answer = outcome(compiled, data);
    expect(answer).toEqual(outcome(library, data));
    expect(answer).toHaveProperty('error', 'ResponseSerializationError');
  });

  it.each([
    ['a default', z.object({ a: z.string().default('x') }), {}],
    ['a transform', z.object({ a: z.string().transform((s) => s.length) }), { a: 'abc' }],
    ['a codec', z.object({ at: z.iso.datetime().pipe(z.string()) }), { at: '2026-03-01T00:00:00Z' }],
  ])('leaves a schema with %s to the library (encoding is not parsing there)', (_name, schema, data) => {
    const [compiled, library] = serializers(schema);
    expect(outcome(compiled, data)).toEqual(outcome(library, data));
  });
});

describe('the compiled request validator', () => {
  const body = z.strictObject({
    items: z
      .array(
        z.strictObject({ id: z.string().min(1).optional(), quantity: z.number().int().min(0).default(1) }),
      )
      .min(1),
    proration_behavior: z.enum(['create_prorations', 'always_invoice']).default('create_prorations'),
    currency: z.string().refine((c) => c === 'USD', 'Unknown currency'),
  });
  const validators = [validatorCompiler, libraryValidator].map((compile) =>
    compile({ schema: body, method: 'POST', url: '/v1/x', httpPart: 'body' }),
  );

  it.each([
    [{ items: [{ id: 'si_1' }, { quantity: 3 }], currency: 'USD' }],
    [{ items: [{ id: 'si_1', quantity: 2 }], proration_behavior: 'always_invoice', currency: 'USD' }],
    [{ items: [], currency: 'USD' }],
    [{ items: [{ quantity: -1, extra: true }], currency: 'EUR' }],
    [{ items: [{ quantity: 1.5 }], proration_behavior: 'later', currency: 'USD', unknown: 1 }],
    ['not an object'],
  ])('answers %j as the library does (defaults, refusals and their issues)', (data) => {
    const [compiled, library] = validators.map((validate) => JSON.stringify(validate(data)));
    expect(compiled).toBe(library);
  });
});

// A CommonJS TypeScript module (node16 resolution picks the `require` condition: index.d.cts).

import { customerSchema } from '@billkit/billing-core';
import { allocate, type Money, money } from '@billkit/money';

export const parts: Money[] = allocate(money(1000, 'USD'), [1, 1, 1]);
export const customer = customerSchema.parse({
  id: 'c',
  currency: 'USD',
  timezone: 'UTC',
  address: { country: 'US' },
});

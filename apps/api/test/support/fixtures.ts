import { sampleRateTable } from '@billkit/tax';
import { snakeize } from '../../src/http/casing.js';

/** The @billkit/tax sample table (real published rates) in the API's snake_case. */
export const rateTableBody = snakeize<Record<string, unknown>>(JSON.parse(JSON.stringify(sampleRateTable)));

/** A Chicago customer: 6.25 % IL + 1.75 % Cook + 1.25 % Chicago + 1 % RTA = 10.25 % on `general`. */
export const chicagoCustomer = {
  currency: 'USD',
  name: 'Ada Lovelace',
  email: 'ada@example.com',
  timezone: 'America/Chicago',
  address: { country: 'US', region: 'IL', county: 'Cook', city: 'Chicago', postal_code: '60601' },
};

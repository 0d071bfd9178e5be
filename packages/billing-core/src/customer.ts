import { currencyCodeSchema, minorUnitsSchema } from '@billkit/money';
import { z } from 'zod';
import { countryCodeSchema } from './countries.js';
import { isTimeZone } from './time.js';

/** An IANA time zone name the runtime knows (`Europe/Paris`, `America/Chicago`, `UTC`). */
export const timeZoneSchema = z.string().min(1).refine(isTimeZone, { message: 'Unknown IANA time zone' });

/**
 * Where the customer is billed: the tax engine resolves every jurisdiction (country → region → county →
 * city → special districts) from these fields.
 */
export const billingAddressSchema = z.object({
  line1: z.string().optional(),
  line2: z.string().optional(),
  /** ISO 3166-1 alpha-2, upper case (`US`, `DE`): an assigned code (`ZZ` is refused). */
  country: countryCodeSchema,
  /** State / province code (`IL`, `CA`). */
  region: z.string().optional(),
  county: z.string().optional(),
  city: z.string().optional(),
  postalCode: z.string().optional(),
  /** Special-district codes (transit, stadium, …) when the caller knows them. */
  districts: z.array(z.string()).optional(),
});
export type BillingAddress = z.infer<typeof billingAddressSchema>;

/** One jurisdiction in which the customer does not pay tax, with the certificate that proves it. */
export const taxExemptionSchema = z.object({
  /** Jurisdiction id as the tax rate table names it (e.g. `US-IL-COOK`). */
  jurisdictionId: z.string().min(1),
  certificateId: z.string().min(1),
});
export type TaxExemption = z.infer<typeof taxExemptionSchema>;

/**
 * A customer as billing needs it. `taxExempt` uses Stripe's values: `none`, `exempt` (everywhere;
 * `taxExemptCertificateId` says why) or `reverse` (B2B reverse charge). Partial exemptions are listed in
 * `taxExemptions`. `balance` follows Stripe's sign: negative is credit the customer holds, positive is
 * an amount owed that is added to the next invoice.
 */
export const customerSchema = z.object({
  id: z.string().min(1),
  name: z.string().optional(),
  email: z.string().optional(),
  currency: currencyCodeSchema,
  /** IANA zone in which periods, due dates and proration days are counted. */
  timezone: timeZoneSchema,
  address: billingAddressSchema,
  taxExempt: z.enum(['none', 'exempt', 'reverse']).default('none'),
  taxExemptCertificateId: z.string().optional(),
  taxExemptions: z.array(taxExemptionSchema).default([]),
  /** VAT or other tax ids, shown on invoices and used for reverse charge. */
  taxIds: z.array(z.string()).default([]),
  balance: minorUnitsSchema.default(0),
});
/** A customer after parsing (defaults filled in). */
export type Customer = z.infer<typeof customerSchema>;
/** What a caller may pass to `customerSchema.parse`. */
export type CustomerInput = z.input<typeof customerSchema>;

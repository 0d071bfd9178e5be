import { currencyCodeSchema, moneySchema, type RoundingMode, roundingModeSchema } from '@billkit/money';
import { z } from 'zod';
import { parseInstant } from './dates.js';
import { TaxError } from './errors.js';
import { taxLocationSchema } from './location.js';
import { invalidInput } from './parse-input.js';

/** Whether a line's amount excludes tax (tax is added) or includes it (tax is extracted). Stripe's `tax_behavior`. */
export const taxBehaviorSchema = z.enum(['exclusive', 'inclusive']);
export type TaxBehavior = z.infer<typeof taxBehaviorSchema>;

/**
 * One invoice line to tax. `amount` is the line amount after discounts; it is negative on a credit
 * line, whose tax is then negative too (a credit reverses tax).
 */
export const taxLineSchema = z
  .object({
    id: z.string().min(1).max(200),
    amount: moneySchema,
    taxCategory: z.string().min(1).max(100),
    /** `exclusive` when omitted. */
    taxBehavior: taxBehaviorSchema.optional(),
  })
  .strict();
export type TaxLine = z.infer<typeof taxLineSchema>;

/**
 * A customer's exemption. `exempt` removes tax in every jurisdiction, or only in `jurisdictionIds`
 * when given; `reverse_charge` (B2B cross-border VAT) moves value-added taxes (vat, gst, hst) to the
 * customer. `certificateId` (an exemption certificate number or the customer's VAT id) is echoed on
 * every line it applies to.
 */
export const customerExemptionSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('exempt'),
      certificateId: z.string().min(1).max(200),
      jurisdictionIds: z.array(z.string().min(1)).min(1).optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('reverse_charge'),
      certificateId: z.string().min(1).max(200),
    })
    .strict(),
]);
export type CustomerExemption = z.infer<typeof customerExemptionSchema>;

export const taxCustomerSchema = z
  .object({
    location: taxLocationSchema,
    exemption: customerExemptionSchema.optional(),
  })
  .strict();
export type TaxCustomer = z.infer<typeof taxCustomerSchema>;

/** What to tax: lines in one currency, for one customer, at one tax date. */
export const taxRequestSchema = z
  .object({
    currency: currencyCodeSchema,
    /** The date whose rates apply: an ISO date (`2025-04-01`, midnight UTC), an ISO instant, or a Date. */
    taxDate: z.union([
      z.string().refine((value) => parseInstant(value) !== undefined, {
        message: 'Expected an ISO date (2025-04-01) or an ISO instant with an offset',
      }),
      z.date().refine((value) => !Number.isNaN(value.getTime()), { message: 'Invalid Date' }),
    ]),
    customer: taxCustomerSchema,
    lines: z.array(taxLineSchema),
  })
  .strict();
export type TaxRequest = z.infer<typeof taxRequestSchema>;

/** `line`: round each line's tax once; `invoice`: round each jurisdiction's total once and allocate it to lines. */
export const taxRoundingSchema = z.enum(['line', 'invoice']);
export type TaxRounding = z.infer<typeof taxRoundingSchema>;

export const taxCalculationOptionsSchema = z
  .object({
    rounding: taxRoundingSchema.optional(),
    roundingMode: roundingModeSchema.optional(),
  })
  .strict();

export interface TaxCalculationOptions {
  /** `line` (default) or `invoice`. */
  readonly rounding?: TaxRounding | undefined;
  /** `half_up` (default), `half_even`, `down` (toward zero) or `up` (away from zero). */
  readonly roundingMode?: RoundingMode | undefined;
}

export interface ResolvedTaxRequest {
  readonly request: TaxRequest;
  readonly taxDate: number;
  readonly rounding: TaxRounding;
  readonly roundingMode: RoundingMode;
}

/** Validate a request and options; every engine and provider sees only validated input. */
export function parseTaxRequest(request: unknown, options: unknown = {}): ResolvedTaxRequest {
  const parsed = taxRequestSchema.safeParse(request);
  if (!parsed.success) throw invalidInput(parsed.error, 'tax request');
  const parsedOptions = taxCalculationOptionsSchema.safeParse(options ?? {});
  if (!parsedOptions.success)
    throw invalidInput(parsedOptions.error, 'tax calculation options', 'TAX_INVALID_REQUEST', ['options']);

  // Line ids must be unique: a few are compared pairwise (no Set to fill), many go through a Set.
  const lines = parsed.data.lines;
  const seen = lines.length > 16 ? new Set<string>() : undefined;
  for (let j = 0; j < lines.length; j += 1) {
    const line = lines[j] as TaxLine;
    let repeated = false;
    if (seen === undefined) {
      for (let i = 0; i < j && !repeated; i += 1) repeated = (lines[i] as TaxLine).id === line.id;
    } else {
      repeated = seen.has(line.id);
      seen.add(line.id);
    }
    if (repeated) {
      throw new TaxError('TAX_INVALID_REQUEST', `Duplicate line id "${line.id}"`, { lineId: line.id });
    }
    if (line.amount.currency !== parsed.data.currency) {
      throw new TaxError(
        'TAX_CURRENCY_MISMATCH',
        `Line "${line.id}" is in ${line.amount.currency} but the request is in ${parsed.data.currency}`,
        { lineId: line.id, lineCurrency: line.amount.currency, currency: parsed.data.currency },
      );
    }
  }
  return resolvedTaxRequest(parsed.data, parsedOptions.data as TaxCalculationOptions);
}

/**
 * A request and options that were parsed already (billing-core builds its requests from input it
 * validated at its own public entry): resolved without checking them again.
 */
export function resolvedTaxRequest(request: TaxRequest, options: TaxCalculationOptions): ResolvedTaxRequest {
  return {
    request,
    taxDate: parseInstant(request.taxDate) as number,
    rounding: options.rounding ?? 'line',
    roundingMode: options.roundingMode ?? 'half_up',
  };
}

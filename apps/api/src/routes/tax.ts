import type { TaxTableRecord } from '@billkit/db';
import type { QuoteTaxInput } from '@billkit/workflows';
import { z } from 'zod';
import { camelize, snakeize } from '../http/casing.js';
import { countrySchema, currencySchema, dateSchema, instantSchema } from '../http/schemas.js';
import { operationOf, type RouteContext, type TypedApp } from './context.js';

const rateTableBody = z
  .object({
    name: z.string().optional(),
    tax_categories: z.array(z.record(z.string(), z.unknown())).min(1),
    jurisdictions: z.array(z.record(z.string(), z.unknown())).min(1),
    rates: z.array(z.record(z.string(), z.unknown())),
  })
  .strict()
  .describe(
    'A @billkit/tax rate table in snake_case: tax_categories[{id, treatment}], jurisdictions[{id, name, level, parent_id, country, match}], rates[{jurisdiction_id, tax_type, rate, valid_from, valid_to, compound, categories}]. Validated in full (overlaps, gaps, dangling references).',
  );

const rateTableJson = z
  .object({
    object: z.literal('tax_rate_table'),
    version: z.number().int(),
    table: z.record(z.string(), z.unknown()),
    updated_at: z.string(),
  })
  .meta({ id: 'TaxRateTable' });

const locationBody = z.strictObject({
  country: countrySchema(true),
  region: z.string().optional(),
  county: z.string().optional(),
  city: z.string().optional(),
  postal_code: z.string().optional(),
  districts: z.array(z.string()).optional(),
});

const quoteBody = z.strictObject({
  currency: currencySchema,
  tax_date: z.union([instantSchema, dateSchema]).describe('Rates in force at this date or instant'),
  customer: z.strictObject({
    location: locationBody,
    exemption: z
      .discriminatedUnion('type', [
        z.strictObject({
          type: z.literal('exempt'),
          certificate_id: z.string().min(1),
          jurisdiction_ids: z.array(z.string()).min(1).optional(),
        }),
        z.strictObject({ type: z.literal('reverse_charge'), certificate_id: z.string().min(1) }),
      ])
      .optional(),
  }),
  lines: z
    .array(
      z.strictObject({
        id: z.string().min(1).max(200),
        amount: z.number().int().describe('Minor units, after discounts; negative for a credit'),
        tax_category: z.string().min(1).default('general'),
        tax_behavior: z.enum(['exclusive', 'inclusive']).default('exclusive'),
      }),
    )
    .min(1)
    .max(500),
  rounding: z.enum(['line', 'invoice']).default('line'),
});

const quoteJson = z
  .looseObject({
    object: z.literal('tax_quote'),
    currency: z.string(),
    tax_date: z.string(),
    net_total: z.object({ amount: z.number().int(), currency: z.string() }),
    tax_total: z.object({ amount: z.number().int(), currency: z.string() }),
    gross_total: z.object({ amount: z.number().int(), currency: z.string() }),
    lines: z.array(z.record(z.string(), z.unknown())),
    jurisdiction_totals: z.array(z.record(z.string(), z.unknown())),
  })
  .meta({ id: 'TaxQuote' });

function presentTable(t: TaxTableRecord) {
  return {
    object: 'tax_rate_table' as const,
    version: t.version,
    table: snakeize<Record<string, unknown>>(t.table),
    updated_at: t.updatedAt,
  };
}

export async function taxRoutes(app: TypedApp, ctx: RouteContext): Promise<void> {
  const tags = ['tax'];
  app.put(
    '/v1/tax/rate-table',
    {
      config: { scope: 'admin' },
      schema: {
        tags,
        operationId: 'replaceTaxRateTable',
        summary: "Load or replace the tenant's tax rate table",
        body: rateTableBody,
        response: { 200: rateTableJson },
      },
    },
    async (request) =>
      presentTable(await ctx.billing.taxRates.replace(operationOf(ctx, request), camelize(request.body))),
  );

  app.get(
    '/v1/tax/rate-table',
    {
      schema: {
        tags,
        operationId: 'getTaxRateTable',
        summary: "The tenant's tax rate table",
        response: { 200: rateTableJson },
      },
    },
    async (request) => presentTable(await ctx.billing.taxRates.retrieve(operationOf(ctx, request))),
  );

  app.post(
    '/v1/tax/quote',
    {
      config: { scope: 'read' },
      schema: {
        tags,
        operationId: 'quoteTax',
        summary: 'Quote tax for lines at a location (stateless: nothing is stored)',
        body: quoteBody,
        response: { 200: quoteJson },
      },
    },
    async (request) => {
      const calculation = await ctx.billing.taxRates.quote(
        operationOf(ctx, request),
        camelize<QuoteTaxInput>(request.body),
      );
      return { ...snakeize<z.infer<typeof quoteJson>>(calculation), object: 'tax_quote' as const };
    },
  );
}

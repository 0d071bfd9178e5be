import { money } from '@billkit/money';
import { calculateTax, loadRateTable, type TaxRequest } from '@billkit/tax';
import { z } from 'zod';
import { forgetRateTable, loadRateTable as storedRateTable } from '@billkit/workflows';
import { camelize, snakeize } from '../http/casing.js';
import { ApiError } from '../http/problem.js';
import { currencySchema, instantSchema } from '../http/schemas.js';
import type { TaxTableRecord } from '@billkit/db';
import { change, type RouteContext, type TypedApp, tenantOf } from './context.js';

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
  country: z.string().regex(/^[A-Za-z]{2}$/),
  region: z.string().optional(),
  county: z.string().optional(),
  city: z.string().optional(),
  postal_code: z.string().optional(),
  districts: z.array(z.string()).optional(),
});

const quoteBody = z.strictObject({
  currency: currencySchema,
  tax_date: z.union([instantSchema, z.iso.date()]).describe('Rates in force at this date or instant'),
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
        summary: "Load or replace the tenant's tax rate table",
        body: rateTableBody,
        response: { 200: rateTableJson },
      },
    },
    async (request) => {
      // Throws TAX_INVALID_TABLE with the offending paths: nothing is stored.
      const table = loadRateTable(camelize(request.body));
      const now = ctx.clock().toISOString();
      const saved = await change(ctx, request, async (tx, record) => {
        const before = await tx.get('tax_table', 'tax_table');
        const after: TaxTableRecord = {
          id: 'tax_table',
          table: JSON.parse(JSON.stringify(table)) as Record<string, unknown>,
          version: (before?.version ?? 0) + 1,
          createdAt: before?.createdAt ?? now,
          updatedAt: now,
        };
        if (before) await tx.update('tax_table', after);
        else await tx.insert('tax_table', after);
        await record({
          type: 'tax_rate_table.replaced',
          entityType: 'tax_rate_table',
          entityId: 'tax_table',
          before: before
            ? { version: before.version, rates: (before.table.rates as unknown[]).length }
            : null,
          after: {
            version: after.version,
            rates: table.rates.length,
            jurisdictions: table.jurisdictions.length,
          },
        });
        return after;
      });
      // The memoised (validated) table of the old version is no longer wanted in this process.
      forgetRateTable(tenantOf(ctx, request));
      return presentTable(saved);
    },
  );

  app.get(
    '/v1/tax/rate-table',
    { schema: { tags, summary: "The tenant's tax rate table", response: { 200: rateTableJson } } },
    async (request) => {
      const table = await tenantOf(ctx, request).get('tax_table', 'tax_table');
      if (!table) throw new ApiError('API_NOT_FOUND', 'No tax rate table loaded yet');
      return presentTable(table);
    },
  );

  app.post(
    '/v1/tax/quote',
    {
      config: { scope: 'read' },
      schema: {
        tags,
        summary: 'Quote tax for lines at a location (stateless: nothing is stored)',
        body: quoteBody,
        response: { 200: quoteJson },
      },
    },
    async (request) => {
      const b = request.body;
      const table = await storedRateTable(tenantOf(ctx, request));
      const taxRequest = camelize<Omit<TaxRequest, 'lines'>>({
        currency: b.currency,
        tax_date: b.tax_date,
        customer: b.customer,
      });
      const calculation = calculateTax(
        {
          ...taxRequest,
          lines: b.lines.map((l) => ({
            id: l.id,
            amount: money(l.amount, b.currency),
            taxCategory: l.tax_category,
            taxBehavior: l.tax_behavior,
          })),
        },
        table,
        { rounding: b.rounding },
      );
      return { ...snakeize<z.infer<typeof quoteJson>>(calculation), object: 'tax_quote' as const };
    },
  );
}

import {
  CUSTOMER_BALANCE_TRANSACTION_TYPES,
  type CustomerBalanceTransactionRecord,
  type CustomerRecord,
} from '@billkit/db';
import { z } from 'zod';
import { camelize, snakeize } from '../http/casing.js';
import {
  countrySchema,
  currencySchema,
  idParams,
  listOf,
  listQuery,
  metadataSchema,
  minorUnitsSchema,
  page,
} from '../http/schemas.js';
import { listRoute, operationOf, type RouteContext, retrieveRoute, type TypedApp } from './context.js';

const timezoneSchema = z
  .string()
  .min(1)
  .refine((tz) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, 'Unknown IANA time zone')
  .describe('IANA time zone in which periods and proration days are counted');

const addressSchema = z.strictObject({
  line1: z.string().max(200).optional(),
  line2: z.string().max(200).optional(),
  country: countrySchema(),
  region: z.string().max(100).optional(),
  county: z.string().max(100).optional(),
  city: z.string().max(100).optional(),
  postal_code: z.string().max(20).optional(),
  districts: z.array(z.string().max(100)).max(20).optional(),
});

const exemptionSchema = z.strictObject({
  jurisdiction_id: z.string().min(1),
  certificate_id: z.string().min(1),
});

const customerFields = {
  external_id: z.string().min(1).max(200).nullable(),
  name: z.string().max(200).nullable(),
  email: z.email().nullable(),
  timezone: timezoneSchema,
  address: addressSchema,
  tax_exempt: z.enum(['none', 'exempt', 'reverse']),
  tax_exemptions: z.array(exemptionSchema).max(50),
  tax_ids: z.array(z.string().min(1).max(50)).max(10),
  metadata: metadataSchema,
};

export const createCustomerBody = z.strictObject({
  currency: currencySchema,
  external_id: customerFields.external_id.optional(),
  name: customerFields.name.optional(),
  email: customerFields.email.optional(),
  timezone: timezoneSchema.default('UTC'),
  address: addressSchema,
  tax_exempt: customerFields.tax_exempt.default('none'),
  tax_exemptions: customerFields.tax_exemptions.default([]),
  tax_ids: customerFields.tax_ids.default([]),
  metadata: metadataSchema.default({}),
});

const updateCustomerBody = z
  .strictObject({
    external_id: customerFields.external_id,
    name: customerFields.name,
    email: customerFields.email,
    timezone: customerFields.timezone,
    address: customerFields.address,
    tax_exempt: customerFields.tax_exempt,
    tax_exemptions: customerFields.tax_exemptions,
    tax_ids: customerFields.tax_ids,
    metadata: customerFields.metadata,
  })
  .partial();

export const customerJson = z
  .object({
    id: z.string(),
    object: z.literal('customer'),
    external_id: z.string().nullable(),
    name: z.string().nullable(),
    email: z.string().nullable(),
    currency: z.string(),
    timezone: z.string(),
    address: z.object({
      line1: z.string().optional(),
      line2: z.string().optional(),
      country: z.string(),
      region: z.string().optional(),
      county: z.string().optional(),
      city: z.string().optional(),
      postal_code: z.string().optional(),
      districts: z.array(z.string()).optional(),
    }),
    tax_exempt: z.enum(['none', 'exempt', 'reverse']),
    tax_exemptions: z.array(z.object({ jurisdiction_id: z.string(), certificate_id: z.string() })),
    tax_ids: z.array(z.string()),
    balance: z.number().int().describe('Minor units; negative = credit the customer holds'),
    metadata: z.record(z.string(), z.string()),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'Customer' });

export function presentCustomer(c: CustomerRecord): z.infer<typeof customerJson> {
  return { ...snakeize<z.infer<typeof customerJson>>(c), object: 'customer' };
}

const balanceTransactionBody = z.strictObject({
  amount: minorUnitsSchema.describe("Minor units of the customer's currency; negative = credit the customer"),
  currency: currencySchema.optional().describe("The customer's currency (checked when given)"),
  description: z.string().max(350).nullable().optional(),
  metadata: metadataSchema.optional(),
});

export const balanceTransactionJson = z
  .object({
    id: z.string(),
    object: z.literal('customer_balance_transaction'),
    customer: z.string(),
    amount: z.number().int().describe('Minor units; negative = credit given to the customer'),
    currency: z.string(),
    type: z.enum(CUSTOMER_BALANCE_TRANSACTION_TYPES),
    ending_balance: z.number().int().describe("The customer's balance after this transaction"),
    invoice: z.string().nullable(),
    credit_note: z.string().nullable(),
    description: z.string().nullable(),
    metadata: z.record(z.string(), z.string()),
    created_at: z.string(),
  })
  .meta({ id: 'CustomerBalanceTransaction' });

export function presentBalanceTransaction(
  t: CustomerBalanceTransactionRecord,
): z.infer<typeof balanceTransactionJson> {
  return {
    ...snakeize<z.infer<typeof balanceTransactionJson>>(t),
    object: 'customer_balance_transaction',
    customer: t.customerId,
    invoice: t.invoiceId,
    credit_note: t.creditNoteId,
  };
}

export async function customerRoutes(app: TypedApp, ctx: RouteContext): Promise<void> {
  const { customers, balance } = ctx.billing;
  const tags = ['customers'];

  app.post(
    '/v1/customers',
    {
      schema: {
        tags,
        operationId: 'createCustomer',
        summary: 'Create a customer',
        body: createCustomerBody,
        response: { 201: customerJson },
      },
    },
    async (request, reply) => {
      const customer = await customers.create(operationOf(ctx, request), camelize(request.body));
      return reply.code(201).send(presentCustomer(customer));
    },
  );

  const getCustomer = { tags, operationId: 'getCustomer', summary: 'Retrieve a customer' };
  retrieveRoute(app, ctx, '/v1/customers', getCustomer, customerJson, customers.retrieve, presentCustomer);

  app.post(
    '/v1/customers/:id',
    {
      schema: {
        tags,
        operationId: 'updateCustomer',
        summary: 'Update a customer (only the fields sent change)',
        params: idParams,
        body: updateCustomerBody,
        response: { 200: customerJson },
      },
    },
    async (request) => {
      const op = operationOf(ctx, request);
      return presentCustomer(await customers.update(op, request.params.id, camelize(request.body)));
    },
  );

  const listCustomers = { tags, operationId: 'listCustomers', summary: 'List customers' };
  const byEmail = { email: z.string().optional(), external_id: z.string().optional() };
  listRoute(app, ctx, '/v1/customers', listCustomers, customerJson, byEmail, customers.list, presentCustomer);

  app.get(
    '/v1/customers/:id/balance-transactions',
    {
      schema: {
        tags,
        operationId: 'listCustomerBalanceTransactions',
        summary: "List a customer's balance transactions (oldest first)",
        params: idParams,
        querystring: listQuery,
        response: { 200: listOf(balanceTransactionJson) },
      },
    },
    async (request) => {
      const entries = await balance.list(
        operationOf(ctx, request),
        request.params.id,
        camelize(request.query),
      );
      return page(entries, presentBalanceTransaction);
    },
  );

  app.post(
    '/v1/customers/:id/balance-transactions',
    {
      schema: {
        tags,
        operationId: 'createCustomerBalanceTransaction',
        summary: "Adjust a customer's balance (its next invoices start from it)",
        params: idParams,
        body: balanceTransactionBody,
        response: { 201: balanceTransactionJson },
      },
    },
    async (request, reply) => {
      const op = operationOf(ctx, request);
      const entry = await balance.create(op, request.params.id, camelize(request.body));
      return reply.code(201).send(presentBalanceTransaction(entry));
    },
  );
}

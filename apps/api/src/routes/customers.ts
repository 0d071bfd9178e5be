import { z } from 'zod';
import { ApiError, notFound } from '../http/problem.js';
import { currencySchema, idParams, listOf, listQuery, metadataSchema, page } from '../http/schemas.js';
import { newId } from '@billkit/workflows';
import type { CustomerRecord } from '@billkit/db';
import { change, type RouteContext, type TypedApp, tenantOf } from './context.js';

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
  country: z.string().regex(/^[A-Z]{2}$/, 'ISO 3166-1 alpha-2, upper case'),
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

type AddressInput = z.infer<typeof addressSchema>;

function addressRecord(input: AddressInput): CustomerRecord['address'] {
  const { postal_code, ...rest } = input;
  return { ...rest, ...(postal_code !== undefined ? { postalCode: postal_code } : {}) };
}

export function presentCustomer(c: CustomerRecord): z.infer<typeof customerJson> {
  const { postalCode, ...address } = c.address;
  return {
    id: c.id,
    object: 'customer',
    external_id: c.externalId,
    name: c.name,
    email: c.email,
    currency: c.currency,
    timezone: c.timezone,
    address: { ...address, ...(postalCode !== undefined ? { postal_code: postalCode } : {}) },
    tax_exempt: c.taxExempt,
    tax_exemptions: c.taxExemptions.map((e) => ({
      jurisdiction_id: e.jurisdictionId,
      certificate_id: e.certificateId,
    })),
    tax_ids: c.taxIds,
    balance: c.balance,
    metadata: c.metadata,
    created_at: c.createdAt,
    updated_at: c.updatedAt,
  };
}

export async function customerRoutes(app: TypedApp, ctx: RouteContext): Promise<void> {
  const tags = ['customers'];

  app.post(
    '/v1/customers',
    {
      schema: {
        tags,
        summary: 'Create a customer',
        body: createCustomerBody,
        response: { 201: customerJson },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const now = ctx.clock().toISOString();
      const customer: CustomerRecord = {
        id: newId('cus'),
        externalId: body.external_id ?? null,
        name: body.name ?? null,
        email: body.email ?? null,
        currency: body.currency,
        timezone: body.timezone,
        address: addressRecord(body.address),
        taxExempt: body.tax_exempt,
        taxExemptions: body.tax_exemptions.map((e) => ({
          jurisdictionId: e.jurisdiction_id,
          certificateId: e.certificate_id,
        })),
        taxIds: body.tax_ids,
        balance: 0,
        metadata: body.metadata,
        createdAt: now,
        updatedAt: now,
      };
      await change(ctx, request, async (tx, record) => {
        if (customer.externalId !== null) {
          const clash = await tx.list('customer', { limit: 1, where: { externalId: customer.externalId } });
          if (clash.data.length > 0) {
            throw new ApiError(
              'API_CONFLICT',
              `A customer with external_id '${customer.externalId}' already exists`,
              {
                fields: [{ location: 'body', path: 'external_id', message: 'already used' }],
              },
            );
          }
        }
        await tx.insert('customer', customer);
        await record({
          type: 'customer.created',
          entityType: 'customer',
          entityId: customer.id,
          before: null,
          after: customer,
        });
      });
      return reply.code(201).send(presentCustomer(customer));
    },
  );

  app.get(
    '/v1/customers/:id',
    { schema: { tags, summary: 'Retrieve a customer', params: idParams, response: { 200: customerJson } } },
    async (request) => {
      const customer = await tenantOf(ctx, request).get('customer', request.params.id);
      if (!customer) throw notFound('customer', request.params.id);
      return presentCustomer(customer);
    },
  );

  app.post(
    '/v1/customers/:id',
    {
      schema: {
        tags,
        summary: 'Update a customer (only the fields sent change)',
        params: idParams,
        body: updateCustomerBody,
        response: { 200: customerJson },
      },
    },
    async (request) => {
      const body = request.body;
      const updated = await change(ctx, request, async (tx, record) => {
        const before = await tx.get('customer', request.params.id);
        if (!before) throw notFound('customer', request.params.id);
        const after: CustomerRecord = {
          ...before,
          ...(body.external_id !== undefined ? { externalId: body.external_id } : {}),
          ...(body.name !== undefined ? { name: body.name } : {}),
          ...(body.email !== undefined ? { email: body.email } : {}),
          ...(body.timezone !== undefined ? { timezone: body.timezone } : {}),
          ...(body.address !== undefined ? { address: addressRecord(body.address) } : {}),
          ...(body.tax_exempt !== undefined ? { taxExempt: body.tax_exempt } : {}),
          ...(body.tax_exemptions !== undefined
            ? {
                taxExemptions: body.tax_exemptions.map((e) => ({
                  jurisdictionId: e.jurisdiction_id,
                  certificateId: e.certificate_id,
                })),
              }
            : {}),
          ...(body.tax_ids !== undefined ? { taxIds: body.tax_ids } : {}),
          ...(body.metadata !== undefined ? { metadata: body.metadata } : {}),
          updatedAt: ctx.clock().toISOString(),
        };
        await tx.update('customer', after);
        await record({ type: 'customer.updated', entityType: 'customer', entityId: after.id, before, after });
        return after;
      });
      return presentCustomer(updated);
    },
  );

  app.get(
    '/v1/customers',
    {
      schema: {
        tags,
        summary: 'List customers',
        querystring: listQuery.extend({ email: z.string().optional(), external_id: z.string().optional() }),
        response: { 200: listOf(customerJson) },
      },
    },
    async (request) => {
      const q = request.query;
      const where: Record<string, string> = {};
      if (q.email !== undefined) where.email = q.email;
      if (q.external_id !== undefined) where.externalId = q.external_id;
      const result = await tenantOf(ctx, request).list('customer', {
        limit: q.limit,
        ...(q.starting_after !== undefined ? { startingAfter: q.starting_after } : {}),
        where,
      });
      return page(result, presentCustomer);
    },
  );
}

import type { Customer as BillingCoreCustomer } from '@billkit/billing-core';
import {
  fromJson,
  type Metadata,
  metadataIfAny,
  toBigInt,
  toJson,
  toMetadataJson,
  toMinorUnits,
  withoutNulls,
} from '../codec.js';
import { DbError, isUniqueViolation } from '../errors.js';
import type { Scope } from '../scope.js';
import { appendBalanceTransaction } from './customer-balance.js';
import { type ListOptions, listArgs } from './list-options.js';

export type { BillingAddress } from '@billkit/billing-core';

/**
 * billing-core's `Customer` plus `externalId`, the host application's own id for the customer, and
 * Stripe-style `metadata` (absent when empty; a save without it keeps what is stored).
 */
export type { ListOptions } from './list-options.js';

export type Customer = BillingCoreCustomer & { externalId?: string; metadata?: Metadata };

export interface CustomerRepository {
  /** Inserts or updates the customer (by id, within the tenant). */
  save(tenantId: string, customer: Customer): Promise<Customer>;
  get(tenantId: string, id: string): Promise<Customer | null>;
  findByExternalId(tenantId: string, externalId: string): Promise<Customer | null>;
  list(tenantId: string, options?: ListOptions): Promise<Customer[]>;
  /**
   * Adds `delta` minor units (Stripe's sign: negative credits the customer) to the balance and returns the
   * new balance: an `adjustment` entry of the balance ledger (see `customerBalance.append`).
   */
  adjustBalance(tenantId: string, id: string, delta: number): Promise<number>;
}

type Row = Awaited<ReturnType<Scope['client']['customer']['findFirstOrThrow']>>;

export function customerFromRow(row: Row): Customer {
  return {
    id: row.id,
    ...withoutNulls({ externalId: row.externalId, name: row.name, email: row.email }),
    currency: row.currency,
    timezone: row.timezone,
    address: {
      ...withoutNulls({
        line1: row.addressLine1,
        line2: row.addressLine2,
        region: row.addressRegion,
        county: row.addressCounty,
        city: row.addressCity,
        postalCode: row.addressPostalCode,
      }),
      country: row.addressCountry,
      ...(() => {
        const districts = fromJson<string[]>(row.addressDistricts, 'Customer.addressDistricts');
        return districts.length > 0 ? { districts } : {};
      })(),
    },
    taxExempt: row.taxExempt as Customer['taxExempt'],
    ...withoutNulls({ taxExemptCertificateId: row.taxExemptCertificateId }),
    taxExemptions: fromJson(row.taxExemptions, 'Customer.taxExemptions'),
    taxIds: fromJson(row.taxIds, 'Customer.taxIds'),
    balance: toMinorUnits(row.balance, 'Customer.balance'),
    ...metadataIfAny(row.metadata, 'Customer.metadata'),
  };
}

function toColumns(customer: Customer) {
  return {
    externalId: customer.externalId ?? null,
    name: customer.name ?? null,
    email: customer.email ?? null,
    currency: customer.currency,
    timezone: customer.timezone,
    addressLine1: customer.address.line1 ?? null,
    addressLine2: customer.address.line2 ?? null,
    addressCountry: customer.address.country,
    addressRegion: customer.address.region ?? null,
    addressCounty: customer.address.county ?? null,
    addressCity: customer.address.city ?? null,
    addressPostalCode: customer.address.postalCode ?? null,
    addressDistricts: toJson(customer.address.districts ?? []),
    taxExempt: customer.taxExempt,
    taxExemptCertificateId: customer.taxExemptCertificateId ?? null,
    taxExemptions: toJson(customer.taxExemptions),
    taxIds: toJson(customer.taxIds),
    balance: toBigInt(customer.balance, 'Customer.balance'),
    ...(customer.metadata !== undefined
      ? { metadata: toMetadataJson(customer.metadata, 'Customer.metadata') }
      : {}),
  };
}

export function customerRepository(scope: Scope): CustomerRepository {
  return {
    async save(tenantId, customer) {
      const data = toColumns(customer);
      try {
        const updated = await scope.client.customer.updateMany({
          where: { id: customer.id, tenantId },
          data,
        });
        if (updated.count === 0)
          await scope.client.customer.create({ data: { ...data, id: customer.id, tenantId } });
      } catch (error) {
        if (isUniqueViolation(error)) {
          throw new DbError('DB_DUPLICATE', `Customer id or externalId already taken`, { id: customer.id });
        }
        throw error;
      }
      return customer;
    },
    async get(tenantId, id) {
      const row = await scope.client.customer.findFirst({ where: { id, tenantId } });
      return row ? customerFromRow(row) : null;
    },
    async findByExternalId(tenantId, externalId) {
      const row = await scope.client.customer.findFirst({ where: { tenantId, externalId } });
      return row ? customerFromRow(row) : null;
    },
    async list(tenantId, options) {
      const { where, ...rest } = listArgs(options);
      const rows = await scope.client.customer.findMany({ ...rest, where: { ...where, tenantId } });
      return rows.map(customerFromRow);
    },
    async adjustBalance(tenantId, id, delta) {
      const entry = await appendBalanceTransaction(scope, tenantId, {
        customerId: id,
        type: 'adjustment',
        amount: delta,
      });
      return entry.endingBalance;
    },
  };
}

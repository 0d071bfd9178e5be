import type { CustomerRecord, Page } from '@billkit/db';
import { type Deps, mutate, type OperationContext, tenantOf } from './context.js';
import { notFound, WorkflowError } from './errors.js';
import { newId } from './ids.js';
import { checkInput } from './input-checks.js';

/** A new customer: currency and billing address are required; the rest defaults as shown. */
export interface CreateCustomerInput {
  readonly currency: string;
  readonly externalId?: string | null | undefined;
  readonly name?: string | null | undefined;
  readonly email?: string | null | undefined;
  /** IANA time zone in which periods and proration days are counted (default `UTC`). */
  readonly timezone?: string | undefined;
  readonly address: CustomerRecord['address'];
  readonly taxExempt?: CustomerRecord['taxExempt'] | undefined;
  readonly taxExemptions?: CustomerRecord['taxExemptions'] | undefined;
  readonly taxIds?: string[] | undefined;
  readonly metadata?: Record<string, string> | undefined;
}

/** The fields of a customer to change; absent fields stay as they are (the balance changes only through its ledger). */
export type UpdateCustomerInput = {
  readonly [K in CustomerField]?: CustomerRecord[K] | undefined;
};

/** A page of customers, optionally those with one email or external id. */
export interface ListCustomersInput {
  readonly limit: number;
  readonly startingAfter?: string | undefined;
  readonly email?: string | undefined;
  readonly externalId?: string | undefined;
}

const CUSTOMER_FIELDS = [
  'externalId',
  'name',
  'email',
  'timezone',
  'address',
  'taxExempt',
  'taxExemptions',
  'taxIds',
  'metadata',
] as const;
type CustomerField = (typeof CUSTOMER_FIELDS)[number];

/** The fields of `input` among `keys` that are present (an update changes only those). */
function presentFields<T extends object, K extends keyof T>(
  input: T,
  keys: readonly K[],
): { [P in K]?: Exclude<T[P], undefined> } {
  const out: { [P in K]?: Exclude<T[P], undefined> } = {};
  for (const key of keys) if (input[key] !== undefined) out[key] = input[key] as Exclude<T[K], undefined>;
  return out;
}

/**
 * Customers: create, retrieve, list, update.
 *
 * @example
 * const customer = await billing.customers.create({ tenantId }, { currency: 'USD', address: { country: 'US' } });
 */
export function customerOperations(deps: Deps) {
  return {
    /**
     * Creates a customer (balance 0); an `externalId` already used is `WORKFLOW_CONFLICT`, an unknown
     * ISO-4217 currency or ISO 3166-1 country `WORKFLOW_VALIDATION_FAILED` naming the field.
     */
    async create(ctx: OperationContext, input: CreateCustomerInput): Promise<CustomerRecord> {
      checkInput([
        ['currency', input.currency, 'currency'],
        ['address.country', input.address?.country ?? null, 'country'],
      ]);
      const now = deps.clock().toISOString();
      const customer: CustomerRecord = {
        id: newId('cus'),
        externalId: input.externalId ?? null,
        name: input.name ?? null,
        email: input.email ?? null,
        currency: input.currency,
        timezone: input.timezone ?? 'UTC',
        address: input.address,
        taxExempt: input.taxExempt ?? 'none',
        taxExemptions: input.taxExemptions ?? [],
        taxIds: input.taxIds ?? [],
        balance: 0,
        metadata: input.metadata ?? {},
        createdAt: now,
        updatedAt: now,
      };
      return mutate(deps, ctx, 'customers.create', input, async (tx, record) => {
        if (customer.externalId !== null) {
          const clash = await tx.list('customer', { limit: 1, where: { externalId: customer.externalId } });
          if (clash.data.length > 0) {
            throw new WorkflowError(
              'WORKFLOW_CONFLICT',
              `A customer with external_id '${customer.externalId}' already exists`,
              { fields: [{ path: 'externalId', message: 'already used' }] },
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
        return customer;
      });
    },

    /** The customer `id`, or `WORKFLOW_NOT_FOUND`. */
    async retrieve(ctx: OperationContext, id: string): Promise<CustomerRecord> {
      const customer = await tenantOf(deps, ctx).get('customer', id);
      if (!customer) throw notFound('customer', id);
      return customer;
    },

    /** Changes the fields present in `input` (an address is checked as on create). */
    async update(ctx: OperationContext, id: string, input: UpdateCustomerInput): Promise<CustomerRecord> {
      if (input.address !== undefined)
        checkInput([['address.country', input.address?.country ?? null, 'country']]);
      return mutate(deps, ctx, 'customers.update', { id, input }, async (tx, record) => {
        const before = await tx.get('customer', id);
        if (!before) throw notFound('customer', id);
        const after: CustomerRecord = {
          ...before,
          ...presentFields(input, CUSTOMER_FIELDS),
          updatedAt: deps.clock().toISOString(),
        };
        await tx.update('customer', after);
        await record({ type: 'customer.updated', entityType: 'customer', entityId: after.id, before, after });
        return after;
      });
    },

    /** A page of customers, oldest first. */
    async list(ctx: OperationContext, query: ListCustomersInput): Promise<Page<CustomerRecord>> {
      const where: Record<string, string> = {};
      if (query.email !== undefined) where.email = query.email;
      if (query.externalId !== undefined) where.externalId = query.externalId;
      return tenantOf(deps, ctx).list('customer', {
        limit: query.limit,
        ...(query.startingAfter !== undefined ? { startingAfter: query.startingAfter } : {}),
        where,
      });
    },
  };
}

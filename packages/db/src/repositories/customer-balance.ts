import {
  fromMetadataJson,
  type Metadata,
  toBigInt,
  toDate,
  toIso,
  toMetadataJson,
  toMinorUnits,
} from '../codec.js';
import { DbError, isUniqueViolation } from '../errors.js';
import { atomicWithRetry, newSortableId, type Scope } from '../scope.js';
import { type ListOptions, listArgs } from './list-options.js';

// A customer's balance ledger (Stripe's customer balance transactions): every change of `Customer.balance`
// made through it leaves an entry with the amount and the balance after it, so the balance can be explained.

/** Stripe's customer balance transaction types. */
export const CUSTOMER_BALANCE_TRANSACTION_TYPES = [
  'adjustment',
  'applied_to_invoice',
  'credit_note',
  'initial',
  'invoice_overpaid',
  'invoice_too_large',
  'invoice_too_small',
  'migration',
  'unapplied_from_invoice',
  'unspent_receiver_credit',
] as const;
export type CustomerBalanceTransactionType = (typeof CUSTOMER_BALANCE_TRANSACTION_TYPES)[number];

/**
 * One entry of a customer's balance ledger. Amounts are minor units of `currency` (the customer's) with
 * Stripe's sign: a negative `amount` credits the customer (lowers what they owe), `endingBalance` is the
 * customer's balance after the entry (negative: credit the customer holds).
 */
export interface CustomerBalanceTransaction {
  id: string;
  customerId: string;
  type: CustomerBalanceTransactionType;
  amount: number;
  currency: string;
  endingBalance: number;
  invoiceId: string | null;
  creditNoteId: string | null;
  description: string | null;
  metadata: Metadata;
  createdAt: string;
}

export interface CustomerBalanceTransactionInput {
  customerId: string;
  type: CustomerBalanceTransactionType;
  /** Stripe's sign: negative credits the customer. Minor units of the customer's currency. */
  amount: number;
  /** The customer's currency; given, it is checked (`DB_INVALID_DATA` when it differs). */
  currency?: string;
  /** The invoice the entry is about (this tenant's). */
  invoiceId?: string | null;
  /** The credit note the entry is about (this tenant's). */
  creditNoteId?: string | null;
  description?: string | null;
  metadata?: Metadata;
  /** Default: now. */
  createdAt?: string;
  /** Default: a new `cbtxn_…` id that sorts by creation time. */
  id?: string;
}

export interface CustomerBalanceRepository {
  /**
   * Adds the entry's `amount` to the customer's balance and stores the entry with the resulting
   * `endingBalance`, in one transaction (the caller's, inside `db.transaction`). Unknown customer, invoice or
   * credit note → `DB_NOT_FOUND`; another currency, an unknown type or an unsafe amount → `DB_INVALID_DATA`.
   *
   * @example
   * // The customer overpaid invoice in_1 by $5.00: the excess becomes credit on their balance.
   * const entry = await db.customerBalance.append('acme', {
   *   customerId: 'cus_1', type: 'invoice_overpaid', amount: -500, invoiceId: 'in_1',
   * });
   * entry.endingBalance; // → -500 for a customer that owed nothing before
   */
  append(tenantId: string, input: CustomerBalanceTransactionInput): Promise<CustomerBalanceTransaction>;
  get(tenantId: string, id: string): Promise<CustomerBalanceTransaction | null>;
  /** The customer's entries, oldest first (ids sort by creation time); `startingAfter` pages on. */
  list(tenantId: string, customerId: string, options?: ListOptions): Promise<CustomerBalanceTransaction[]>;
}

type Row = Awaited<ReturnType<Scope['client']['customerBalanceTransaction']['findFirstOrThrow']>>;

export function balanceTransactionFromRow(row: Row): CustomerBalanceTransaction {
  return {
    id: row.id,
    customerId: row.customerId,
    type: row.type as CustomerBalanceTransactionType,
    amount: toMinorUnits(row.amount, 'CustomerBalanceTransaction.amount'),
    currency: row.currency,
    endingBalance: toMinorUnits(row.endingBalance, 'CustomerBalanceTransaction.endingBalance'),
    invoiceId: row.invoiceId,
    creditNoteId: row.creditNoteId,
    description: row.description,
    metadata: fromMetadataJson(row.metadata, 'CustomerBalanceTransaction.metadata'),
    createdAt: toIso(row.createdAt),
  };
}

/** The entry's columns, checked (an unknown type, an unsafe amount or non-string metadata are refused). */
export function balanceTransactionColumns(tenantId: string, entry: CustomerBalanceTransaction): Row {
  if (!(CUSTOMER_BALANCE_TRANSACTION_TYPES as readonly string[]).includes(entry.type))
    throw new DbError('DB_INVALID_DATA', `Unknown balance transaction type ${entry.type}`, {
      type: entry.type,
    });
  return {
    id: entry.id,
    tenantId,
    customerId: entry.customerId,
    type: entry.type,
    amount: toBigInt(entry.amount, 'CustomerBalanceTransaction.amount'),
    currency: entry.currency,
    endingBalance: toBigInt(entry.endingBalance, 'CustomerBalanceTransaction.endingBalance'),
    invoiceId: entry.invoiceId,
    creditNoteId: entry.creditNoteId,
    description: entry.description,
    metadata: toMetadataJson(entry.metadata, 'CustomerBalanceTransaction.metadata'),
    createdAt: toDate(entry.createdAt, 'createdAt'),
  };
}

/**
 * The ledger append shared by `customerBalance.append` and `customers.adjustBalance`: checks what the entry
 * refers to, moves the balance (the UPDATE locks the customer's row until the commit, so concurrent entries
 * queue and each `endingBalance` is exact), reads the new balance and inserts the entry.
 */
export async function appendBalanceTransaction(
  scope: Scope,
  tenantId: string,
  input: CustomerBalanceTransactionInput,
): Promise<CustomerBalanceTransaction> {
  const amount = toBigInt(input.amount, 'CustomerBalanceTransaction.amount');
  return await atomicWithRetry(scope, async (tx) => {
    const customer = await tx.client.customer.findFirst({
      where: { id: input.customerId, tenantId },
      select: { currency: true },
    });
    if (!customer)
      throw new DbError('DB_NOT_FOUND', `No customer ${input.customerId}`, { id: input.customerId });
    if (input.currency !== undefined && input.currency !== customer.currency) {
      throw new DbError(
        'DB_INVALID_DATA',
        `The balance of customer ${input.customerId} is in ${customer.currency}, not ${input.currency}`,
        { customerId: input.customerId, currency: input.currency, balanceCurrency: customer.currency },
      );
    }
    if (input.invoiceId) await assertInTenant(tx, 'invoice', tenantId, input.invoiceId);
    if (input.creditNoteId) await assertInTenant(tx, 'creditNote', tenantId, input.creditNoteId);
    await tx.client.customer.updateMany({
      where: { id: input.customerId, tenantId },
      data: { balance: { increment: amount } },
    });
    const after = await tx.client.customer.findFirstOrThrow({
      where: { id: input.customerId, tenantId },
      select: { balance: true },
    });
    const entry: CustomerBalanceTransaction = {
      id: input.id ?? newSortableId('cbtxn'),
      customerId: input.customerId,
      type: input.type,
      amount: input.amount,
      currency: customer.currency,
      endingBalance: toMinorUnits(after.balance, 'Customer.balance'),
      invoiceId: input.invoiceId ?? null,
      creditNoteId: input.creditNoteId ?? null,
      description: input.description ?? null,
      metadata: input.metadata ?? {},
      createdAt: input.createdAt ?? new Date().toISOString(),
    };
    try {
      // createMany: a plain INSERT (create would read the row back).
      await tx.client.customerBalanceTransaction.createMany({
        data: [balanceTransactionColumns(tenantId, entry)],
      });
    } catch (error) {
      if (isUniqueViolation(error))
        throw new DbError('DB_DUPLICATE', `Balance transaction ${entry.id} exists`, { id: entry.id });
      throw error;
    }
    return { ...entry, createdAt: toIso(toDate(entry.createdAt, 'createdAt')) };
  });
}

async function assertInTenant(
  scope: Scope,
  model: 'invoice' | 'creditNote',
  tenantId: string,
  id: string,
): Promise<void> {
  const found =
    model === 'invoice'
      ? await scope.client.invoice.findFirst({ where: { id, tenantId }, select: { id: true } })
      : await scope.client.creditNote.findFirst({ where: { id, tenantId }, select: { id: true } });
  if (!found)
    throw new DbError('DB_NOT_FOUND', `No ${model === 'invoice' ? 'invoice' : 'credit note'} ${id}`, { id });
}

export function customerBalanceRepository(scope: Scope): CustomerBalanceRepository {
  return {
    append(tenantId, input) {
      return appendBalanceTransaction(scope, tenantId, input);
    },
    async get(tenantId, id) {
      const row = await scope.client.customerBalanceTransaction.findFirst({ where: { id, tenantId } });
      return row ? balanceTransactionFromRow(row) : null;
    },
    async list(tenantId, customerId, options) {
      const { where, ...rest } = listArgs(options);
      const rows = await scope.client.customerBalanceTransaction.findMany({
        ...rest,
        where: { ...where, tenantId, customerId },
      });
      return rows.map(balanceTransactionFromRow);
    },
  };
}

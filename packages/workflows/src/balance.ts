import { customerBalanceTransaction } from '@billkit/billing-core';
import type { CustomerBalanceTransactionRecord, InvoiceRecord, Page, TenantTransaction } from '@billkit/db';
import { type Deps, mutate, type OperationContext, type Recorder, tenantOf } from './context.js';
import { notFound, WorkflowError } from './errors.js';
import { newId } from './ids.js';

/** A page of a customer's balance transactions, oldest first. */
export interface ListBalanceTransactionsInput {
  readonly limit: number;
  readonly startingAfter?: string | undefined;
}

/** A manual adjustment of a customer's balance, in integer minor units of the customer's currency. */
export interface CreateBalanceTransactionInput {
  /** Stripe's sign: negative credits the customer (lowers what they owe next), positive adds to it. */
  readonly amount: number;
  /** Must be the customer's currency when given. */
  readonly currency?: string | undefined;
  readonly description?: string | null | undefined;
  readonly metadata?: Record<string, string> | undefined;
}

/** One entry to write to a customer's balance ledger (see {@link appendBalanceTransaction}). */
export interface BalanceTransactionEntry {
  readonly customerId: string;
  /** Stripe's sign: negative credits the customer. Minor units of the customer's currency. */
  readonly amount: number;
  readonly type: 'adjustment' | 'applied_to_invoice' | 'invoice_overpaid' | 'credit_note';
  readonly invoiceId?: string | null | undefined;
  readonly creditNoteId?: string | null | undefined;
  readonly description?: string | null | undefined;
  readonly metadata?: Record<string, string> | undefined;
}

/**
 * Writes one entry of a customer's balance ledger inside the caller's transaction: locks the customer, stores
 * the entry with the balance after it (`endingBalance`), moves `customer.balance` by `amount` and records
 * `customer.balance_transaction.created`. The customer's balance is thus always the sum of its entries.
 * It locks the customer row: callers that also lock an invoice or subscription lock those first.
 *
 * @example
 * // A credit note of 12.00 credited to the customer's balance:
 * await appendBalanceTransaction(deps, tx, record, {
 *   customerId: 'cus_1', amount: -1200, type: 'credit_note', creditNoteId: 'cn_1', invoiceId: 'in_1',
 * });
 */
export async function appendBalanceTransaction(
  deps: Deps,
  tx: TenantTransaction,
  record: Recorder,
  input: BalanceTransactionEntry,
): Promise<CustomerBalanceTransactionRecord> {
  const before = await tx.getForUpdate('customer', input.customerId);
  if (!before) throw notFound('customer', input.customerId);
  const endingBalance = before.balance + input.amount;
  if (!Number.isSafeInteger(input.amount) || !Number.isSafeInteger(endingBalance)) {
    throw new WorkflowError('WORKFLOW_VALIDATION_FAILED', 'The balance would not be a safe integer', {
      fields: [{ path: 'amount', message: 'must keep the balance within ±9007199254740991' }],
    });
  }
  const now = deps.clock().toISOString();
  const entry: CustomerBalanceTransactionRecord = {
    id: newId('cbtxn'),
    customerId: before.id,
    type: input.type,
    amount: input.amount,
    currency: before.currency,
    endingBalance,
    invoiceId: input.invoiceId ?? null,
    creditNoteId: input.creditNoteId ?? null,
    description: input.description ?? null,
    metadata: input.metadata ?? {},
    createdAt: now,
  };
  await tx.insert('balance_transaction', entry);
  const after = { ...before, balance: endingBalance, updatedAt: now };
  await tx.update('customer', after);
  await record({
    type: 'customer.balance_transaction.created',
    entityType: 'customer',
    entityId: before.id,
    before,
    after,
    extra: { balanceTransaction: entry },
  });
  return entry;
}

/**
 * Records on the customer's ledger what finalizing `invoice` did to their balance (billing-core's
 * `customerBalanceTransaction`): `applied_to_invoice` when it used credit the customer held (amount > 0),
 * `invoice_overpaid` when it left credit (amount < 0: a negative total such as a mid-period downgrade);
 * null when it neither used nor created balance. Call it in the transaction that finalizes the invoice.
 */
export async function applyInvoiceToBalance(
  deps: Deps,
  tx: TenantTransaction,
  record: Recorder,
  invoice: InvoiceRecord,
): Promise<CustomerBalanceTransactionRecord | null> {
  const implied = customerBalanceTransaction(invoice);
  if (!implied) return null;
  const amount = implied.amount.amount;
  return appendBalanceTransaction(deps, tx, record, {
    customerId: invoice.customerId,
    amount,
    type: amount > 0 ? 'applied_to_invoice' : 'invoice_overpaid',
    invoiceId: invoice.id,
  });
}

/**
 * A customer's balance ledger (Stripe's customer balance transactions): list, adjust. Invoices and credit
 * notes write their own entries; the customer's `balance` is the sum of them all and the next invoice
 * starts from it (`startingBalance`).
 *
 * @example
 * // Give a customer 5.00 of credit: their next invoice's amount due is 5.00 lower.
 * await billing.balance.create({ tenantId }, 'cus_1', { amount: -500, description: 'Goodwill' });
 */
export function balanceOperations(deps: Deps) {
  return {
    /** The customer's entries, oldest first; an unknown customer is `WORKFLOW_NOT_FOUND`. */
    async list(
      ctx: OperationContext,
      customerId: string,
      query: ListBalanceTransactionsInput,
    ): Promise<Page<CustomerBalanceTransactionRecord>> {
      const tenant = tenantOf(deps, ctx);
      if (!(await tenant.get('customer', customerId))) throw notFound('customer', customerId);
      return tenant.list('balance_transaction', {
        limit: query.limit,
        ...(query.startingAfter !== undefined ? { startingAfter: query.startingAfter } : {}),
        where: { customerId },
      });
    },

    /** Adds a manual `adjustment`; a `currency` other than the customer's is `WORKFLOW_VALIDATION_FAILED`. */
    async create(
      ctx: OperationContext,
      customerId: string,
      input: CreateBalanceTransactionInput,
    ): Promise<CustomerBalanceTransactionRecord> {
      return mutate(deps, ctx, 'balance.create', { customerId, input }, async (tx, record) => {
        const customer = await tx.getForUpdate('customer', customerId);
        if (!customer) throw notFound('customer', customerId);
        if (input.currency !== undefined && input.currency !== customer.currency) {
          throw new WorkflowError(
            'WORKFLOW_VALIDATION_FAILED',
            `The customer's balance is in ${customer.currency}, not ${input.currency}`,
            {
              fields: [
                { path: 'currency', message: `must be the customer's currency (${customer.currency})` },
              ],
            },
          );
        }
        return appendBalanceTransaction(deps, tx, record, {
          customerId,
          amount: input.amount,
          type: 'adjustment',
          description: input.description,
          metadata: input.metadata,
        });
      });
    },
  };
}

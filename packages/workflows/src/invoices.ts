// Invoices: the upcoming preview, one-off invoices, finalize, void, pay, mark uncollectible; credit notes.
import { createHash } from 'node:crypto';
import {
  BillingService,
  createCreditNote,
  finalizeInvoice,
  type Invoice,
  markInvoiceUncollectible,
  voidInvoice,
} from '@billkit/billing-core';
import type {
  CreditNoteRecord,
  InvoiceRecord,
  InvoiceStatus,
  Page,
  TenantReader,
  TenantTransaction,
} from '@billkit/db';
import { appendBalanceTransaction, applyInvoiceToBalance } from './balance.js';
import { type Deps, gatewayOf, mutate, type OperationContext, runClaimed, tenantOf } from './context.js';
import {
  billingFor,
  discountDefinition,
  loadCatalogFor,
  loadVersionedRateTable,
  referencedPriceIds,
  toCoreCustomer,
} from './environment.js';
import { notFound, WorkflowError } from './errors.js';
import { newId } from './ids.js';
import {
  attemptsOf,
  type InvoicePaymentOutcome,
  refuseWhilePaymentInFlight,
  reserveAttempt,
  runAttempt,
  settleInvoicePayment,
} from './payment-attempts.js';
import {
  discountStateFor,
  persistInvoiceTransition,
  persistTransition,
  recordTransitionEvents,
} from './transition.js';

export type { InvoicePaymentOutcome } from './payment-attempts.js';

/** The subscription whose next invoice to preview. */
export interface UpcomingInvoiceInput {
  readonly subscription: string;
  /**
   * The tenant's change marker (`TenantReader.changeMarker()`) read before this call, e.g. together with
   * the API key; default: read now.
   */
  readonly changeMarker?: string | undefined;
}

/** A one-off (manual) invoice: the customer, its items and the discounts to apply. */
export interface CreateInvoiceInput {
  readonly customer: string;
  readonly items: readonly {
    readonly price: string;
    /** Default 1. */
    readonly quantity?: number | undefined;
    readonly description?: string | undefined;
  }[];
  /** Ids of active discounts. */
  readonly discounts?: readonly string[] | undefined;
}

/** A page of invoices, optionally of one customer, one subscription or in one status. */
export interface ListInvoicesInput {
  readonly limit: number;
  readonly startingAfter?: string | undefined;
  readonly customer?: string | undefined;
  readonly subscription?: string | undefined;
  readonly status?: InvoiceStatus | undefined;
}

/** How a draft is finalized: days until it is due (default 30). */
export interface FinalizeInvoiceInput {
  readonly daysUntilDue?: number | undefined;
}

/** How an open invoice is paid: through the gateway with a payment method, or recorded as paid out of band. */
export interface PayInvoiceInput {
  /** Gateway payment method id (e.g. Tilled pm_…). */
  readonly paymentMethod?: string | undefined;
  /** Gateway customer id owning the payment method (default: the customer's `tilled_customer_id` metadata). */
  readonly gatewayCustomer?: string | undefined;
  /** Record a payment made outside billkit. */
  readonly paidOutOfBand?: boolean | undefined;
}

/** A credit note against an open or paid invoice: which lines, how much of each, and where the credit goes. */
export interface CreateCreditNoteInput {
  readonly invoice: string;
  readonly lines: readonly {
    readonly invoiceLine: string;
    /** Minor units of the line amount to credit; default: all left. */
    readonly amount?: number | undefined;
    readonly quantity?: number | undefined;
  }[];
  readonly reason?: 'duplicate' | 'fraudulent' | 'order_change' | 'product_unsatisfactory' | undefined;
  /** For a paid invoice: refund (default) or credit the customer balance. */
  readonly creditTo?: 'refund' | 'customer_balance' | undefined;
  readonly memo?: string | undefined;
}

/** A page of credit notes, optionally of one invoice. */
export interface ListCreditNotesInput {
  readonly limit: number;
  readonly startingAfter?: string | undefined;
  readonly invoice?: string | undefined;
}

/** The invoice, or `WORKFLOW_NOT_FOUND`; `forUpdate` (in a transaction that will update it): locked until the commit. */
async function loadInvoice(reader: TenantReader, id: string, forUpdate?: false): Promise<InvoiceRecord>;
async function loadInvoice(reader: TenantTransaction, id: string, forUpdate: true): Promise<InvoiceRecord>;
async function loadInvoice(
  reader: TenantReader | TenantTransaction,
  id: string,
  forUpdate = false,
): Promise<InvoiceRecord> {
  const found = forUpdate
    ? await (reader as TenantTransaction).getForUpdate('invoice', id)
    : await reader.get('invoice', id);
  if (!found) throw notFound('invoice', id);
  return found;
}

/** Every credit note of the invoice (all pages). */
async function creditNotesOf(reader: TenantReader, invoiceId: string): Promise<CreditNoteRecord[]> {
  const out: CreditNoteRecord[] = [];
  let startingAfter: string | undefined;
  for (;;) {
    const page = await reader.list('credit_note', {
      limit: 100,
      where: { invoiceId },
      ...(startingAfter !== undefined ? { startingAfter } : {}),
    });
    out.push(...page.data);
    if (!page.hasMore) return out;
    startingAfter = page.data.at(-1)?.id;
  }
}

/**
 * Records a payment made outside billkit, in one transaction holding the invoice's row lock: refused while
 * a gateway payment of the invoice is in flight, kept as a succeeded `out_of_band` attempt.
 */
async function payOutOfBand(deps: Deps, ctx: OperationContext, id: string): Promise<InvoiceRecord> {
  return mutate(deps, ctx, 'invoices.pay', { id, paidOutOfBand: true }, async (tx, record) => {
    const before = await loadInvoice(tx, id, true);
    if (before.status !== 'open')
      throw new WorkflowError('WORKFLOW_INVALID_STATE', `Invoice ${before.id} is ${before.status}, not open`);
    const attempts = await attemptsOf(tx, id);
    const inFlight = attempts.find((a) => a.status === 'pending' || a.status === 'processing');
    if (inFlight) await refuseWhilePaymentInFlight(tx, id, 'record an out-of-band payment of');
    const n = Math.max(attempts.length, before.paymentAttempts) + 1;
    const at = deps.clock().toISOString();
    const attemptId = `${before.id}_attempt_${n}`;
    await tx.insert('payment_attempt', {
      id: attemptId,
      invoiceId: before.id,
      customerId: before.customerId,
      gateway: 'out_of_band',
      status: 'succeeded',
      amount: before.amountRemaining.amount,
      currency: before.currency,
      paymentMethodId: null,
      gatewayCustomerId: null,
      paymentIntentId: null,
      gatewayCalls: 0,
      leaseUntil: null,
      lastError: null,
      createdAt: at,
      updatedAt: at,
    });
    const outcome: InvoicePaymentOutcome = { status: 'succeeded', paymentIntentId: null, attemptId };
    return settleInvoicePayment(
      deps,
      tx,
      record,
      { ...before, paymentAttempts: before.paymentAttempts + 1 },
      outcome,
    );
  });
}

// The upcoming-invoice preview is the hottest read. Its result is a pure function of stored state
// (subscription, customer, the prices and products it references, discount redemption counts and the
// tax table version): billing-core names the preview invoice 'upcoming' and takes no clock. So it is
// memoised per tenant at two levels:
// 1. by the tenant's change marker (the head of its audit chain, which every committed change moves):
//    while nothing of the tenant changed, one indexed read answers the request;
// 2. by a digest of exactly the inputs read: after an unrelated change, the inputs are read again but
//    the computation is skipped when they are unchanged (and the same invoice object is returned, so a
//    caller may memoise its presentation by identity).
// Writes that bypass the workflows (e.g. `billkit-db seed`) write no audit events; level 2 still sees
// them once level 1 has moved on, i.e. after the next audited change of the tenant.
const UPCOMING_MEMO_KEY = 'upcoming_invoice';
const UPCOMING_MARKED_KEY = 'upcoming_invoice_by_marker';
/** Previews kept per tenant (oldest dropped first). */
const UPCOMING_MEMO_SIZE = 256;

function memoOf(reader: TenantReader, key: string): Map<string, Invoice> {
  let memo = reader.cache.get(key) as Map<string, Invoice> | undefined;
  if (!memo) {
    memo = new Map();
    reader.cache.set(key, memo);
  }
  return memo;
}

function remember(memo: Map<string, Invoice>, key: string, invoice: Invoice): void {
  if (memo.size >= UPCOMING_MEMO_SIZE) memo.delete(memo.keys().next().value as string);
  memo.set(key, invoice);
}

async function computeUpcomingInvoice(reader: TenantReader, subscriptionId: string): Promise<Invoice> {
  const subscription = await reader.get('subscription', subscriptionId);
  if (!subscription) throw notFound('subscription', subscriptionId);
  const discountIds = subscription.discounts.map((d) => String(d.discount.id));
  const [customer, { catalog, prices, products }, discounts, tax] = await Promise.all([
    reader.get('customer', subscription.customerId),
    loadCatalogFor(reader, referencedPriceIds(subscription)),
    reader.getMany('discount', discountIds),
    loadVersionedRateTable(reader),
  ]);
  if (!customer) throw notFound('customer', subscription.customerId);

  const redemptions: Record<string, { total: number; customer: number }> = {};
  for (const d of discounts) redemptions[d.id] = { total: d.timesRedeemed, customer: 0 };
  const digest = createHash('sha256')
    .update(String(tax.version))
    .update('\n')
    .update(JSON.stringify([subscription, customer, prices, products, redemptions]))
    .digest('base64');
  const memo = memoOf(reader, UPCOMING_MEMO_KEY);
  const hit = memo.get(digest);
  if (hit !== undefined) return hit;

  const billing = new BillingService({ catalog, tax: tax.table });
  // The customer's balance (the sum of its ledger) is the preview's starting balance.
  const invoice = billing.previewRenewal(subscription, {
    customer: toCoreCustomer(customer),
    discountState: { redemptions },
  });
  if (!invoice)
    throw new WorkflowError('WORKFLOW_INVALID_STATE', 'This subscription has no upcoming invoice');
  remember(memo, digest, invoice);
  return invoice;
}

/**
 * Invoices and credit notes: preview the upcoming invoice, create one-off invoices, finalize, pay, void,
 * mark uncollectible, retrieve and list; issue, retrieve and list credit notes.
 *
 * @example
 * const draft = await billing.invoices.create({ tenantId }, { customer: 'cus_1', items: [{ price: 'price_1' }] });
 * const open = await billing.invoices.finalize({ tenantId }, draft.id);
 * const paid = await billing.invoices.pay({ tenantId }, open.id, { paidOutOfBand: true });
 */
export function invoiceOperations(deps: Deps) {
  return {
    /**
     * The subscription's next invoice (the next period plus pending prorations, starting from the
     * customer's balance); nothing is stored. No next invoice (a canceled subscription) is
     * `WORKFLOW_INVALID_STATE`. The same object is returned while its inputs are unchanged: do not mutate it.
     */
    async upcoming(ctx: OperationContext, input: UpcomingInvoiceInput): Promise<Invoice> {
      const reader = tenantOf(deps, ctx);
      // Read before the inputs (or given: read earlier still): a change committing in between moves the
      // marker, so this entry is never looked up again with older inputs than it was computed from.
      const marker = `${input.subscription}@${input.changeMarker ?? (await reader.changeMarker())}`;
      const marked = memoOf(reader, UPCOMING_MARKED_KEY);
      const known = marked.get(marker);
      if (known !== undefined) return known;
      const invoice = await computeUpcomingInvoice(reader, input.subscription);
      remember(marked, marker, invoice);
      return invoice;
    },

    /** Creates a one-off invoice (a draft, starting from the customer's balance). */
    async create(ctx: OperationContext, input: CreateInvoiceInput): Promise<InvoiceRecord> {
      return mutate(deps, ctx, 'invoices.create', input, async (tx, record) => {
        const customer = await tx.get('customer', input.customer);
        if (!customer) throw notFound('customer', input.customer, 'customer');
        for (const [index, item] of input.items.entries()) {
          if (!(await tx.get('price', item.price)))
            throw notFound('price', item.price, `items.${index}.price`);
        }
        const discountIds = input.discounts ?? [];
        const discounts = [];
        for (const id of discountIds) {
          const d = await tx.get('discount', id);
          if (!d?.active) throw new WorkflowError('WORKFLOW_NOT_FOUND', `No such active discount: '${id}'`);
          discounts.push(discountDefinition(d));
        }
        const { billing } = await billingFor(tx);
        const built = billing.buildInvoice({
          invoiceId: newId('in'),
          customer: toCoreCustomer(customer),
          billingReason: 'manual',
          createdAt: deps.clock().toISOString(),
          items: input.items.map((i) => ({
            priceId: i.price,
            quantity: i.quantity ?? 1,
            ...(i.description !== undefined ? { description: i.description } : {}),
          })),
          discounts,
          discountState: await discountStateFor(tx, discountIds),
        });
        const saved = await persistTransition(
          deps,
          tx,
          record,
          { invoice: built.invoice, events: [], discounts: { applied: built.appliedDiscounts } },
          { before: null },
        );
        return saved.invoice as InvoiceRecord;
      });
    },

    /** The invoice `id`, or `WORKFLOW_NOT_FOUND`. */
    async retrieve(ctx: OperationContext, id: string): Promise<InvoiceRecord> {
      return loadInvoice(tenantOf(deps, ctx), id);
    },

    /** A page of invoices, oldest first. */
    async list(ctx: OperationContext, query: ListInvoicesInput): Promise<Page<InvoiceRecord>> {
      const where: Record<string, string> = {};
      if (query.customer !== undefined) where.customerId = query.customer;
      if (query.subscription !== undefined) where.subscriptionId = query.subscription;
      if (query.status !== undefined) where.status = query.status;
      return tenantOf(deps, ctx).list('invoice', {
        limit: query.limit,
        ...(query.startingAfter !== undefined ? { startingAfter: query.startingAfter } : {}),
        where,
      });
    },

    /**
     * Finalizes a draft: gap-free number, due date, status `open` (paid at once when nothing is due). The
     * balance the invoice used or created (`endingBalance − startingBalance`) goes to the customer's
     * balance ledger in the same transaction.
     */
    async finalize(
      ctx: OperationContext,
      id: string,
      input: FinalizeInvoiceInput = {},
    ): Promise<InvoiceRecord> {
      return mutate(deps, ctx, 'invoices.finalize', { id, input }, async (tx, record) => {
        const before = await loadInvoice(tx, id, true);
        if (before.status !== 'draft') {
          throw new WorkflowError(
            'WORKFLOW_INVALID_STATE',
            `Invoice ${before.id} is ${before.status}, not draft`,
          );
        }
        const at = deps.clock().toISOString();
        // The balance is applied as it stands now (locked until the commit), not as it stood when the draft
        // was built: two drafts never spend the same credit.
        const customer = await tx.getForUpdate('customer', before.customerId);
        const t = finalizeInvoice(before, {
          number: await tx.nextNumber('invoice'),
          at,
          daysUntilDue: input.daysUntilDue ?? 30,
          ...(customer ? { customerBalance: customer.balance } : {}),
        });
        const after = await persistInvoiceTransition(tx, record, before, t, at);
        await applyInvoiceToBalance(deps, tx, record, after);
        return after;
      });
    },

    /**
     * Pays an open invoice through the tenant's gateway (or records an out-of-band payment), charging it at
     * most once however many requests ask at the same time: a payment attempt is reserved under the
     * invoice's row lock before the gateway is called, and while one is in flight (waiting for the gateway,
     * or processing like ACH) another payment of the invoice, by any payment method, is
     * `WORKFLOW_CONFLICT` (retryable); once paid it is `WORKFLOW_INVALID_STATE`. A decline is recorded on
     * the invoice (its subscription becomes `past_due`) and thrown as `WORKFLOW_PAYMENT_FAILED`; a
     * processing payment leaves the invoice open until the gateway's event settles it; a gateway error is
     * recorded without counting the attempt and rethrown, and the next payment resumes that attempt under
     * the same id (`<invoice>_attempt_<n>`, the gateway's idempotency key) with its payment method, so the
     * gateway finds any charge it made and never charges twice. So does a payment after the lease of an
     * attempt left pending by a process that died.
     */
    async pay(ctx: OperationContext, id: string, input: PayInvoiceInput): Promise<InvoiceRecord> {
      if ((input.paidOutOfBand ?? false) === (input.paymentMethod !== undefined)) {
        throw new WorkflowError(
          'WORKFLOW_VALIDATION_FAILED',
          'Give either paymentMethod or paidOutOfBand: true',
          {
            fields: [{ path: 'paymentMethod', message: 'Give either paymentMethod or paidOutOfBand: true' }],
          },
        );
      }
      // Calls the payment gateway between transactions: a key is claimed before and completed after.
      return runClaimed(deps, ctx, 'invoices.pay', { id, input }, async (step) => {
        if (input.paidOutOfBand) return payOutOfBand(deps, step, id);
        // An unknown invoice is a 404 whatever the tenant's gateway configuration.
        await loadInvoice(tenantOf(deps, step), id);
        const gateway = await gatewayOf(deps, step.tenantId);
        const { attempt } = await reserveAttempt(deps, step, id, {
          gateway: 'tilled',
          paymentMethodId: input.paymentMethod,
          gatewayCustomerId: input.gatewayCustomer,
        });
        const { invoice, outcome } = await runAttempt(deps, step, gateway, attempt);
        if (outcome.status === 'failed') {
          throw new WorkflowError('WORKFLOW_PAYMENT_FAILED', `The payment was declined: ${outcome.failure}`, {
            invoice: invoice.id,
          });
        }
        return invoice;
      });
    },

    /**
     * Voids an open (or uncollectible) invoice. Balance the invoice used or created when it was finalized
     * goes back to the customer's balance. Refused (`WORKFLOW_CONFLICT`, retryable) while a payment of the
     * invoice is in flight: the customer may be charged any moment.
     */
    async void(ctx: OperationContext, id: string): Promise<InvoiceRecord> {
      return mutate(deps, ctx, 'invoices.void', { id }, async (tx, record) => {
        const before = await loadInvoice(tx, id, true);
        await refuseWhilePaymentInFlight(tx, id, 'void');
        const at = deps.clock().toISOString();
        const t = voidInvoice(before, { at });
        const after = await persistInvoiceTransition(tx, record, before, t, at);
        const applied = before.endingBalance.amount - before.startingBalance.amount;
        if (applied !== 0) {
          await appendBalanceTransaction(deps, tx, record, {
            customerId: before.customerId,
            amount: -applied,
            type: 'adjustment',
            invoiceId: before.id,
            description: `Invoice ${before.number ?? before.id} voided`,
          });
        }
        return after;
      });
    },

    /**
     * Marks an open invoice uncollectible (dunning does this after the last failed retry); refused
     * (`WORKFLOW_CONFLICT`) while a payment of it is in flight.
     */
    async markUncollectible(ctx: OperationContext, id: string): Promise<InvoiceRecord> {
      return mutate(deps, ctx, 'invoices.markUncollectible', { id }, async (tx, record) => {
        const before = await loadInvoice(tx, id, true);
        await refuseWhilePaymentInFlight(tx, id, 'mark uncollectible');
        const at = deps.clock().toISOString();
        const t = markInvoiceUncollectible(before, { at });
        const after = await persistInvoiceTransition(tx, record, before, t, at);
        return after;
      });
    },

    /**
     * Issues a credit note against an open or paid invoice. Credit to `customer_balance` (a paid invoice)
     * is added to the customer's balance ledger as credit in the same transaction. Concurrent notes of one
     * invoice queue on its row lock and each is checked against every note issued before it, so together
     * they never credit more than the invoice charged (`BILLING_CREDIT_EXCEEDS_INVOICE`). Refused
     * (`WORKFLOW_CONFLICT`) while a payment of the invoice is in flight.
     */
    async createCreditNote(ctx: OperationContext, input: CreateCreditNoteInput): Promise<CreditNoteRecord> {
      return mutate(deps, ctx, 'invoices.createCreditNote', input, async (tx, record) => {
        // Locked first: the notes read below are then every note committed before this one.
        const invoice = await tx.getForUpdate('invoice', input.invoice);
        if (!invoice) throw notFound('invoice', input.invoice, 'invoice');
        await refuseWhilePaymentInFlight(tx, invoice.id, 'credit');
        const previous = await creditNotesOf(tx, invoice.id);
        const at = deps.clock().toISOString();
        const { creditNote, events } = createCreditNote(
          invoice,
          {
            id: newId('cn'),
            number: await tx.nextNumber('credit_note'),
            at,
            lines: input.lines.map((l) => ({
              invoiceLineId: l.invoiceLine,
              ...(l.amount !== undefined ? { amount: l.amount } : {}),
              ...(l.quantity !== undefined ? { quantity: l.quantity } : {}),
            })),
            ...(input.reason !== undefined ? { reason: input.reason } : {}),
            ...(input.creditTo !== undefined ? { creditTo: input.creditTo } : {}),
          },
          previous,
        );
        const saved: CreditNoteRecord = { ...creditNote, memo: input.memo ?? null, updatedAt: at };
        const toBalance = saved.creditTo === 'customer_balance' && saved.total.amount !== 0;
        // The customer first: the credit note references it (a foreign key takes a shared lock), so
        // locking it for the balance afterwards would be a lock upgrade that deadlocks with a twin.
        if (toBalance) await tx.getForUpdate('customer', saved.customerId);
        await tx.insert('credit_note', saved);
        await recordTransitionEvents(record, events, {
          entityType: 'credit_note',
          entityId: saved.id,
          before: null,
          after: saved,
        });
        if (toBalance) {
          // Negative: credit the customer holds (the balance's sign).
          await appendBalanceTransaction(deps, tx, record, {
            customerId: saved.customerId,
            amount: -saved.total.amount,
            type: 'credit_note',
            invoiceId: saved.invoiceId,
            creditNoteId: saved.id,
            description: `Credit note ${saved.number}`,
          });
        }
        return saved;
      });
    },

    /** The credit note `id`, or `WORKFLOW_NOT_FOUND`. */
    async retrieveCreditNote(ctx: OperationContext, id: string): Promise<CreditNoteRecord> {
      const found = await tenantOf(deps, ctx).get('credit_note', id);
      if (!found) throw notFound('credit_note', id);
      return found;
    },

    /** A page of credit notes, oldest first. */
    async listCreditNotes(
      ctx: OperationContext,
      query: ListCreditNotesInput,
    ): Promise<Page<CreditNoteRecord>> {
      return tenantOf(deps, ctx).list('credit_note', {
        limit: query.limit,
        ...(query.startingAfter !== undefined ? { startingAfter: query.startingAfter } : {}),
        where: query.invoice !== undefined ? { invoiceId: query.invoice } : {},
      });
    },
  };
}

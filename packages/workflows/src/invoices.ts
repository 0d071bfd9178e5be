// Invoices: the upcoming preview, one-off invoices, finalize, void, pay, mark uncollectible; credit notes.
import { createHash } from 'node:crypto';
import {
  BillingService,
  createCreditNote,
  finalizeInvoice,
  type Invoice,
  markInvoiceUncollectible,
  markSubscriptionPastDue,
  markSubscriptionRecovered,
  payInvoice,
  recordInvoicePaymentFailure,
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
import {
  type Deps,
  fingerprint,
  gatewayOf,
  mutate,
  type OperationContext,
  type Recorder,
  runClaimed,
  tenantOf,
} from './context.js';
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
import { discountStateFor, persistTransition, recordTransitionEvents } from './transition.js';

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

/** What a payment attempt came to, as applied by {@link settleInvoicePayment}. */
export interface InvoicePaymentOutcome {
  readonly status: 'succeeded' | 'failed' | 'pending';
  readonly paymentIntentId: string | null;
  readonly attemptId: string;
  readonly failure?: string;
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

/**
 * Applies a successful (or failed, or pending) payment to the invoice and its subscription, with audit
 * events: a success pays the invoice and recovers a `past_due` subscription; a failure records it on the
 * invoice and makes the subscription `past_due`. The caller has locked `before` (`getForUpdate`) in `tx`.
 * Used by paying, by gateway events and by dunning.
 *
 * @example
 * await settleInvoicePayment(deps, tx, record, invoice, { status: 'succeeded', paymentIntentId: 'pi_1', attemptId: 'in_1_attempt_1' });
 */
export async function settleInvoicePayment(
  deps: Pick<Deps, 'clock'> & { readonly observer?: Deps['observer'] },
  tx: TenantTransaction,
  record: Recorder,
  before: InvoiceRecord,
  outcome: InvoicePaymentOutcome,
): Promise<InvoiceRecord> {
  const at = deps.clock().toISOString();
  const base = {
    ...before,
    paymentIntentId: outcome.paymentIntentId ?? before.paymentIntentId,
    updatedAt: at,
  };
  if (outcome.status === 'pending') {
    await tx.update('invoice', base);
    await record({
      type: 'invoice.payment_pending',
      entityType: 'invoice',
      entityId: before.id,
      before,
      after: base,
    });
    return base;
  }
  const t =
    outcome.status === 'succeeded'
      ? payInvoice(before, { at })
      : recordInvoicePaymentFailure(before, {
          at,
          attemptId: outcome.attemptId,
          ...(outcome.failure !== undefined ? { failureCode: outcome.failure } : {}),
        });
  const after: InvoiceRecord = {
    ...base,
    ...t.invoice,
    paymentIntentId: base.paymentIntentId,
    updatedAt: at,
    lastPaymentError: outcome.status === 'failed' ? (outcome.failure ?? 'payment_failed') : null,
  };
  await tx.update('invoice', after);
  await recordTransitionEvents(record, t.events, {
    entityType: 'invoice',
    entityId: before.id,
    before,
    after,
  });
  if (before.subscriptionId) {
    const subscription = await tx.get('subscription', before.subscriptionId);
    if (subscription) {
      if (outcome.status === 'succeeded' && subscription.status === 'past_due') {
        await persistTransition(
          deps,
          tx,
          record,
          markSubscriptionRecovered(subscription, { at, invoiceId: before.id }),
          {
            before: subscription,
          },
        );
      }
      if (outcome.status === 'failed' && ['active', 'trialing', 'past_due'].includes(subscription.status)) {
        await persistTransition(
          deps,
          tx,
          record,
          markSubscriptionPastDue(subscription, { at, invoiceId: before.id }),
          {
            before: subscription,
          },
        );
      }
    }
  }
  return after;
}

/**
 * The settlement a gateway's answer to a payment intent means: `succeeded`, `pending` while it is
 * processing or needs customer action, otherwise `failed` with the gateway's code or message.
 */
export function paymentOutcomeOf(
  intent: {
    readonly id: string;
    readonly status: string;
    readonly failureCode?: string;
    readonly failureMessage?: string;
  },
  attemptId: string,
): InvoicePaymentOutcome {
  return intent.status === 'succeeded'
    ? { status: 'succeeded', paymentIntentId: intent.id, attemptId }
    : intent.status === 'processing' || intent.status === 'requires_action'
      ? { status: 'pending', paymentIntentId: intent.id, attemptId }
      : {
          status: 'failed',
          paymentIntentId: intent.id,
          attemptId,
          failure: intent.failureCode ?? intent.failureMessage ?? intent.status,
        };
}

/** A gateway error as a short, secret-free summary (its code, e.g. TILLED_TIMEOUT, or a generic label). */
function gatewayErrorSummary(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[A-Z0-9_]{1,64}$/.test(code) ? code : 'gateway_error';
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
        const after: InvoiceRecord = { ...before, ...t.invoice, updatedAt: at };
        await tx.update('invoice', after);
        await recordTransitionEvents(record, t.events, {
          entityType: 'invoice',
          entityId: after.id,
          before,
          after,
        });
        await applyInvoiceToBalance(deps, tx, record, after);
        return after;
      });
    },

    /**
     * Pays an open invoice through the tenant's gateway (or records an out-of-band payment). A decline is
     * recorded on the invoice (and its subscription becomes `past_due`) and then thrown as
     * `WORKFLOW_PAYMENT_FAILED`; a processing payment (ACH) leaves the invoice open until the gateway's
     * event settles it; a gateway error is recorded on the invoice without counting the attempt and
     * rethrown. The attempt id (`<invoice>_attempt_<n>`) is the gateway's idempotency key, so a retry after
     * an error never charges twice.
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
        const reader = tenantOf(deps, step);
        const current = await loadInvoice(reader, id);
        if (current.status !== 'open')
          throw new WorkflowError(
            'WORKFLOW_INVALID_STATE',
            `Invoice ${current.id} is ${current.status}, not open`,
          );
        const attemptId = `${current.id}_attempt_${current.paymentAttempts + 1}`;
        let outcome: InvoicePaymentOutcome;
        if (input.paidOutOfBand) {
          outcome = { status: 'succeeded', paymentIntentId: null, attemptId };
        } else {
          const gateway = await gatewayOf(deps, step.tenantId);
          const customer = await reader.get('customer', current.customerId);
          let intent: Awaited<ReturnType<typeof gateway.createPaymentIntent>>;
          try {
            intent = await gateway.createPaymentIntent({
              gatewayCustomerId: input.gatewayCustomer ?? customer?.metadata.tilled_customer_id ?? '',
              paymentMethodId: input.paymentMethod as string,
              amount: current.amountRemaining,
              metadata: { invoiceId: current.id, attemptId },
              idempotencyKey: attemptId,
            });
          } catch (error) {
            // The gateway failed or timed out: the charge may or may not exist. Record the attempt and its
            // error, but do not count it: a retry must reuse this attempt id, so the gateway finds the
            // intent if one was created and never charges twice. A late webhook settles the invoice.
            await mutate(deps, step, 'invoices.pay', { id, input }, async (tx, record) => {
              const before = await loadInvoice(tx, id, true);
              const after: InvoiceRecord = {
                ...before,
                lastPaymentError: gatewayErrorSummary(error),
                updatedAt: deps.clock().toISOString(),
              };
              await tx.update('invoice', after);
              await record({
                type: 'invoice.payment_attempt_errored',
                entityType: 'invoice',
                entityId: after.id,
                before,
                after,
                extra: { attemptId, error: gatewayErrorSummary(error) },
              });
            });
            throw error;
          }
          outcome = paymentOutcomeOf(intent, attemptId);
        }
        const invoice = await mutate(deps, step, 'invoices.pay', { id, input }, async (tx, record) => {
          const before = await loadInvoice(tx, id, true);
          const counted = {
            ...before,
            paymentAttempts: before.paymentAttempts + 1,
            paymentMethodId: input.paymentMethod ?? before.paymentMethodId ?? null,
            gatewayCustomerId: input.gatewayCustomer ?? before.gatewayCustomerId ?? null,
          };
          if (before.status === 'paid') return before; // the webhook got there first
          return settleInvoicePayment(deps, tx, record, counted, outcome);
        });
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
     * goes back to the customer's balance.
     */
    async void(ctx: OperationContext, id: string): Promise<InvoiceRecord> {
      return mutate(deps, ctx, 'invoices.void', { id }, async (tx, record) => {
        const before = await loadInvoice(tx, id, true);
        const at = deps.clock().toISOString();
        const t = voidInvoice(before, { at });
        const after: InvoiceRecord = { ...before, ...t.invoice, updatedAt: at };
        await tx.update('invoice', after);
        await recordTransitionEvents(record, t.events, {
          entityType: 'invoice',
          entityId: after.id,
          before,
          after,
        });
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

    /** Marks an open invoice uncollectible (dunning does this after the last failed retry). */
    async markUncollectible(ctx: OperationContext, id: string): Promise<InvoiceRecord> {
      return mutate(deps, ctx, 'invoices.markUncollectible', { id }, async (tx, record) => {
        const before = await loadInvoice(tx, id, true);
        const at = deps.clock().toISOString();
        const t = markInvoiceUncollectible(before, { at });
        const after: InvoiceRecord = { ...before, ...t.invoice, updatedAt: at };
        await tx.update('invoice', after);
        await recordTransitionEvents(record, t.events, {
          entityType: 'invoice',
          entityId: after.id,
          before,
          after,
        });
        return after;
      });
    },

    /**
     * Issues a credit note against an open or paid invoice. Credit to `customer_balance` (a paid invoice)
     * is added to the customer's balance ledger as credit in the same transaction.
     */
    async createCreditNote(ctx: OperationContext, input: CreateCreditNoteInput): Promise<CreditNoteRecord> {
      return mutate(deps, ctx, 'invoices.createCreditNote', input, async (tx, record) => {
        const invoice = await tx.get('invoice', input.invoice);
        if (!invoice) throw notFound('invoice', input.invoice, 'invoice');
        const previous = (await tx.list('credit_note', { limit: 100, where: { invoiceId: invoice.id } }))
          .data;
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

// biome-ignore-all lint/suspicious/noExplicitAny: responses are read as loose JSON
import { BILLKIT_METADATA_KEYS, signWebhookPayload } from '@billkit/tilled';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkConsistency } from './support/consistency.js';
import { type Catalog, createOpenInvoice, seedCatalog } from './support/fixtures.js';
import { type CallResult, isProblem, listAll } from './support/http.js';
import { query } from './support/mariadb.js';
import { doubleCharges } from './support/payments.js';
import { ACCOUNT_A, type Stack, startStack } from './support/stack.js';
import { tally } from './support/summary.js';

// Money operations attacked the way a hostile (or merely impatient) client would: 50 parallel requests
// on one invoice, with and without Idempotency-Keys, a second payment method while the first is in
// flight, void and dunning beside a payment, and a signed gateway event about a charge that never
// happened. Charges are counted at the fake Tilled, never from the API's answers.

const SUITE = 'payments-attacks';
const PARALLEL = 50;
let stack: Stack;
let catalog: Catalog;

beforeAll(async () => {
  stack = await startStack('payments-attacks');
  catalog = await seedCatalog(stack.as('admin'), 8);
});

afterAll(async () => {
  await stack?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const DAY = 86_400_000;

/** Intents at the fake Tilled that took (or are taking) the customer's money for `invoiceId`. */
function chargesOf(invoiceId: string): { count: number; amount: number; ids: string[] } {
  const ids: string[] = [];
  let amount = 0;
  for (const intent of stack.tilled.intents.values()) {
    const meta = intent.metadata as Record<string, string> | null | undefined;
    if (meta?.[BILLKIT_METADATA_KEYS.invoiceId] !== invoiceId) continue;
    if (!['succeeded', 'processing', 'requires_capture'].includes(intent.status)) continue;
    const refunded = intent.charges.reduce((s, c) => s + c.amount_refunded, 0);
    if (refunded >= intent.amount && intent.status === 'succeeded') continue; // given back in full
    ids.push(intent.id);
    amount += intent.amount;
  }
  return { count: ids.length, amount, ids };
}

/** Every answer must be a success or a typed, retryable refusal: never a 5xx, never an untyped body. */
function refusalsOf(results: readonly CallResult[], okStatus: number) {
  const statuses = new Map<string, number>();
  for (const r of results) {
    const key =
      r.status === okStatus ? String(r.status) : `${r.status} ${r.body?.code ?? r.text.slice(0, 80)}`;
    statuses.set(key, (statuses.get(key) ?? 0) + 1);
  }
  const fiveHundreds = results.filter((r) => r.status >= 500);
  const untyped = results.filter((r) => r.status !== okStatus && !isProblem(r));
  return { statuses: Object.fromEntries(statuses), fiveHundreds, untyped };
}

/** Counts the attack in: requests sent, answered as specified, and any money taken twice. */
function count(requests: number, answeredAsSpecified: number, extraCharges: number): void {
  tally(SUITE, {
    loadRequests: requests,
    loadSucceeded: answeredAsSpecified,
    concurrentRequests: requests,
    doubleCharges: Math.max(0, extraCharges),
  });
}

const write = () => stack.as('write');
const pay = (invoiceId: string, pm: string, idempotencyKey?: string) =>
  write()(
    'POST',
    `/v1/invoices/${invoiceId}/pay`,
    { payment_method: pm },
    { timeoutMs: 120_000, ...(idempotencyKey ? { idempotencyKey } : {}) },
  );
const invoiceOf = async (id: string) => (await stack.as('read')('GET', `/v1/invoices/${id}`)).body;

async function waitFor<T>(what: string, probe: () => Promise<T | null> | T | null, ms = 20_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const found = await probe();
    if (found !== null) return found;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** 50 parallel pays of one open invoice: exactly one charge, every other answer a typed 409. */
async function payStorm(label: string, keyed: boolean) {
  const invoice = await createOpenInvoice(write(), catalog, catalog.customerIds[keyed ? 1 : 0]!);
  const pm = stack.tilled.seedPaymentMethod({ type: 'card' });
  const results = await Promise.all(
    Array.from({ length: PARALLEL }, (_, i) =>
      pay(invoice.id, pm.id, keyed ? `${label}-${invoice.id}-${i}` : undefined),
    ),
  );
  const charges = chargesOf(invoice.id);
  const { statuses, fiveHundreds, untyped } = refusalsOf(results, 200);
  const refusals = results.filter((r) => r.status === 409);
  const asSpecified = results.filter(
    (r) =>
      r.status === 200 || (r.status === 409 && ['API_CONFLICT', 'API_INVALID_STATE'].includes(r.body?.code)),
  ).length;
  count(PARALLEL, charges.count === 1 ? asSpecified : 0, charges.count - 1);
  expect({ charges: charges.count, statuses }).toMatchObject({ charges: 1 });
  expect(fiveHundreds).toEqual([]);
  expect(untyped).toEqual([]);
  expect(results.filter((r) => r.status === 200)).toHaveLength(1);
  expect(refusals).toHaveLength(PARALLEL - 1);
  for (const r of refusals) expect(['API_CONFLICT', 'API_INVALID_STATE']).toContain(r.body.code);
  const conflict = refusals.find((r) => r.body.code === 'API_CONFLICT');
  if (conflict) expect(conflict.body.detail).toMatch(/in flight/);
  const after = await invoiceOf(invoice.id);
  expect(after).toMatchObject({ status: 'paid', amount_paid: { amount: invoice.amount_due.amount } });
  expect(charges.amount).toBe(invoice.amount_due.amount);
}

describe('paying one invoice from 50 requests at once', () => {
  it('without Idempotency-Keys: one charge at the gateway, the other 49 answered 409 (in flight, or already paid)', async () => {
    await payStorm('nokey', false);
  });

  it('with 50 different Idempotency-Keys: still one charge', async () => {
    await payStorm('keys', true);
  });

  it('a card payment while an ACH payment of the invoice is processing is refused (50 tries); the ACH settles it', async () => {
    const invoice = await createOpenInvoice(write(), catalog, catalog.customerIds[2]!);
    const ach = stack.tilled.seedPaymentMethod({ type: 'ach_debit' });
    const first = await pay(invoice.id, ach.id);
    expect(first.status).toBe(200);
    expect(first.body.status).toBe('open'); // processing: the bank settles it later
    const card = stack.tilled.seedPaymentMethod({ type: 'card' });
    const results = await Promise.all(
      Array.from({ length: PARALLEL }, (_, i) =>
        pay(invoice.id, card.id, i % 2 === 0 ? `ach-card-${invoice.id}-${i}` : undefined),
      ),
    );
    const charges = chargesOf(invoice.id);
    const { statuses, fiveHundreds, untyped } = refusalsOf(results, 200);
    const asSpecified = results.filter((r) => r.status === 409 && r.body?.code === 'API_CONFLICT').length;
    count(PARALLEL, charges.count === 1 ? asSpecified : 0, charges.count - 1);
    expect({ charges: charges.count, statuses }).toEqual({
      charges: 1,
      statuses: { '409 API_CONFLICT': PARALLEL },
    });
    expect(fiveHundreds).toEqual([]);
    expect(untyped).toEqual([]);
    expect(results[0]!.body.detail).toMatch(/in flight/);

    // The bank settles the ACH debit: the (verified) event pays the invoice with that one charge.
    const [intentId] = charges.ids;
    stack.tilled.settleAch(intentId!, { outcome: 'succeeded' });
    const paid = await waitFor('the ACH settlement to pay the invoice', async () => {
      const now = await invoiceOf(invoice.id);
      return now.status === 'paid' ? now : null;
    });
    expect(paid.amount_paid.amount).toBe(invoice.amount_due.amount);
    expect(chargesOf(invoice.id).count).toBe(1);
  });
});

describe('void beside a payment in flight', () => {
  it('while /pay waits on the gateway, 50 voids are refused; the invoice ends paid with the one charge', async () => {
    const invoice = await createOpenInvoice(write(), catalog, catalog.customerIds[3]!);
    const pm = stack.tilled.seedPaymentMethod({ type: 'card' });
    stack.tilled.script({
      type: 'slow',
      delayMs: 3000,
      match: { method: 'POST', path: '/v1/payment-intents' },
    });
    // The gateway's own event is late too: nothing but the waiting request knows of the charge.
    stack.tilled.holdDeliveries();
    let voids: CallResult[];
    let paid: CallResult;
    try {
      const paying = pay(invoice.id, pm.id);
      // The charge exists at the gateway; its answer is on the way back (3 s).
      await waitFor('the charge to reach the gateway', () => (chargesOf(invoice.id).count > 0 ? true : null));
      voids = await Promise.all(
        Array.from({ length: PARALLEL }, () =>
          write()('POST', `/v1/invoices/${invoice.id}/void`, {}, { timeoutMs: 60_000 }),
        ),
      );
      paid = await paying;
    } finally {
      await stack.tilled.releaseDeliveries();
    }
    const after = await invoiceOf(invoice.id);
    const charges = chargesOf(invoice.id);
    const { statuses, fiveHundreds, untyped } = refusalsOf(voids, 200);
    // Money taken for an invoice that says nothing was paid: the invoice no longer balances with the gateway.
    const chargedButVoid = after.status === 'void' && charges.amount > after.amount_paid.amount ? 1 : 0;
    tally(SUITE, { unbalancedInvoices: chargedButVoid });
    const asSpecified = voids.filter((r) => r.status === 409 && r.body?.code === 'API_CONFLICT').length;
    count(
      PARALLEL + 1,
      chargedButVoid === 0 ? asSpecified + (paid.status === 200 ? 1 : 0) : 0,
      charges.count - 1,
    );
    expect({ void: after.status, amountPaid: after.amount_paid.amount, charged: charges.amount }).toEqual({
      void: 'paid',
      amountPaid: invoice.amount_due.amount,
      charged: invoice.amount_due.amount,
    });
    expect(statuses).toEqual({ '409 API_CONFLICT': PARALLEL });
    expect(voids[0]!.body.detail).toMatch(/in flight/);
    expect(fiveHundreds).toEqual([]);
    expect(untyped).toEqual([]);
    expect(paid.status).toBe(200);
  });
});

describe('credit notes from 50 requests at once', () => {
  async function creditStorm(invoice: any, extra: Record<string, unknown>) {
    const line = invoice.lines[0].id;
    const results = await Promise.all(
      Array.from({ length: PARALLEL }, () =>
        write()(
          'POST',
          '/v1/credit-notes',
          { invoice: invoice.id, lines: [{ invoice_line: line }], ...extra },
          { timeoutMs: 60_000 },
        ),
      ),
    );
    const notes = await listAll(stack.as('read'), `/v1/credit-notes?invoice=${invoice.id}`);
    const credited = notes.reduce((s, n) => s + n.total.amount, 0);
    const over = credited > invoice.total.amount ? 1 : 0;
    const { statuses, fiveHundreds, untyped } = refusalsOf(results, 201);
    tally(SUITE, { overCredits: over, unbalancedInvoices: over });
    const asSpecified = results.filter(
      (r) => r.status === 201 || r.body?.code === 'BILLING_CREDIT_EXCEEDS_INVOICE' || r.status === 409,
    ).length;
    count(PARALLEL, over === 0 ? asSpecified : 0, 0);
    expect({ notes: notes.length, credited, statuses }).toMatchObject({
      notes: 1,
      credited: invoice.total.amount,
    });
    expect(fiveHundreds).toEqual([]);
    expect(untyped).toEqual([]);
    for (const r of results.filter((x) => x.status !== 201)) {
      expect([409, 422]).toContain(r.status);
    }
    return { notes, results };
  }

  it('against an open invoice: the line is credited once, never more than the invoice', async () => {
    const invoice = await createOpenInvoice(write(), catalog, catalog.customerIds[4]!);
    await creditStorm(invoice, {});
  });

  it('against a paid invoice, to the customer balance: credited once, and the balance moved once', async () => {
    const customer = catalog.customerIds[5]!;
    const invoice = await createOpenInvoice(write(), catalog, customer);
    const paid = await write()('POST', `/v1/invoices/${invoice.id}/pay`, { paid_out_of_band: true });
    expect(paid.status).toBe(200);
    const before = (await stack.as('read')('GET', `/v1/customers/${customer}`)).body.balance;
    const { notes } = await creditStorm(paid.body, { credit_to: 'customer_balance' });
    const after = (await stack.as('read')('GET', `/v1/customers/${customer}`)).body.balance;
    const amountOf = (b: any) => (typeof b === 'number' ? b : b.amount);
    expect(amountOf(after) - amountOf(before)).toBe(-notes[0].total.amount);
  });
});

describe('dunning beside itself and beside /pay', () => {
  /** An open invoice whose first payment was declined: dunning retries it on its card after a day. */
  async function declinedInvoice(customer: string) {
    const invoice = await createOpenInvoice(write(), catalog, customer);
    const pm = stack.tilled.seedPaymentMethod({ type: 'card' });
    stack.tilled.script({ type: 'decline', code: 'insufficient_funds' });
    const declined = await pay(invoice.id, pm.id);
    expect(declined.status).toBe(402);
    return { invoice, pm };
  }
  const dun = (key?: string) =>
    stack.as('admin')(
      'POST',
      '/v1/dunning-runs',
      { now: new Date(Date.now() + 2 * DAY).toISOString() },
      { timeoutMs: 120_000, ...(key ? { idempotencyKey: key } : {}) },
    );

  it('50 parallel dunning runs retry a failed invoice once: one charge', async () => {
    const { invoice } = await declinedInvoice(catalog.customerIds[6]!);
    const runs = await Promise.all(
      Array.from({ length: PARALLEL }, (_, i) => dun(i % 2 ? `dun-${i}` : undefined)),
    );
    const charges = chargesOf(invoice.id);
    const { statuses, fiveHundreds, untyped } = refusalsOf(runs, 200);
    const asSpecified = runs.filter((r) => r.status === 200 || r.status === 409).length;
    count(PARALLEL, charges.count === 1 ? asSpecified : 0, charges.count - 1);
    expect({ charges: charges.count, statuses }).toMatchObject({ charges: 1 });
    expect(fiveHundreds).toEqual([]);
    expect(untyped).toEqual([]);
    const retried = runs.flatMap((r) =>
      r.status === 200
        ? r.body.outcomes.filter((o: any) => o.invoice === invoice.id && o.action === 'retried')
        : [],
    );
    expect(retried).toHaveLength(1);
    expect(await invoiceOf(invoice.id)).toMatchObject({ status: 'paid' });
  });

  it('dunning runs beside /pay of the same failed invoice (25 + 25): one charge', async () => {
    const { invoice, pm } = await declinedInvoice(catalog.customerIds[7]!);
    const calls = await Promise.all(
      Array.from({ length: PARALLEL }, (_, i) => (i % 2 === 0 ? dun() : pay(invoice.id, pm.id))),
    );
    const charges = chargesOf(invoice.id);
    const fiveHundreds = calls.filter((r) => r.status >= 500);
    const untyped = calls.filter((r) => r.status >= 400 && !isProblem(r));
    const asSpecified = calls.filter((r) => r.status === 200 || r.status === 409).length;
    count(PARALLEL, charges.count === 1 ? asSpecified : 0, charges.count - 1);
    expect(charges.count).toBe(1);
    expect(fiveHundreds).toEqual([]);
    expect(untyped).toEqual([]);
    expect(await invoiceOf(invoice.id)).toMatchObject({
      status: 'paid',
      amount_paid: { amount: invoice.amount_due.amount },
    });
  });
});

describe('a signed gateway event about a charge the gateway never made', () => {
  it('is not applied: the intent is fetched from the gateway first; the invoice stays open, the event keeps the error, the audit trail says why', async () => {
    const invoice = await createOpenInvoice(write(), catalog, catalog.customerIds[0]!);
    const forged = (n: number) => {
      const at = new Date().toISOString();
      return JSON.stringify({
        id: `evt_forged_${invoice.id}_${n}`,
        account_id: ACCOUNT_A,
        type: 'payment_intent.succeeded',
        data: {
          id: `pi_never_${n}_${invoice.id}`,
          status: 'succeeded',
          amount: 1,
          amount_received: 1,
          currency: 'usd',
          metadata: {
            [BILLKIT_METADATA_KEYS.invoiceId]: invoice.id,
            [BILLKIT_METADATA_KEYS.attemptId]: `${invoice.id}_attempt_1`,
          },
        },
        created_at: at,
        updated_at: at,
      });
    };
    const results = await Promise.all(
      Array.from({ length: PARALLEL }, async (_, n) => {
        const body = forged(n);
        const res = await fetch(`${stack.api.url}/v1/webhooks/tilled`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'tilled-signature': signWebhookPayload(body, stack.webhookSecret, Date.now()),
          },
          body,
        });
        return res.status;
      }),
    );
    expect(results.every((s) => s === 200)).toBe(true); // correctly signed: received and stored
    const rows = await waitFor('the forged events to be processed', async () => {
      const found = await query<{ processedAt: unknown; processingError: string | null }>(
        stack.db.name,
        'SELECT processedAt, processingError FROM WebhookEvent WHERE eventId LIKE ?',
        [`evt_forged_${invoice.id}_%`],
      );
      return found.length === PARALLEL &&
        found.every((r) => r.processedAt !== null || r.processingError !== null)
        ? found
        : null;
    });
    const after = await invoiceOf(invoice.id);
    const applied = after.status !== 'open' || after.amount_paid.amount !== 0 ? 1 : 0;
    tally(SUITE, { unbalancedInvoices: applied, concurrentRequests: PARALLEL });
    expect(after).toMatchObject({ status: 'open', amount_paid: { amount: 0 } });
    expect(rows.every((r) => typeof r.processingError === 'string' && r.processingError.length > 0)).toBe(
      true,
    );
    const audit = await listAll(stack.as('admin'), `/v1/audit-events?entity_id=${invoice.id}`);
    const rejections = audit.filter((e) => e.type === 'gateway_event.rejected');
    expect(rejections).toHaveLength(PARALLEL);
    expect(audit.some((e) => e.type === 'invoice.paid')).toBe(false);
  });
});

describe('after every attack', () => {
  it('no invoice was charged twice, every invoice balances and the audit chains verify', async () => {
    await stack.tilled.deliveriesIdle();
    const extra = doubleCharges(stack.tilled);
    // Counted per attack above; this is the check across the whole suite.
    expect(extra).toBe(0);
    const report = await checkConsistency(stack, { histories: false });
    tally(SUITE, {
      unbalancedInvoices: report.unbalanced.length,
      auditChainBreaks: report.chainBreaks.length,
    });
    expect(report.unbalanced).toEqual([]);
    expect(report.chainBreaks).toEqual([]);
  });
});

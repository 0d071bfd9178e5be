// biome-ignore-all lint/suspicious/noExplicitAny: responses are read as loose JSON
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkConsistency } from './support/consistency.js';
import {
  type Catalog,
  createOpenInvoice,
  createSubscription,
  pool,
  seedCatalog,
} from './support/fixtures.js';
import { type CallResult, listAll } from './support/http.js';
import { killConnectionsTo } from './support/mariadb.js';
import { doubleCharges, succeededIntentsByInvoice } from './support/payments.js';
import { type Stack, startStack } from './support/stack.js';
import { tally } from './support/summary.js';

const SUITE = 'faults';
let stack: Stack;
let catalog: Catalog;

beforeAll(async () => {
  stack = await startStack('faults');
  catalog = await seedCatalog(stack.as('admin'), 10);
});

afterAll(async () => {
  await stack?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function assertConsistent(label: string): Promise<void> {
  const report = await checkConsistency(stack);
  tally(SUITE, { unbalancedInvoices: report.unbalanced.length, auditChainBreaks: report.chainBreaks.length });
  expect(report.unbalanced, label).toEqual([]);
  expect(report.chainBreaks, label).toEqual([]);
  expect(report.versionMismatches, label).toEqual([]);
}

describe('database connections killed in the middle of a billing run', () => {
  it('the run fails cleanly or completes, a rerun finishes, and every due subscription has exactly one invoice for the period', async () => {
    const admin = stack.as('admin');
    const subs = await pool(
      8,
      Array.from(
        { length: 200 },
        (_, i) => () => createSubscription(admin, catalog, catalog.customerIds[i % 10]!, 1 + (i % 3)),
      ),
    );
    const upTo = new Date(Date.now() + 32 * 86_400_000).toISOString();
    const runs: CallResult[] = [];
    let kills = 0;
    const running = admin('POST', '/v1/billing-runs', { up_to: upTo }, { timeoutMs: 170_000 }).then((r) =>
      runs.push(r),
    );
    for (const delay of [300, 700, 1200]) {
      await sleep(delay);
      kills += 1;
      await killConnectionsTo(stack.db.name);
    }
    await running;
    tally(SUITE, { faultsInjected: kills });
    // Clean failure = a 201 report naming the failed renewals, or a 5xx problem; never a hang.
    expect([201, 500, 503]).toContain(runs[0]!.status);
    for (let i = 0; i < 3; i++) {
      const again = await admin('POST', '/v1/billing-runs', { up_to: upTo }, { timeoutMs: 170_000 });
      runs.push(again);
      if (again.status === 201 && again.body.failed === 0) break;
    }
    expect(runs.at(-1)!.status).toBe(201);
    expect(runs.at(-1)!.body.failed).toBe(0);

    const invoices = await listAll(admin, '/v1/invoices');
    const problems: string[] = [];
    for (const s of subs) {
      const cycle = invoices.filter(
        (inv) => inv.subscription === s.id && inv.billing_reason === 'subscription_cycle',
      );
      if (cycle.length !== 1) problems.push(`${s.id}: ${cycle.length} cycle invoices`);
      else if (cycle[0].lines.length === 0) problems.push(`${s.id}: half-written invoice without lines`);
    }
    const extra = problems.filter((p) => /: [2-9]\d* cycle/.test(p)).length;
    tally(SUITE, { doubleCharges: extra });
    expect(problems).toEqual([]);
    const renewed = (await listAll(admin, '/v1/subscriptions')).filter((s) =>
      subs.some((x) => x.id === s.id),
    );
    expect(renewed.every((s) => s.periods_billed === 2)).toBe(true);
    await assertConsistent('after the billing-run fault');
    tally(SUITE, { faultsSurvived: kills });
  });
});

describe('API process SIGKILLed during a load of subscription changes', () => {
  it('after restart every invoice balances, histories match versions, chains verify, and every idempotency key replays its original response', async () => {
    const write = stack.as('write');
    const subs = await pool(
      8,
      Array.from(
        { length: 20 },
        (_, i) => () => createSubscription(write, catalog, catalog.customerIds[i % 10]!, 1),
      ),
    );
    type Sent = { key: string; path: string; body: any; result: CallResult | null };
    const sent: Sent[] = [];
    const tasks = Array.from({ length: 300 }, (_, i) => async () => {
      const s = subs[i % subs.length]!;
      const entry: Sent = {
        key: `kill-${i}-${s.id}`,
        path: `/v1/subscriptions/${s.id}/change`,
        body: {
          items: [{ id: s.itemId, price: catalog.monthlyPriceId, quantity: 2 + i }],
          proration_behavior: 'create_prorations',
        },
        result: null,
      };
      sent.push(entry);
      try {
        entry.result = await write('POST', entry.path, entry.body, {
          idempotencyKey: entry.key,
          timeoutMs: 20_000,
        });
      } catch {
        entry.result = null; // the process died under it
      }
    });
    const load = pool(16, tasks);
    await sleep(1500);
    await stack.crashAndRestart();
    await load;
    tally(SUITE, { faultsInjected: 1 });
    const answered = sent.filter((s) => s.result !== null && s.result.status < 500);
    expect(answered.length).toBeGreaterThan(0);
    expect(sent.length).toBeGreaterThan(answered.length); // the kill really cut requests off

    // Every key replays: an answered request gets its stored answer back byte for byte.
    const mismatches: string[] = [];
    for (const s of answered.filter((a) => a.result!.status === 200 || a.result!.status === 409)) {
      const again = await write('POST', s.path, s.body, { idempotencyKey: s.key });
      if (s.result!.status === 200) {
        if (
          again.status !== 200 ||
          again.text !== s.result!.text ||
          again.headers.get('idempotent-replayed') !== 'true'
        ) {
          mismatches.push(`${s.key}: ${again.status} replayed=${again.headers.get('idempotent-replayed')}`);
        }
      }
    }
    expect(mismatches).toEqual([]);
    // A request cut off by the kill may be retried with its key: it runs once (or replays), then replays.
    for (const s of sent.filter((x) => x.result === null || x.result.status >= 500)) {
      const first = await write('POST', s.path, s.body, { idempotencyKey: s.key });
      expect([200, 409]).toContain(first.status);
      const second = await write('POST', s.path, s.body, { idempotencyKey: s.key });
      expect(second.status).toBe(first.status);
      if (first.status === 200) expect(second.text).toBe(first.text);
    }
    // No acknowledged change is missing from its subscription's history.
    const admin = stack.as('admin');
    let lost = 0;
    for (const s of sent.filter((x) => x.result?.status === 200)) {
      const version = (s.result!.body.subscription ?? s.result!.body).version;
      const subId = s.path.split('/')[3]!;
      const events = await listAll(admin, `/v1/audit-events?entity_type=subscription&entity_id=${subId}`);
      if (
        !events.some(
          (e) =>
            e.data?.after?.version === version &&
            e.data?.after?.items?.[0]?.quantity === s.body.items[0].quantity,
        )
      ) {
        lost += 1;
      }
    }
    // Every request, answered or cut off, ended applied once or refused, and replays consistently.
    tally(SUITE, {
      lostWrites: lost,
      loadRequests: sent.length,
      loadSucceeded: lost === 0 ? sent.length : answered.length,
    });
    expect(lost).toBe(0);
    await assertConsistent('after SIGKILL');
    tally(SUITE, { faultsSurvived: 1 });
  });
});

describe('payment gateway faults', () => {
  const pay = (invoiceId: string, pm: string) =>
    stack.as('write')('POST', `/v1/invoices/${invoiceId}/pay`, { payment_method: pm }, { timeoutMs: 60_000 });

  it('a 500 from the gateway leaves the invoice open with the attempt recorded; the retry charges once', async () => {
    const invoice = await createOpenInvoice(stack.as('write'), catalog, catalog.customerIds[0]!);
    const pm = stack.tilled.seedPaymentMethod({ type: 'card' });
    stack.tilled.script({
      type: 'error',
      status: 500,
      match: { method: 'POST', path: '/v1/payment-intents' },
    });
    const failed = await pay(invoice.id, pm.id);
    tally(SUITE, { faultsInjected: 1 });
    expect(failed.status).toBeGreaterThanOrEqual(400);
    const after = (await stack.as('read')('GET', `/v1/invoices/${invoice.id}`)).body;
    expect(after.status).toBe('open');
    expect(after.amount_paid.amount).toBe(0);
    const audit = await listAll(stack.as('admin'), `/v1/audit-events?entity_id=${invoice.id}`);
    const attemptRecorded = audit.some((e) => /payment/.test(e.type)) || after.last_payment_error !== null;
    const retried = await pay(invoice.id, pm.id);
    expect(retried.status).toBe(200);
    expect(retried.body.status).toBe('paid');
    expect(succeededIntentsByInvoice(stack.tilled).get(invoice.id)).toEqual({
      count: 1,
      amount: invoice.amount_due.amount,
    });
    expect(attemptRecorded, 'the failed attempt is in the audit trail or on the invoice').toBe(true);
    tally(SUITE, { faultsSurvived: 1 });
  });

  it('a slow gateway answer still pays once', async () => {
    const invoice = await createOpenInvoice(stack.as('write'), catalog, catalog.customerIds[1]!);
    const pm = stack.tilled.seedPaymentMethod({ type: 'card' });
    stack.tilled.script({
      type: 'slow',
      delayMs: 3000,
      match: { method: 'POST', path: '/v1/payment-intents' },
    });
    const paid = await pay(invoice.id, pm.id);
    tally(SUITE, { faultsInjected: 1 });
    expect(paid.status).toBe(200);
    expect(paid.body.status).toBe('paid');
    expect(succeededIntentsByInvoice(stack.tilled).get(invoice.id)?.count).toBe(1);
    tally(SUITE, { faultsSurvived: 1 });
  });

  it('a charge whose answer is lost is never charged twice, and the late success webhook settles the invoice', async () => {
    const invoice = await createOpenInvoice(stack.as('write'), catalog, catalog.customerIds[2]!);
    const pm = stack.tilled.seedPaymentMethod({ type: 'card' });
    // The create is carried out but its answer never comes; the look-up that follows fails too.
    stack.tilled.script(
      { type: 'timeout', process: true, match: { method: 'POST', path: '/v1/payment-intents' } },
      { type: 'error', status: 500, match: { method: 'GET', path: '/v1/payment-intents' } },
      { type: 'error', status: 500, match: { method: 'GET', path: '/v1/payment-intents' } },
      { type: 'error', status: 500, match: { method: 'GET', path: '/v1/payment-intents' } },
    );
    const first = await pay(invoice.id, pm.id);
    tally(SUITE, { faultsInjected: 1 });
    expect(first.status === 200 || first.status >= 400).toBe(true);
    // A client retry (same invoice) must find the existing charge rather than make a second one.
    if (first.status !== 200) {
      const retry = await pay(invoice.id, pm.id);
      expect([200, 409]).toContain(retry.status);
    }
    await stack.tilled.deliveriesIdle();
    let settled: any;
    for (let i = 0; i < 50; i++) {
      settled = (await stack.as('read')('GET', `/v1/invoices/${invoice.id}`)).body;
      if (settled.status === 'paid') break;
      await sleep(100);
    }
    expect(settled.status).toBe('paid');
    expect(settled.amount_remaining.amount).toBe(0);
    const charges = succeededIntentsByInvoice(stack.tilled).get(invoice.id);
    expect(charges).toEqual({ count: 1, amount: invoice.amount_due.amount });
    const again = await pay(invoice.id, pm.id);
    expect(again.status).toBe(409);
    tally(SUITE, { faultsSurvived: 1 });
  });

  it('no invoice was charged twice across all payment faults', async () => {
    const extra = doubleCharges(stack.tilled);
    tally(SUITE, { doubleCharges: extra });
    expect(extra).toBe(0);
    await assertConsistent('after payment faults');
  });
});

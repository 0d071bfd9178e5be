// biome-ignore-all lint/suspicious/noExplicitAny: responses are read as loose JSON
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkConsistency, historyProblem } from './support/consistency.js';
import { type Catalog, createSubscription, pool, seedCatalog } from './support/fixtures.js';
import { client, listAll } from './support/http.js';
import { type Stack, startStack } from './support/stack.js';
import { tally } from './support/summary.js';

const SUITE = 'concurrency';
let stack: Stack;
let catalog: Catalog;

beforeAll(async () => {
  stack = await startStack('concurrency');
  catalog = await seedCatalog(stack.as('admin'), 4);
});

afterAll(async () => {
  await stack?.close();
});

describe('concurrent changes', () => {
  it('200 concurrent changes to one subscription each apply exactly once or answer 409, and the final state is the successful ones applied in order', async () => {
    const write = stack.as('write');
    const sub = await createSubscription(write, catalog, catalog.customerIds[0]!, 1);
    const results = await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        const quantity = i + 2;
        const body = {
          items: [{ id: sub.itemId, price: catalog.monthlyPriceId, quantity }],
          proration_behavior: 'none',
          // Half race on the version they read, half ask for last-writer-wins.
          ...(i % 2 === 0 ? { expected_version: sub.version } : {}),
        };
        const res = await write('POST', `/v1/subscriptions/${sub.id}/change`, body, {
          idempotencyKey: `conc-${sub.id}-${i}`,
        });
        return { quantity, res };
      }),
    );
    const ok = results.filter((r) => r.res.status === 200);
    const conflicts = results.filter((r) => r.res.status === 409);
    const other = results.filter((r) => r.res.status !== 200 && r.res.status !== 409);
    tally(SUITE, { loadRequests: results.length, loadSucceeded: ok.length + conflicts.length });
    expect(other.map((r) => `${r.res.status} ${r.res.text.slice(0, 200)}`)).toEqual([]);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    for (const c of conflicts) expect(c.res.body.code).toMatch(/CONFLICT|IN_PROGRESS/);
    // Each success produced its own version: distinct, contiguous, starting right after the original.
    const applied = ok
      .map((r) => ({
        quantity: r.quantity,
        version: (r.res.body.subscription ?? r.res.body).version as number,
      }))
      .sort((a, b) => a.version - b.version);
    expect(applied.map((a) => a.version)).toEqual(applied.map((_, i) => sub.version + 1 + i));
    const final = (await write('GET', `/v1/subscriptions/${sub.id}`)).body;
    expect(final.version).toBe(sub.version + applied.length);
    expect(final.items.map((it: any) => it.quantity)).toEqual([applied.at(-1)!.quantity]);
    // The audit history holds every applied change in version order, each with its quantity.
    const events = await listAll(
      stack.as('admin'),
      `/v1/audit-events?entity_type=subscription&entity_id=${sub.id}`,
    );
    const byVersion = new Map<number, number>();
    for (const e of events) {
      const after = e.data?.after;
      if (typeof after?.version === 'number' && after.version > sub.version)
        byVersion.set(after.version, after.items?.[0]?.quantity);
    }
    const lost = applied.filter((a) => byVersion.get(a.version) !== a.quantity);
    tally(SUITE, { lostWrites: lost.length });
    expect(lost).toEqual([]);
    expect(await historyProblem(stack.as('admin'), final)).toBeNull();
  });

  it('two billing-run workers and API changes at the same time: one invoice per subscription period and no lost change', async () => {
    const admin = stack.as('admin');
    const subs = await pool(
      8,
      Array.from(
        { length: 60 },
        (_, i) => () => createSubscription(admin, catalog, catalog.customerIds[i % 4]!, 1),
      ),
    );
    const upTo = new Date(Date.now() + 32 * 86_400_000).toISOString();
    const second = await stack.startAnother('worker2');
    try {
      const workerB = client(second.url, stack.keys.admin);
      const changes = subs.map((s, i) => async () => {
        const quantity = 10 + i;
        for (let attempt = 0; attempt < 8; attempt++) {
          const res = await stack.as('write')('POST', `/v1/subscriptions/${s.id}/change`, {
            items: [{ id: s.itemId, price: catalog.monthlyPriceId, quantity }],
            proration_behavior: 'none',
          });
          if (res.status === 200) return { id: s.id, quantity, acked: true };
          if (res.status !== 409) throw new Error(`change answered ${res.status}: ${res.text}`);
        }
        return { id: s.id, quantity, acked: false };
      });
      const [runA, runB, changed] = await Promise.all([
        admin('POST', '/v1/billing-runs', { up_to: upTo }, { timeoutMs: 170_000 }),
        workerB('POST', '/v1/billing-runs', { up_to: upTo }, { timeoutMs: 170_000 }),
        pool(6, changes),
      ]);
      expect([runA.status, runB.status]).toEqual([201, 201]);
      // A renewal that lost a race to a change is reported failed; the next run bills it.
      const sweep = await admin('POST', '/v1/billing-runs', { up_to: upTo }, { timeoutMs: 170_000 });
      expect(sweep.status).toBe(201);
      expect(sweep.body.failed).toBe(0);
      tally(SUITE, {
        loadRequests: changed.length + 3,
        loadSucceeded: changed.filter((c) => c.acked).length + 3,
      });

      const invoices = await listAll(admin, '/v1/invoices');
      let doubleBilled = 0;
      const missing: string[] = [];
      for (const s of subs) {
        const cycle = invoices.filter(
          (inv) => inv.subscription === s.id && inv.billing_reason === 'subscription_cycle',
        );
        const periods = new Map<string, number>();
        for (const inv of cycle) periods.set(inv.period_start, (periods.get(inv.period_start) ?? 0) + 1);
        for (const n of periods.values()) if (n > 1) doubleBilled += n - 1;
        if (periods.size !== 1) missing.push(`${s.id}: ${periods.size} cycle periods`);
      }
      tally(SUITE, { doubleCharges: doubleBilled });
      expect(doubleBilled).toBe(0);
      expect(missing).toEqual([]);
      let lost = 0;
      for (const c of changed.filter((x) => x.acked)) {
        const now = (await admin('GET', `/v1/subscriptions/${c.id}`)).body;
        if (now.items[0]?.quantity !== c.quantity) lost += 1;
      }
      tally(SUITE, { lostWrites: lost });
      expect(lost).toBe(0);
      const report = await checkConsistency(stack);
      tally(SUITE, {
        unbalancedInvoices: report.unbalanced.length,
        auditChainBreaks: report.chainBreaks.length,
      });
      expect(report.unbalanced).toEqual([]);
      expect(report.chainBreaks).toEqual([]);
      expect(report.versionMismatches).toEqual([]);
    } finally {
      await second.stop();
    }
  });
});

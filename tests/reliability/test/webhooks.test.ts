// biome-ignore-all lint/suspicious/noExplicitAny: responses are read as loose JSON
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { signWebhookPayload } from '@billkit/tilled';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Catalog, createOpenInvoice, seedCatalog } from './support/fixtures.js';
import { listAll } from './support/http.js';
import { query } from './support/mariadb.js';
import { API_DIR } from './support/paths.js';
import { doubleCharges } from './support/payments.js';
import { ACCOUNT_A, type Stack, startStack, TENANT_A } from './support/stack.js';
import { registerSecret, tally } from './support/summary.js';

const SUITE = 'webhooks';
const CURRENT = `whsec_rel_current_${Math.random().toString(36).slice(2)}`;
const NEXT = `whsec_rel_next_${Math.random().toString(36).slice(2)}`;
const RETIRED = `whsec_rel_retired_${Math.random().toString(36).slice(2)}`;
const REPLAY_CLI = ['src/cli.ts', 'src/cli/index.ts', 'src/webhooks-replay.ts']
  .map((p) => `${API_DIR}${p}`)
  .find(existsSync);

let stack: Stack;
let catalog: Catalog;

beforeAll(async () => {
  registerSecret('retired webhook secret', RETIRED);
  stack = await startStack('webhooks', { webhookSecrets: [CURRENT, NEXT] });
  catalog = await seedCatalog(stack.as('admin'), 3);
});

afterAll(async () => {
  await stack?.close();
});

const storedCount = async (eventId?: string) =>
  Number(
    (
      await query<{ n: number }>(
        stack.db.name,
        `SELECT COUNT(*) AS n FROM WebhookEvent${eventId ? ' WHERE eventId = ?' : ''}`,
        eventId ? [eventId] : [],
      )
    )[0]?.n,
  );

async function post(body: string, signature: string | undefined) {
  const res = await fetch(`${stack.api.url}/v1/webhooks/tilled`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(signature ? { 'tilled-signature': signature } : {}) },
    body,
  });
  return { status: res.status, text: await res.text(), type: res.headers.get('content-type') ?? '' };
}

const event = (type: string, data: object = { id: 'cus_x' }) =>
  JSON.stringify({
    id: `evt_rel_${Math.random().toString(36).slice(2)}`,
    account_id: ACCOUNT_A,
    type,
    data,
    created_at: new Date().toISOString(),
  });

const paidEvents = async (invoiceId: string) =>
  (await listAll(stack.as('admin'), `/v1/audit-events?entity_id=${invoiceId}`)).filter(
    (e) => e.type === 'invoice.paid',
  ).length;

async function waitFor<T>(probe: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  let v = await probe();
  for (let i = 0; i < 50 && !ok(v); i++) {
    await new Promise((r) => setTimeout(r, 100));
    v = await probe();
  }
  return v;
}

describe('webhook delivery', () => {
  it('the same event delivered 10 times is stored once, raw, and applied once', async () => {
    const invoice = await createOpenInvoice(stack.as('write'), catalog, catalog.customerIds[0]!);
    const pm = stack.tilled.seedPaymentMethod({ type: 'card' });
    stack.tilled.holdDeliveries();
    const paid = await stack.as('write')('POST', `/v1/invoices/${invoice.id}/pay`, { payment_method: pm.id });
    expect(paid.status).toBe(200);
    const [first] = await stack.tilled.releaseDeliveries();
    const succeeded = stack.tilled.events.find(
      (e) => e.type === 'payment_intent.succeeded' && (e.data as any).id === paid.body.payment_intent,
    )!;
    expect(succeeded).toBeDefined();
    const statuses = [first?.status];
    for (let i = 0; i < 9; i++) statuses.push((await stack.tilled.redeliver(succeeded.id)).at(-1)?.status);
    expect(statuses.every((s) => s !== undefined && s >= 200 && s < 300)).toBe(true);
    await stack.tilled.deliveriesIdle();
    expect(await storedCount(succeeded.id)).toBe(1);
    const raw = await query<{ rawBody: string }>(
      stack.db.name,
      'SELECT rawBody FROM WebhookEvent WHERE eventId = ?',
      [succeeded.id],
    );
    const delivered = stack.tilled.deliveries.find((d) => d.eventId === succeeded.id)!;
    expect(raw[0]?.rawBody).toBe(delivered.body);
    expect(await paidEvents(invoice.id)).toBe(1);
    tally(SUITE, { doubleCharges: doubleCharges(stack.tilled) });
  });

  it('a failure delivered after the success, and a refund before the payment, leave the invoice paid exactly once', async () => {
    const write = stack.as('write');
    const invoice = await createOpenInvoice(write, catalog, catalog.customerIds[1]!);
    const pm = stack.tilled.seedPaymentMethod({ type: 'card' });
    stack.tilled.holdDeliveries();
    const paid = await write('POST', `/v1/invoices/${invoice.id}/pay`, { payment_method: pm.id });
    expect(paid.status).toBe(200);
    const intent = stack.tilled.intents.get(paid.body.payment_intent)!;
    stack.tilled.emit('payment_intent.payment_failed', {
      ...intent,
      status: 'requires_payment_method',
      last_payment_error: { code: 'card_declined', message: 'late failure' },
    });
    stack.tilled.emit('charge.refunded', {
      id: `ch_rel_${intent.id}`,
      payment_intent_id: intent.id,
      amount_refunded: 0,
    });
    const delivered = await stack.tilled.releaseDeliveries('created');
    expect(delivered.map((d) => d.status).every((s) => s >= 200 && s < 300)).toBe(true);
    await stack.tilled.deliveriesIdle();
    const after = (await write('GET', `/v1/invoices/${invoice.id}`)).body;
    expect(after.status).toBe('paid');
    expect(after.amount_paid.amount).toBe(invoice.amount_due.amount);
    expect(await paidEvents(invoice.id)).toBe(1);
    for (const d of delivered) expect(await storedCount(d.eventId)).toBe(1);
  });

  it('events delivered in reverse order are all stored and the invoice ends paid once', async () => {
    const write = stack.as('write');
    const invoice = await createOpenInvoice(write, catalog, catalog.customerIds[2]!);
    const pm = stack.tilled.seedPaymentMethod({ type: 'card' });
    stack.tilled.holdDeliveries();
    const paid = await write('POST', `/v1/invoices/${invoice.id}/pay`, { payment_method: pm.id });
    expect(paid.status).toBe(200);
    stack.tilled.emit('charge.refunded', {
      id: `ch_rel2_${paid.body.payment_intent}`,
      payment_intent_id: paid.body.payment_intent,
    });
    const delivered = await stack.tilled.releaseDeliveries('reverse');
    expect(delivered.every((d) => d.ok)).toBe(true);
    await stack.tilled.deliveriesIdle();
    expect(await paidEvents(invoice.id)).toBe(1);
    for (const d of delivered) expect(await storedCount(d.eventId)).toBe(1);
  });
});

describe('webhook verification', () => {
  const now = () => Date.now();
  it.each([
    ['a bad signature', (_b: string) => `t=${now()},v1=${'0'.repeat(64)}`, 401],
    ['no signature header', (_b: string) => undefined, 401],
    ['a timestamp 301 s in the past', (b: string) => signWebhookPayload(b, CURRENT, now() - 301_000), 401],
    ['a timestamp 301 s in the future', (b: string) => signWebhookPayload(b, CURRENT, now() + 301_000), 401],
    ['a rotated-out secret', (b: string) => signWebhookPayload(b, RETIRED, now()), 401],
    [
      'a timestamp in seconds instead of milliseconds',
      (b: string) => signWebhookPayload(b, CURRENT, Math.floor(now() / 1000)),
      401,
    ],
  ])('refuses %s and stores nothing', async (_name, sign, status) => {
    const before = await storedCount();
    const body = event('customer.updated');
    const res = await post(body, sign(body) as string | undefined);
    expect(res.status).toBe(status);
    expect(res.type).toContain('application/problem+json');
    expect(await storedCount()).toBe(before);
    tally(SUITE, { badInputs: 1 });
  });

  it.each([
    ['the current secret', CURRENT],
    ['the next secret during rotation', NEXT],
  ])('accepts and stores an event signed with %s', async (_name, secret) => {
    const body = event('customer.updated');
    const id = JSON.parse(body).id as string;
    const res = await post(body, signWebhookPayload(body, secret, Date.now()));
    expect(res.status).toBeGreaterThanOrEqual(200);
    expect(res.status).toBeLessThan(300);
    const stored = await waitFor(
      () => storedCount(id),
      (n) => n === 1,
    );
    expect(stored).toBe(1);
  });

  it.each([
    ['malformed JSON', '{"id": "evt_x", "account_id":', 400],
    ['a body that is not an event', '{"hello":"world"}', 400],
    [
      'an oversized body',
      JSON.stringify({ id: 'evt_big', account_id: ACCOUNT_A, type: 'x', data: { pad: 'x'.repeat(400_000) } }),
      413,
    ],
  ])('answers %s with %i and stores nothing', async (_name, body, status) => {
    const before = await storedCount();
    const res = await post(body, signWebhookPayload(body, CURRENT, Date.now()));
    expect(res.status).toBe(status);
    expect(await storedCount()).toBe(before);
    tally(SUITE, { badInputs: 1 });
  });
});

describe('billkit webhooks replay', () => {
  it.skipIf(!REPLAY_CLI)(
    `re-processes stored events idempotently, twice, applying nothing again${REPLAY_CLI ? '' : ' (skipped: no replay CLI in apps/api yet)'}`,
    async () => {
      const invoices = await listAll(stack.as('admin'), '/v1/invoices');
      const paidBefore = await Promise.all(invoices.map((i) => paidEvents(i.id)));
      const storedBefore = await storedCount();
      for (let run = 0; run < 2; run++) {
        const result = spawnSync(
          process.execPath,
          ['--import', 'tsx', REPLAY_CLI!, 'webhooks', 'replay', '--tenant', TENANT_A],
          {
            cwd: API_DIR,
            env: { ...process.env, ...stack.env },
            encoding: 'utf8',
            timeout: 120_000,
          },
        );
        expect(result.status, result.stderr).toBe(0);
      }
      const after = await listAll(stack.as('admin'), '/v1/invoices');
      expect(after.map((i) => [i.id, i.status, i.amount_paid.amount])).toEqual(
        invoices.map((i) => [i.id, i.status, i.amount_paid.amount]),
      );
      expect(await Promise.all(invoices.map((i) => paidEvents(i.id)))).toEqual(paidBefore);
      expect(await storedCount()).toBe(storedBefore);
    },
  );
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from './support/backends.js';
import { chicagoCustomer, rateTableBody } from './support/fixtures.js';
import { client, type Harness } from './support/harness.js';

// The customer balance over HTTP: a downgrade's negative invoice becomes credit on the customer's
// balance, the next invoice (the upcoming preview, then the renewal) starts from it, and a credit note to
// `customer_balance` adds to it.
describe.each(backends())('customer balance money rules on $name', ({ start }) => {
  let now = new Date('2026-01-01T00:00:00.000Z');
  let h: Harness;
  let write: ReturnType<typeof client>;
  let plan60: string;
  let plan30: string;

  beforeAll(async () => {
    h = await start({ appDeps: { clock: () => now } });
    write = client(h.baseUrl, h.keys.write);
    expect((await client(h.baseUrl, h.keys.admin)('PUT', '/v1/tax/rate-table', rateTableBody)).status).toBe(
      200,
    );
    const product = await write('POST', '/v1/products', { name: 'Pickup plan' });
    const monthly = async (flat_amount: number) =>
      (
        await write('POST', '/v1/prices', {
          product: product.body.id,
          currency: 'USD',
          billing_scheme: 'flat',
          flat_amount,
          recurring: { interval: 'month' },
        })
      ).body.id as string;
    plan60 = await monthly(6000);
    plan30 = await monthly(3000);
  }, 60_000);
  afterAll(async () => h?.close());

  const balanceOf = async (customer: string) =>
    (await write('GET', `/v1/customers/${customer}`)).body.balance;
  const ledger = async (customer: string) =>
    (await write('GET', `/v1/customers/${customer}/balance-transactions`)).body.data.map(
      (t: { type: string; amount: number; invoice: string | null }) => [t.type, t.amount, t.invoice],
    );

  it('turns a mid-month downgrade into credit that the upcoming invoice and the renewal start from', async () => {
    now = new Date('2026-01-01T00:00:00.000Z');
    const customer = (await write('POST', '/v1/customers', { ...chicagoCustomer, tax_exempt: 'exempt' })).body
      .id as string;
    const created = await write('POST', '/v1/subscriptions', {
      customer,
      items: [{ price: plan60 }],
      start_at: now.toISOString(),
    });
    expect(created.status).toBe(201);
    const subscription = created.body.subscription.id as string;
    const first = created.body.invoice.id as string;
    expect((await write('POST', `/v1/invoices/${first}/finalize`, {})).status).toBe(200);
    expect((await write('POST', `/v1/invoices/${first}/pay`, { paid_out_of_band: true })).body.status).toBe(
      'paid',
    );

    // 60.00 → 30.00 on the 16th at noon, invoiced now: credit for the unused 60.00, charge for 30.00.
    now = new Date('2026-01-16T12:00:00.000Z');
    const changed = await write('POST', `/v1/subscriptions/${subscription}/change`, {
      items: [{ id: created.body.subscription.items[0].id, price: plan30 }],
      proration_behavior: 'always_invoice',
      proration_date: now.toISOString(),
    });
    expect(changed.status).toBe(200);
    const downgrade = changed.body.invoice;
    expect(downgrade.total.amount).toBeLessThan(0);
    expect(downgrade.amount_due.amount).toBe(0);

    const finalized = await write('POST', `/v1/invoices/${downgrade.id}/finalize`, {});
    expect(finalized.body).toMatchObject({
      status: 'paid',
      ending_balance: { amount: downgrade.total.amount },
    });
    const credit = downgrade.total.amount as number;
    expect(await balanceOf(customer)).toBe(credit);
    expect(await ledger(customer)).toEqual([['invoice_overpaid', credit, downgrade.id]]);

    const upcoming = await write('GET', `/v1/invoices/upcoming?subscription=${subscription}`);
    expect(upcoming.status).toBe(200);
    expect(upcoming.body).toMatchObject({
      total: { amount: 3000 },
      starting_balance: { amount: credit },
      amount_due: { amount: 3000 + credit },
    });

    now = new Date('2026-02-01T12:00:00.000Z');
    const run = await client(h.baseUrl, h.keys.admin)('POST', '/v1/billing-runs', {
      up_to: now.toISOString(),
    });
    expect(run.status).toBe(201);
    const drafts = await write('GET', `/v1/invoices?subscription=${subscription}&status=draft`);
    const renewal = drafts.body.data.find(
      (i: { billing_reason: string }) => i.billing_reason === 'subscription_cycle',
    );
    expect(renewal).toMatchObject({
      starting_balance: { amount: credit },
      amount_due: { amount: 3000 + credit },
    });
    const open = await write('POST', `/v1/invoices/${renewal.id}/finalize`, {});
    expect(open.body).toMatchObject({ status: 'open', amount_due: { amount: 3000 + credit } });
    expect(await balanceOf(customer)).toBe(0);
    expect(await ledger(customer)).toEqual([
      ['invoice_overpaid', credit, downgrade.id],
      ['applied_to_invoice', -credit, renewal.id],
    ]);
  });

  it('adds a credit note to customer_balance to the balance', async () => {
    const customer = (await write('POST', '/v1/customers', chicagoCustomer)).body.id as string;
    const product = await write('POST', '/v1/products', { name: 'Bulk pickup' });
    const price = await write('POST', '/v1/prices', {
      product: product.body.id,
      currency: 'USD',
      billing_scheme: 'flat',
      flat_amount: 10000,
    });
    const draft = await write('POST', '/v1/invoices', { customer, items: [{ price: price.body.id }] });
    const invoice = (await write('POST', `/v1/invoices/${draft.body.id}/finalize`, {})).body;
    await write('POST', `/v1/invoices/${invoice.id}/pay`, { paid_out_of_band: true });
    const note = await write('POST', '/v1/credit-notes', {
      invoice: invoice.id,
      lines: [{ invoice_line: invoice.lines[0].id, amount: 2000 }],
      credit_to: 'customer_balance',
    });
    expect(note.status).toBe(201);
    expect(note.body).toMatchObject({ credit_to: 'customer_balance', total: { amount: 2205 } });
    expect(await balanceOf(customer)).toBe(-2205);
    expect(await ledger(customer)).toEqual([['credit_note', -2205, invoice.id]]);
    const next = await write('POST', '/v1/invoices', { customer, items: [{ price: price.body.id }] });
    expect(next.body).toMatchObject({
      starting_balance: { amount: -2205 },
      amount_due: { amount: 11025 - 2205 },
    });
  });
});

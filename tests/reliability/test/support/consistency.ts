// biome-ignore-all lint/suspicious/noExplicitAny: responses are read as loose JSON
import type { Call } from './http.js';
import { listAll } from './http.js';
import type { Stack } from './stack.js';
import { TENANT_A, TENANT_B } from './stack.js';

const amountOf = (m: any): number => (typeof m === 'number' ? m : Number(m?.amount));
const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

/**
 * Why an invoice does not add up, or null. Checked from the API's JSON, independently of the code that
 * built it: lines sum to the subtotal, per-line discounts and taxes to their totals, exclusive tax on
 * top, and what remains is what is due minus what was paid.
 */
export function invoiceImbalance(invoice: any): string | null {
  const lines: any[] = invoice.lines ?? [];
  const subtotal = amountOf(invoice.subtotal);
  const discount = amountOf(invoice.total_discount);
  const tax = amountOf(invoice.tax);
  const total = amountOf(invoice.total);
  const problems: string[] = [];
  if (lines.length === 0) problems.push('no lines');
  const lineSum = sum(lines.map((l) => amountOf(l.amount)));
  if (lineSum !== subtotal) problems.push(`lines ${lineSum} ≠ subtotal ${subtotal}`);
  const discSum = sum(lines.flatMap((l) => (l.discount_amounts ?? []).map((d: any) => amountOf(d.amount))));
  if (discSum !== discount) problems.push(`line discounts ${discSum} ≠ total_discount ${discount}`);
  const taxSum = sum(lines.flatMap((l) => (l.tax_amounts ?? []).map((t: any) => amountOf(t.amount))));
  if (taxSum !== tax) problems.push(`line taxes ${taxSum} ≠ tax ${tax}`);
  const allExclusive = lines.every((l) => (l.tax_amounts ?? []).every((t: any) => t.inclusive !== true));
  if (allExclusive && subtotal - discount + tax !== total) {
    problems.push(`subtotal ${subtotal} - discount ${discount} + tax ${tax} ≠ total ${total}`);
  }
  const due = amountOf(invoice.amount_due);
  const paid = amountOf(invoice.amount_paid);
  const remaining = amountOf(invoice.amount_remaining);
  // A void invoice owes nothing more (billing-core's voidInvoice): its remaining is 0, whatever was paid.
  if (invoice.status === 'void') {
    if (remaining !== 0) problems.push(`void with ${remaining} remaining`);
  } else if (due - paid !== remaining) problems.push(`due ${due} - paid ${paid} ≠ remaining ${remaining}`);
  for (const v of [subtotal, discount, tax, total, due, paid, remaining]) {
    if (!Number.isSafeInteger(v)) problems.push(`non-integer amount ${v}`);
  }
  if (invoice.status === 'paid' && remaining !== 0) problems.push(`paid with ${remaining} remaining`);
  return problems.length > 0 ? `${invoice.id}: ${problems.join('; ')}` : null;
}

export interface ConsistencyReport {
  readonly invoicesChecked: number;
  readonly unbalanced: string[];
  readonly chainBreaks: string[];
  readonly subscriptionsChecked: number;
  readonly versionMismatches: string[];
}

/**
 * The consistency check after a fault: every invoice balances, every audit chain verifies (through the
 * API and through @billkit/db), every subscription's version is the last version in its audit history
 * and that history has no gap.
 */
export async function checkConsistency(
  stack: Stack,
  options: { histories?: boolean } = {},
): Promise<ConsistencyReport> {
  const admin = stack.as('admin');
  const invoices = await listAll(admin, '/v1/invoices');
  const unbalanced = invoices.map(invoiceImbalance).filter((p): p is string => p !== null);
  const chainBreaks: string[] = [];
  for (const [tenant, call] of [
    [TENANT_A, admin],
    [TENANT_B, stack.as('otherTenant')],
  ] as const) {
    const viaApi = await call('GET', '/v1/audit-events/verify');
    if (viaApi.status !== 200 || viaApi.body.valid !== true) {
      chainBreaks.push(`${tenant} via API: ${viaApi.status} ${viaApi.text.slice(0, 300)}`);
    }
    const viaDb = await stack.billing.verifyAuditChain(tenant);
    if (!(viaDb as { valid?: boolean }).valid)
      chainBreaks.push(`${tenant} via @billkit/db: ${JSON.stringify(viaDb)}`);
  }
  const versionMismatches: string[] = [];
  let subscriptionsChecked = 0;
  if (options.histories !== false) {
    const subs = await listAll(admin, '/v1/subscriptions');
    for (const sub of subs) {
      subscriptionsChecked += 1;
      const problem = await historyProblem(admin, sub);
      if (problem) versionMismatches.push(problem);
    }
  }
  return {
    invoicesChecked: invoices.length,
    unbalanced,
    chainBreaks,
    subscriptionsChecked,
    versionMismatches,
  };
}

/** The subscription's audit history must step through versions without gaps and end at its version. */
export async function historyProblem(admin: Call, sub: any): Promise<string | null> {
  const events = await listAll(admin, `/v1/audit-events?entity_type=subscription&entity_id=${sub.id}`);
  const versions = [
    ...new Set(
      events
        .map((e: any) => e.data?.after?.version)
        .filter((v: unknown): v is number => typeof v === 'number'),
    ),
  ].sort((a, b) => a - b);
  if (versions.length === 0) return `${sub.id}: no audit event carries a version`;
  if (versions.at(-1) !== sub.version)
    return `${sub.id}: version ${sub.version}, history ends at ${versions.at(-1)}`;
  for (let i = 1; i < versions.length; i++) {
    if (versions[i] !== versions[i - 1]! + 1)
      return `${sub.id}: history jumps ${versions[i - 1]} → ${versions[i]}`;
  }
  return null;
}

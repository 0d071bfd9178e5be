import { formatMoney, type Money } from '@billkit/money';
import type { Invoice } from './invoice.js';

function pad(text: string, width: number, right = false): string {
  return right ? text.padStart(width) : text.padEnd(width);
}

/**
 * The invoice as a fixed-width text table for logs, terminals and examples: one row per line (amount,
 * discount, tax), then per-discount and per-jurisdiction totals, then total, balance and amount due.
 *
 * @example console.log(formatInvoiceTable(invoice, 'en-US'))
 */
export function formatInvoiceTable(invoice: Invoice, locale = 'en-US'): string {
  const f = (m: Money): string => formatMoney(m, locale);
  const rows: [string, string, string, string][] = invoice.lines.map((line) => [
    line.description,
    f(line.amount),
    f({ amount: -line.discountAmounts.reduce((s, d) => s + d.amount.amount, 0), currency: invoice.currency }),
    f({ amount: line.taxAmounts.reduce((s, t) => s + t.amount.amount, 0), currency: invoice.currency }) +
      (line.taxBehavior === 'inclusive' ? ' incl.' : ''),
  ]);
  const header: [string, string, string, string] = ['Description', 'Amount', 'Discount', 'Tax'];
  const widths = [0, 1, 2, 3].map((i) => Math.max(...[header, ...rows].map((r) => r[i]!.length)));
  const line = (r: readonly string[]): string => r.map((cell, i) => pad(cell, widths[i]!, i > 0)).join('  ');
  const rule = '-'.repeat(widths.reduce((a, b) => a + b, 0) + 6);
  const summary: [string, Money][] = [
    ['Subtotal', invoice.subtotal],
    ...invoice.totalDiscountAmounts.map((d): [string, Money] => [
      `Discount ${d.discountId}`,
      { amount: -d.amount.amount, currency: d.amount.currency },
    ]),
    ...invoice.totalTaxAmounts.map((t): [string, Money] => [
      `${t.jurisdictionName} ${t.taxType}${t.inclusive ? ' (included)' : ''}`,
      t.amount,
    ]),
    ['Total', invoice.total],
    ['Starting balance', invoice.startingBalance],
    ['Amount due', invoice.amountDue],
    ['Ending balance', invoice.endingBalance],
  ];
  const labelWidth = Math.max(...summary.map(([label]) => label.length));
  const valueWidth = Math.max(...summary.map(([, m]) => f(m).length));
  return [
    `Invoice ${invoice.number ?? invoice.id} · ${invoice.status} · ${invoice.billingReason} · ${invoice.currency}`,
    `Period ${invoice.periodStart} → ${invoice.periodEnd}`,
    rule,
    line(header),
    rule,
    ...rows.map(line),
    rule,
    ...summary.map(([label, m]) => `${pad(label, labelWidth)}  ${pad(f(m), valueWidth, true)}`),
  ].join('\n');
}

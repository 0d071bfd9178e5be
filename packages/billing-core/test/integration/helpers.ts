import type { Invoice, InvoiceLine } from '../../src/index.js';

export const lineTax = (line: InvoiceLine): number =>
  line.taxAmounts.reduce((s, t) => s + t.amount.amount, 0);
export const lineDiscount = (line: InvoiceLine): number =>
  line.discountAmounts.reduce((s, d) => s + d.amount.amount, 0);
export const taxBy = (invoice: Invoice, jurisdictionId: string): number =>
  invoice.totalTaxAmounts
    .filter((t) => t.jurisdictionId === jurisdictionId)
    .reduce((s, t) => s + t.amount.amount, 0);
export const amounts = (invoice: Invoice): number[] => invoice.lines.map((l) => l.amount.amount);

import type { CreditNote, CreditNoteLine, Invoice } from '@billkit/billing-core';
import type { Money } from '@billkit/money';
import { fromJson, toBigInt, toDate, toIso, toJson, toMinorUnits } from '../codec.js';
import { DbError, isUniqueViolation } from '../errors.js';
import { atomicWithRetry, type Scope } from '../scope.js';
import { type AuditEvent, type AuditEventLike, appendAuditEvents } from './audit-log.js';
import { loadInvoice, takeDocumentNumber } from './invoices.js';

export type { CreditNote, CreditNoteLine } from '@billkit/billing-core';

/** What a credit-note builder receives inside the issuing transaction. */
export interface CreditNoteContext {
  /** The next number of the tenant's gap-free credit-note sequence (returned if the transaction rolls back). */
  number: string;
  invoice: Invoice;
  /** Credit notes already issued against the invoice. */
  previous: CreditNote[];
}

export interface CreditNoteRepository {
  /**
   * Issues a credit note in one transaction: loads the invoice and its earlier notes, takes the next
   * number, lets `build` compute the note — pass billing-core's `createCreditNote`, e.g.
   * `({ number, invoice, previous }) => createCreditNote(invoice, { id, number, at, lines }, previous)` —
   * checks that its totals are the sums of its lines and that the invoice is never credited beyond its
   * total, then stores it with the audit events `build` returns.
   */
  issue(
    tenantId: string,
    invoiceId: string,
    build: (context: CreditNoteContext) => { creditNote: CreditNote; events?: readonly AuditEventLike[] },
  ): Promise<{ creditNote: CreditNote; auditEvents: AuditEvent[] }>;
  get(tenantId: string, id: string): Promise<CreditNote | null>;
  listForInvoice(tenantId: string, invoiceId: string): Promise<CreditNote[]>;
}

const include = { lines: { orderBy: { position: 'asc' as const } } };
type Row = Awaited<ReturnType<Scope['client']['creditNote']['findFirstOrThrow']>> & {
  lines: Awaited<ReturnType<Scope['client']['creditNoteLine']['findFirstOrThrow']>>[];
};

function fromRow(row: Row): CreditNote {
  const money = (value: bigint): Money => ({
    amount: toMinorUnits(value, 'CreditNote amount'),
    currency: row.currency,
  });
  return {
    id: row.id,
    number: row.number,
    invoiceId: row.invoiceId,
    customerId: row.customerId,
    currency: row.currency,
    status: row.status as CreditNote['status'],
    type: row.type as CreditNote['type'],
    reason: row.reason as CreditNote['reason'],
    creditTo: row.creditTo as CreditNote['creditTo'],
    createdAt: toIso(row.createdAt),
    lines: row.lines.map(
      (line): CreditNoteLine => ({
        id: line.id,
        invoiceLineId: line.invoiceLineId,
        description: line.description,
        quantity: line.quantity,
        amount: money(line.amount),
        discountAmounts: fromJson(line.discountAmounts, 'CreditNoteLine.discountAmounts'),
        taxAmounts: fromJson(line.taxAmounts, 'CreditNoteLine.taxAmounts'),
        total: money(line.total),
      }),
    ),
    subtotal: money(row.subtotal),
    totalDiscount: money(row.totalDiscount),
    tax: money(row.tax),
    total: money(row.total),
  };
}

/** The sums a credit note must satisfy before it is stored. */
export function assertCreditNoteAddsUp(note: CreditNote): void {
  const sum = (values: Money[]) => values.reduce((a, m) => a + m.amount, 0);
  const exclusiveTax = (line: CreditNoteLine) =>
    sum(line.taxAmounts.filter((t) => !t.inclusive).map((t) => t.amount));
  const checks: [string, number, number][] = [
    ['subtotal', note.subtotal.amount, sum(note.lines.map((l) => l.amount))],
    [
      'totalDiscount',
      note.totalDiscount.amount,
      sum(note.lines.flatMap((l) => l.discountAmounts.map((d) => d.amount))),
    ],
    ['tax', note.tax.amount, sum(note.lines.flatMap((l) => l.taxAmounts.map((t) => t.amount)))],
    ['total', note.total.amount, sum(note.lines.map((l) => l.total))],
    ...note.lines.map((l): [string, number, number] => [
      `lines.${l.id}.total`,
      l.total.amount,
      l.amount.amount - sum(l.discountAmounts.map((d) => d.amount)) + exclusiveTax(l),
    ]),
  ];
  for (const [field, stated, computed] of checks) {
    if (stated !== computed) {
      throw new DbError(
        'DB_INVALID_DATA',
        `Credit note ${note.id}: ${field} is ${stated} but its parts give ${computed}`,
        {
          field,
        },
      );
    }
  }
  const currencies = new Set([
    note.currency,
    ...[note.subtotal, note.totalDiscount, note.tax, note.total].map((m) => m.currency),
    ...note.lines.flatMap((l) =>
      [
        l.amount,
        l.total,
        ...l.discountAmounts.map((d) => d.amount),
        ...l.taxAmounts.map((t) => t.amount),
      ].map((m) => m.currency),
    ),
  ]);
  if (currencies.size !== 1) throw new DbError('DB_INVALID_DATA', `Credit note ${note.id} mixes currencies`);
}

async function listFor(scope: Scope, tenantId: string, invoiceId: string): Promise<CreditNote[]> {
  const rows = await scope.client.creditNote.findMany({
    where: { tenantId, invoiceId },
    include,
    orderBy: { number: 'asc' },
  });
  return rows.map(fromRow);
}

export function creditNoteRepository(scope: Scope): CreditNoteRepository {
  return {
    issue(tenantId, invoiceId, build) {
      return atomicWithRetry(scope, async (tx) => {
        const invoice = await loadInvoice(tx, tenantId, invoiceId);
        if (!invoice) throw new DbError('DB_NOT_FOUND', `No invoice ${invoiceId}`);
        const previous = await listFor(tx, tenantId, invoiceId);
        const number = await takeDocumentNumber(tx, tenantId, 'credit_note');
        const { creditNote: note, events = [] } = build({ number, invoice, previous });
        if (
          note.number !== number ||
          note.invoiceId !== invoice.id ||
          note.customerId !== invoice.customerId
        ) {
          throw new DbError(
            'DB_INVALID_DATA',
            `The credit note must be for invoice ${invoice.id} and numbered ${number}`,
          );
        }
        if (note.currency !== invoice.currency)
          throw new DbError('DB_INVALID_DATA', 'Credit note currency differs from the invoice');
        assertCreditNoteAddsUp(note);
        const lineIds = new Set(invoice.lines.map((l) => l.id));
        const foreign = note.lines.find((l) => !lineIds.has(l.invoiceLineId));
        if (foreign)
          throw new DbError(
            'DB_INVALID_DATA',
            `Line ${foreign.invoiceLineId} is not on invoice ${invoice.id}`,
          );
        const credited = previous
          .filter((n) => n.status === 'issued')
          .reduce((a, n) => a + n.total.amount, 0);
        if (credited + note.total.amount > invoice.total.amount) {
          throw new DbError('DB_INVALID_DATA', `Invoice ${invoice.id} would be credited beyond its total`, {
            alreadyCredited: credited,
            invoiceTotal: invoice.total.amount,
          });
        }
        try {
          await tx.client.creditNote.create({
            data: {
              id: note.id,
              tenantId,
              invoiceId: invoice.id,
              customerId: note.customerId,
              number,
              status: note.status,
              type: note.type,
              reason: note.reason,
              creditTo: note.creditTo,
              currency: note.currency,
              subtotal: toBigInt(note.subtotal.amount),
              totalDiscount: toBigInt(note.totalDiscount.amount),
              tax: toBigInt(note.tax.amount),
              total: toBigInt(note.total.amount),
              createdAt: toDate(note.createdAt),
              lines: {
                create: note.lines.map((line, position) => ({
                  id: line.id,
                  tenantId,
                  invoiceLineId: line.invoiceLineId,
                  position,
                  description: line.description,
                  quantity: line.quantity,
                  amount: toBigInt(line.amount.amount),
                  discountAmounts: toJson(line.discountAmounts),
                  taxAmounts: toJson(line.taxAmounts),
                  total: toBigInt(line.total.amount),
                  currency: note.currency,
                })),
              },
            },
          });
        } catch (error) {
          if (isUniqueViolation(error)) throw new DbError('DB_DUPLICATE', `Credit note ${note.id} exists`);
          throw error;
        }
        const auditEvents = await appendAuditEvents(tx, tenantId, events);
        const stored = await tx.client.creditNote.findFirstOrThrow({
          where: { id: note.id, tenantId },
          include,
        });
        return { creditNote: fromRow(stored), auditEvents };
      });
    },
    async get(tenantId, id) {
      const row = await scope.client.creditNote.findFirst({ where: { id, tenantId }, include });
      return row ? fromRow(row) : null;
    },
    listForInvoice: (tenantId, invoiceId) => listFor(scope, tenantId, invoiceId),
  };
}

import type { TaxCalculation, TaxProvider, TaxRequest } from '@billkit/tax';
import { describe, expect, it } from 'vitest';
import { buildInvoice, checkInvoiceInvariants, type Invoice, isBillingError } from '../src/index.js';
import { customer, draftInvoice, env } from './fixtures.js';

const usd = (amount: number) => ({ amount, currency: 'USD' });

describe('checkInvoiceInvariants', () => {
  const invoice = draftInvoice({ quantity: 2 });

  it('finds nothing wrong with a built invoice', () => {
    expect(checkInvoiceInvariants(invoice)).toEqual([]);
  });

  it.each<[string, (i: Invoice) => Invoice, string]>([
    [
      'a subtotal off by a cent',
      (i) => ({ ...i, subtotal: usd(i.subtotal.amount + 1) }),
      'lines_sum_to_subtotal',
    ],
    ['a total that ignores tax', (i) => ({ ...i, total: i.subtotal }), 'total_formula'],
    [
      'a line in another currency',
      (i) => ({
        ...i,
        lines: [{ ...i.lines[0]!, amount: { amount: i.lines[0]!.amount.amount, currency: 'EUR' } }],
      }),
      'single_currency',
    ],
    [
      'a negative charge line',
      (i) => ({ ...i, lines: [{ ...i.lines[0]!, amount: usd(-1) }] }),
      'negative_line_not_credit',
    ],
    [
      'a jurisdiction total not matching its lines',
      (i) => ({
        ...i,
        totalTaxAmounts: i.totalTaxAmounts.map((t, k) =>
          k === 0 ? { ...t, amount: usd(t.amount.amount + 1) } : t,
        ),
      }),
      'taxes_sum_to_total_tax',
    ],
    [
      'a discount larger than its line',
      (i) => ({
        ...i,
        lines: [
          {
            ...i.lines[0]!,
            discountAmounts: [{ discountId: 'X', amount: usd(i.lines[0]!.amount.amount + 1) }],
          },
        ],
      }),
      'discount_exceeds_line',
    ],
    [
      'an amount due that forgets the credit balance',
      (i) => ({ ...i, startingBalance: usd(-100) }),
      'balance_formula',
    ],
    [
      'an amount remaining that forgets a payment',
      (i) => ({ ...i, amountPaid: usd(100) }),
      'amount_remaining_formula',
    ],
  ])('detects %s', (_, tamper, rule) => {
    expect(checkInvoiceInvariants(tamper(invoice)).map((v) => v.rule)).toContain(rule);
  });
});

describe('buildInvoice consistency guard', () => {
  it('throws BILLING_INVARIANT_VIOLATION instead of returning an invoice mixing currencies', () => {
    // A broken tax provider that answers in euros.
    const broken: TaxProvider = {
      id: 'broken',
      calculateTax(request: TaxRequest): TaxCalculation {
        const eur = (amount: number) => ({ amount, currency: 'EUR' });
        const jurisdiction = { id: 'X', name: 'X', level: 'country' as const, parentId: null };
        return {
          provider: 'broken',
          currency: 'EUR',
          taxDate: '2026-01-01T00:00:00.000Z',
          rounding: 'line',
          roundingMode: 'half_up',
          jurisdictions: [jurisdiction],
          lines: request.lines.map((line) => ({
            lineId: line.id,
            taxCategory: line.taxCategory,
            taxBehavior: 'exclusive',
            netAmount: eur(line.amount.amount),
            taxAmount: eur(1),
            grossAmount: eur(line.amount.amount + 1),
            unroundedTaxAmount: '1',
            taxabilityReason: 'standard_rated',
            reverseCharge: false,
            exemptionCertificateId: null,
            breakdown: [
              {
                jurisdiction,
                taxType: 'vat',
                rate: '0.1',
                taxabilityReason: 'standard_rated',
                compound: false,
                base: eur(line.amount.amount),
                amount: eur(1),
                unroundedAmount: '1',
              },
            ],
          })),
          jurisdictionTotals: [],
          netTotal: eur(0),
          taxTotal: eur(0),
          grossTotal: eur(0),
        };
      },
    };
    try {
      buildInvoice(
        {
          invoiceId: 'in_bad',
          customer: customer(),
          billingReason: 'manual',
          createdAt: '2026-01-01T00:00:00Z',
          items: [{ priceId: 'setup_usd', quantity: 1 }],
        },
        { ...env, tax: broken },
      );
      expect.unreachable('an inconsistent invoice was returned');
    } catch (error) {
      expect(isBillingError(error, 'BILLING_INVARIANT_VIOLATION')).toBe(true);
    }
  });

  it('lets the tax engine refuse a country its rate table does not cover, naming it and the tax date', () => {
    // A real country the rate table does not cover (`ZZ`, no country at all, is refused by customerSchema).
    const farAway = customer({ address: { country: 'NZ' } });
    expect(() =>
      buildInvoice(
        {
          invoiceId: 'in_zz',
          customer: farAway,
          billingReason: 'manual',
          createdAt: '2026-01-01T00:00:00Z',
          items: [{ priceId: 'setup_usd', quantity: 1 }],
        },
        env,
      ),
    ).toThrow(
      expect.objectContaining({
        name: 'TaxError',
        code: 'TAX_UNKNOWN_JURISDICTION',
        details: { country: 'NZ', taxDate: '2025-12-31' },
      }),
    );
  });
});

import type { FakeTilled } from '@billkit/fake-tilled';
import { BILLKIT_METADATA_KEYS } from '@billkit/tilled';

/** Succeeded payment intents at the (fake) gateway per billkit invoice id. */
export function succeededIntentsByInvoice(
  tilled: FakeTilled,
): Map<string, { count: number; amount: number }> {
  const out = new Map<string, { count: number; amount: number }>();
  for (const intent of tilled.intents.values()) {
    const invoiceId = (intent.metadata as Record<string, string> | null | undefined)?.[
      BILLKIT_METADATA_KEYS.invoiceId
    ];
    if (!invoiceId || intent.status !== 'succeeded') continue;
    const row = out.get(invoiceId) ?? { count: 0, amount: 0 };
    row.count += 1;
    row.amount += intent.amount;
    out.set(invoiceId, row);
  }
  return out;
}

/** Invoices charged more than once (count of extra charges). */
export function doubleCharges(tilled: FakeTilled): number {
  let extra = 0;
  for (const { count } of succeededIntentsByInvoice(tilled).values()) if (count > 1) extra += count - 1;
  return extra;
}

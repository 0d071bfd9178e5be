// The upcoming-invoice preview, the API's hottest read. Its result is a pure function of stored state
// (subscription, customer, the prices and products it references, discount redemption counts and the
// tax table version): billing-core names the preview invoice 'upcoming' and takes no clock. So the
// serialised response is memoised per tenant at two levels:
// 1. by the tenant's change marker (the head of its audit chain, which every committed change moves):
//    while nothing of the tenant changed, one indexed read answers the request;
// 2. by a digest of exactly the inputs read: after an unrelated change, the inputs are read again but
//    the computation, the presentation and the serialisation are skipped when they are unchanged.
// Writes that bypass the API (e.g. `billkit-db seed`) write no audit events; level 2 still sees them
// once level 1 has moved on, i.e. after the next audited change of the tenant.
import { createHash } from 'node:crypto';
import { BillingService } from '@billkit/billing-core';
import { loadCatalogFor, loadVersionedRateTable, referencedPriceIds, toCoreCustomer } from '@billkit/workflows';
import { ApiError, notFound } from './http/problem.js';
import { invoiceJson, presentInvoice } from './routes/presenters.js';
import type { TenantReader } from '@billkit/db';

const MEMO_KEY = 'upcoming_invoice';
const MARKED_KEY = 'upcoming_invoice_by_marker';
/** Responses kept per tenant (oldest dropped first). */
const MEMO_SIZE = 256;

function memoOf(reader: TenantReader, key = MEMO_KEY): Map<string, string> {
  let memo = reader.cache.get(key) as Map<string, string> | undefined;
  if (!memo) {
    memo = new Map();
    reader.cache.set(key, memo);
  }
  return memo;
}

function remember(memo: Map<string, string>, key: string, body: string): void {
  if (memo.size >= MEMO_SIZE) memo.delete(memo.keys().next().value as string);
  memo.set(key, body);
}

/**
 * The JSON body of `GET /v1/invoices/upcoming?subscription=…` (what the route's zod response schema
 * would serialise), computed from the subscription's own prices and products only.
 */
export async function upcomingInvoiceJson(
  reader: TenantReader,
  subscriptionId: string,
  changeMarker?: string,
): Promise<string> {
  // Read before the inputs (or given: read with the API key, earlier still): a change committing in
  // between moves the marker, so this entry is never looked up again with older inputs than it was
  // computed from.
  const marker = `${subscriptionId}@${changeMarker ?? (await reader.changeMarker())}`;
  const marked = memoOf(reader, MARKED_KEY);
  const known = marked.get(marker);
  if (known !== undefined) return known;
  const body = await computeUpcomingInvoiceJson(reader, subscriptionId);
  remember(marked, marker, body);
  return body;
}

async function computeUpcomingInvoiceJson(reader: TenantReader, subscriptionId: string): Promise<string> {
  const subscription = await reader.get('subscription', subscriptionId);
  if (!subscription) throw notFound('subscription', subscriptionId);
  const discountIds = subscription.discounts.map((d) => String(d.discount.id));
  const [customer, { catalog, prices, products }, discounts, tax] = await Promise.all([
    reader.get('customer', subscription.customerId),
    loadCatalogFor(reader, referencedPriceIds(subscription)),
    reader.getMany('discount', discountIds),
    loadVersionedRateTable(reader),
  ]);
  if (!customer) throw notFound('customer', subscription.customerId);

  const redemptions: Record<string, { total: number; customer: number }> = {};
  for (const d of discounts) redemptions[d.id] = { total: d.timesRedeemed, customer: 0 };
  const digest = createHash('sha256')
    .update(String(tax.version))
    .update('\n')
    .update(JSON.stringify([subscription, customer, prices, products, redemptions]))
    .digest('base64');
  const memo = memoOf(reader);
  const hit = memo.get(digest);
  if (hit !== undefined) return hit;

  const billing = new BillingService({ catalog, tax: tax.table });
  const invoice = billing.previewRenewal(subscription, {
    customer: toCoreCustomer(customer),
    discountState: { redemptions },
  });
  if (!invoice) throw new ApiError('API_INVALID_STATE', 'This subscription has no upcoming invoice');
  const body = JSON.stringify(invoiceJson.encode(presentInvoice(invoice)));
  remember(memo, digest, body);
  return body;
}

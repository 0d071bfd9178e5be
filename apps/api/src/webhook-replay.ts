// Re-processing stored webhook events (the original plan's "process missed webhooks from logs").
import type { RouteContext } from './routes/context.js';
import { processStoredEvent } from './routes/webhooks.js';
import type { WebhookEventRecord } from '@billkit/db';

export interface ReplayFilter {
  /** Only this tenant (default: every tenant). */
  readonly tenant?: string;
  /** Only events received at or after this instant. */
  readonly since?: string;
  /** Only the event with this provider event id (`evt_…`). */
  readonly eventId?: string;
}

export interface ReplaySummary {
  readonly selected: number;
  /** Events that were unprocessed (or had failed) and are now processed. */
  readonly processed: number;
  /** Events already processed: left alone, so nothing is applied twice. */
  readonly alreadyProcessed: number;
  readonly failed: readonly { readonly tenant: string; readonly eventId: string; readonly error: string }[];
}

async function storedEvents(ctx: RouteContext, tenantId: string, filter: ReplayFilter) {
  const out: WebhookEventRecord[] = [];
  let startingAfter: string | undefined;
  for (;;) {
    const page = await ctx.store.forTenant(tenantId).list('webhook_event', {
      limit: 200,
      ...(filter.eventId !== undefined ? { where: { eventId: filter.eventId } } : {}),
      ...(startingAfter !== undefined ? { startingAfter } : {}),
    });
    for (const event of page.data) {
      if (filter.since !== undefined && Date.parse(event.receivedAt) < Date.parse(filter.since)) continue;
      out.push(event);
    }
    if (!page.hasMore) break;
    startingAfter = page.data.at(-1)?.id;
  }
  return out.sort((a, b) => (a.receivedAt < b.receivedAt ? -1 : a.receivedAt > b.receivedAt ? 1 : 0));
}

/**
 * Re-processes the stored webhook events that match `filter`, oldest first. Idempotent: an event already
 * processed is skipped (processing is keyed by the stored event and its processedAt mark, inside the same
 * transaction as its effects), so replaying a log twice applies nothing twice.
 *
 * @example
 * const summary = await replayWebhooks(ctx, { tenant: 'demo', since: '2026-03-01T00:00:00Z' });
 */
export async function replayWebhooks(
  ctx: RouteContext,
  filter: ReplayFilter = {},
  onProgress: (done: number, total: number) => void = () => {},
): Promise<ReplaySummary> {
  const tenants =
    filter.tenant !== undefined ? [filter.tenant] : (await ctx.store.listTenants()).map((t) => t.id);
  const work: { tenant: string; event: WebhookEventRecord }[] = [];
  for (const tenant of tenants)
    for (const event of await storedEvents(ctx, tenant, filter)) work.push({ tenant, event });
  let processed = 0;
  let alreadyProcessed = 0;
  const failed: { tenant: string; eventId: string; error: string }[] = [];
  onProgress(0, work.length);
  for (const [index, { tenant, event }] of work.entries()) {
    try {
      if (await processStoredEvent(ctx, tenant, event)) processed += 1;
      else alreadyProcessed += 1;
    } catch (error) {
      failed.push({ tenant, eventId: event.eventId, error: String((error as Error).message ?? error) });
    }
    onProgress(index + 1, work.length);
  }
  return { selected: work.length, processed, alreadyProcessed, failed };
}

/** A one-line progress bar (`[#####-----] 5/10`) for a TTY. */
export function progressBar(done: number, total: number, width = 30): string {
  const filled = total === 0 ? width : Math.round((done / total) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total}`;
}

import type {
  BilledLine,
  PendingInvoiceItem,
  Subscription,
  SubscriptionDiscount,
  SubscriptionStatus,
} from '@billkit/billing-core';
import { fromJson, toDate, toDateOrNull, toIso, toIsoOrNull, toJson } from '../codec.js';
import { DbError, isUniqueViolation } from '../errors.js';
import { atomicWithRetry, type Scope } from '../scope.js';
import { type ListOptions, listArgs } from './customers.js';

export type {
  PendingInvoiceItem,
  Subscription,
  SubscriptionDiscount,
  SubscriptionItem,
  SubscriptionStatus,
} from '@billkit/billing-core';

export interface SubscriptionRepository {
  /** Inserts a new subscription with its items and discounts; the stored version is `subscription.version`. */
  create(tenantId: string, subscription: Subscription): Promise<Subscription>;
  /**
   * Writes the new state if the stored version is still `expectedVersion`, and stores `expectedVersion + 1`
   * (returned). A stale `expectedVersion` throws `DB_VERSION_CONFLICT` and writes nothing.
   */
  save(
    tenantId: string,
    subscription: Subscription,
    options: { expectedVersion: number },
  ): Promise<Subscription>;
  get(tenantId: string, id: string): Promise<Subscription | null>;
  list(
    tenantId: string,
    options?: ListOptions & { customerId?: string; status?: SubscriptionStatus },
  ): Promise<Subscription[]>;
}

const include = {
  items: { orderBy: { position: 'asc' as const } },
  discounts: { orderBy: { position: 'asc' as const } },
};

type Row = Awaited<ReturnType<Scope['client']['subscription']['findFirstOrThrow']>> & {
  items: Awaited<ReturnType<Scope['client']['subscriptionItem']['findFirstOrThrow']>>[];
  discounts: Awaited<ReturnType<Scope['client']['subscriptionDiscount']['findFirstOrThrow']>>[];
};

export function subscriptionFromRow(row: Row): Subscription {
  return {
    id: row.id,
    customerId: row.customerId,
    currency: row.currency,
    status: row.status as SubscriptionStatus,
    items: row.items.map((item) => ({ id: item.id, priceId: item.priceId, quantity: item.quantity })),
    currentPeriodStart: toIso(row.currentPeriodStart),
    currentPeriodEnd: toIso(row.currentPeriodEnd),
    billingCycleAnchor: toIso(row.billingCycleAnchor),
    trialStart: toIsoOrNull(row.trialStart),
    trialEnd: toIsoOrNull(row.trialEnd),
    discounts: row.discounts.map((d) => ({
      id: d.id,
      discount: fromJson<SubscriptionDiscount['discount']>(d.discount, 'SubscriptionDiscount.discount'),
      start: toIso(d.start),
      periodsApplied: d.periodsApplied,
    })),
    cancelAtPeriodEnd: row.cancelAtPeriodEnd,
    canceledAt: toIsoOrNull(row.canceledAt),
    endedAt: toIsoOrNull(row.endedAt),
    pausedAt: toIsoOrNull(row.pausedAt),
    createdAt: toIso(row.createdAt),
    periodsBilled: row.periodsBilled,
    pendingInvoiceItems: fromJson<PendingInvoiceItem[]>(
      row.pendingInvoiceItems,
      'Subscription.pendingInvoiceItems',
    ),
    billedLines: fromJson<BilledLine[]>(row.billedLines, 'Subscription.billedLines'),
    latestInvoiceId: row.latestInvoiceId,
    version: row.version,
  };
}

function columns(s: Subscription) {
  return {
    customerId: s.customerId,
    currency: s.currency,
    status: s.status,
    currentPeriodStart: toDate(s.currentPeriodStart, 'currentPeriodStart'),
    currentPeriodEnd: toDate(s.currentPeriodEnd, 'currentPeriodEnd'),
    billingCycleAnchor: toDate(s.billingCycleAnchor, 'billingCycleAnchor'),
    trialStart: toDateOrNull(s.trialStart, 'trialStart'),
    trialEnd: toDateOrNull(s.trialEnd, 'trialEnd'),
    cancelAtPeriodEnd: s.cancelAtPeriodEnd,
    canceledAt: toDateOrNull(s.canceledAt, 'canceledAt'),
    endedAt: toDateOrNull(s.endedAt, 'endedAt'),
    pausedAt: toDateOrNull(s.pausedAt, 'pausedAt'),
    periodsBilled: s.periodsBilled,
    pendingInvoiceItems: toJson(s.pendingInvoiceItems),
    billedLines: toJson(s.billedLines),
    latestInvoiceId: s.latestInvoiceId,
  };
}

async function writeChildren(scope: Scope, tenantId: string, s: Subscription): Promise<void> {
  const prices = await scope.client.price.count({
    where: { tenantId, id: { in: [...new Set(s.items.map((i) => i.priceId))] } },
  });
  if (prices !== new Set(s.items.map((i) => i.priceId)).size) {
    throw new DbError('DB_NOT_FOUND', 'A subscription item names a price this tenant does not have', {
      priceIds: s.items.map((i) => i.priceId),
    });
  }
  await scope.client.subscriptionItem.deleteMany({ where: { subscriptionId: s.id, tenantId } });
  await scope.client.subscriptionDiscount.deleteMany({ where: { subscriptionId: s.id, tenantId } });
  if (s.items.length > 0) {
    await scope.client.subscriptionItem.createMany({
      data: s.items.map((item, position) => ({
        id: item.id,
        tenantId,
        subscriptionId: s.id,
        priceId: item.priceId,
        quantity: item.quantity,
        position,
      })),
    });
  }
  if (s.discounts.length > 0) {
    const named = s.discounts.flatMap((d) => (typeof d.discount.id === 'string' ? [d.discount.id] : []));
    const known = new Map(
      (
        await scope.client.discountDefinition.findMany({
          where: { tenantId, key: { in: named } },
          select: { id: true, key: true },
        })
      ).map((row) => [row.key, row.id]),
    );
    await scope.client.subscriptionDiscount.createMany({
      data: s.discounts.map((d, position) => ({
        id: d.id,
        tenantId,
        subscriptionId: s.id,
        discountDefinitionId: typeof d.discount.id === 'string' ? (known.get(d.discount.id) ?? null) : null,
        discount: toJson(d.discount),
        start: toDate(d.start, 'discount.start'),
        periodsApplied: d.periodsApplied,
        position,
      })),
    });
  }
}

async function load(scope: Scope, tenantId: string, id: string): Promise<Subscription | null> {
  const row = await scope.client.subscription.findFirst({ where: { id, tenantId }, include });
  return row ? subscriptionFromRow(row) : null;
}

export function subscriptionRepository(scope: Scope): SubscriptionRepository {
  return {
    create(tenantId, subscription) {
      return atomicWithRetry(scope, async (tx) => {
        const customer = await tx.client.customer.findFirst({
          where: { id: subscription.customerId, tenantId },
          select: { id: true },
        });
        if (!customer) throw new DbError('DB_NOT_FOUND', `No customer ${subscription.customerId}`);
        try {
          await tx.client.subscription.create({
            data: {
              ...columns(subscription),
              id: subscription.id,
              tenantId,
              version: subscription.version,
              createdAt: toDate(subscription.createdAt, 'createdAt'),
            },
          });
        } catch (error) {
          if (isUniqueViolation(error))
            throw new DbError('DB_DUPLICATE', `Subscription ${subscription.id} exists`);
          throw error;
        }
        await writeChildren(tx, tenantId, subscription);
        return (await load(tx, tenantId, subscription.id)) as Subscription;
      });
    },
    save(tenantId, subscription, { expectedVersion }) {
      return saveSubscription(scope, tenantId, subscription, expectedVersion);
    },
    get(tenantId, id) {
      return load(scope, tenantId, id);
    },
    async list(tenantId, options = {}) {
      const { where, ...rest } = listArgs(options);
      const rows = await scope.client.subscription.findMany({
        ...rest,
        include,
        where: {
          ...where,
          tenantId,
          ...(options.customerId !== undefined ? { customerId: options.customerId } : {}),
          ...(options.status !== undefined ? { status: options.status } : {}),
        },
      });
      return rows.map(subscriptionFromRow);
    },
  };
}

/** The optimistic-concurrency write shared by `subscriptions.save` and `recordSubscriptionChange`. */
export function saveSubscription(
  scope: Scope,
  tenantId: string,
  subscription: Subscription,
  expectedVersion: number,
): Promise<Subscription> {
  return atomicWithRetry(scope, async (tx) => {
    const updated = await tx.client.subscription.updateMany({
      where: { id: subscription.id, tenantId, version: expectedVersion },
      data: { ...columns(subscription), version: expectedVersion + 1 },
    });
    if (updated.count === 0) {
      const current = await tx.client.subscription.findFirst({
        where: { id: subscription.id, tenantId },
        select: { version: true },
      });
      if (!current)
        throw new DbError('DB_NOT_FOUND', `No subscription ${subscription.id}`, { id: subscription.id });
      throw new DbError(
        'DB_VERSION_CONFLICT',
        `Subscription ${subscription.id} is at version ${current.version}, not ${expectedVersion}; reload and retry`,
        { id: subscription.id, expectedVersion, actualVersion: current.version },
      );
    }
    await writeChildren(tx, tenantId, subscription);
    return (await load(tx, tenantId, subscription.id)) as Subscription;
  });
}

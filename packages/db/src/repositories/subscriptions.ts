import type {
  BilledLine,
  Subscription as BillingCoreSubscription,
  SubscriptionDiscount as BillingCoreSubscriptionDiscount,
  PendingInvoiceItem,
  SubscriptionStatus,
} from '@billkit/billing-core';
import { ident, inChunks, insertRows, placeholders, rowsOf, updateRowsByKey } from '../bulk.js';
import {
  fromJson,
  type Metadata,
  metadataIfAny,
  toBigInt,
  toDate,
  toDateOrNull,
  toIso,
  toIsoOrNull,
  toJson,
  toMetadataJson,
  toMinorUnits,
} from '../codec.js';
import { DbError, isUniqueViolation } from '../errors.js';
import { atomicWithRetry, type Scope } from '../scope.js';
import { type ListOptions, listArgs } from './list-options.js';

export type {
  PendingInvoiceItem,
  SubscriptionItem,
  SubscriptionStatus,
} from '@billkit/billing-core';

/**
 * billing-core's `SubscriptionDiscount`; `creditRemaining` is what is left of a `credit` discount's amount
 * (minor units), `null` for other discounts. Stored in `SubscriptionDiscount.creditRemaining` and always
 * given back (`null` when the column is).
 */
export type SubscriptionDiscount = BillingCoreSubscriptionDiscount & {
  creditRemaining?: number | null | undefined;
};

/**
 * billing-core's `Subscription` (with its discounts' `creditRemaining`) plus Stripe-style `metadata` (absent
 * when empty; a save without it keeps what is stored).
 */
export type Subscription = Omit<BillingCoreSubscription, 'discounts'> & {
  discounts: SubscriptionDiscount[];
  metadata?: Metadata;
};

/** `creditRemaining` of a discount as its column value. */
const creditRemainingColumn = (d: SubscriptionDiscount): bigint | null =>
  d.creditRemaining === null || d.creditRemaining === undefined
    ? null
    : toBigInt(d.creditRemaining, 'SubscriptionDiscount.creditRemaining');

/** The `SubscriptionDiscount` row of a subscription's discount at `position`. */
function discountRow(
  tenantId: string,
  subscriptionId: string,
  d: SubscriptionDiscount,
  position: number,
  known: ReadonlyMap<string, string>,
) {
  return {
    id: d.id,
    tenantId,
    subscriptionId,
    discountDefinitionId: typeof d.discount.id === 'string' ? (known.get(d.discount.id) ?? null) : null,
    discount: toJson(d.discount),
    start: toDate(d.start, 'discount.start'),
    periodsApplied: d.periodsApplied,
    creditRemaining: creditRemainingColumn(d),
    position,
  };
}

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
  /**
   * Loads several subscriptions (items and discounts included) with a few queries, not one per id: the
   * subscriptions of `ids` that this tenant has, in the order of `ids` (unknown ids and other tenants'
   * subscriptions are left out, a repeated id comes back once).
   */
  getMany(tenantId: string, ids: readonly string[]): Promise<Subscription[]>;
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
      creditRemaining:
        d.creditRemaining === null
          ? null
          : toMinorUnits(d.creditRemaining, 'SubscriptionDiscount.creditRemaining'),
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
    ...metadataIfAny(row.metadata, 'Subscription.metadata'),
  };
}

/** The `metadata` column of a save: only when the subscription carries metadata (else what is stored stays). */
const metadataColumn = (s: Subscription) =>
  s.metadata !== undefined ? { metadata: toMetadataJson(s.metadata, 'Subscription.metadata') } : {};

/** The `Subscription` columns a save writes (everything but id, tenant, version and timestamps). */
export function subscriptionColumns(s: Subscription) {
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
      data: s.discounts.map((d, position) => discountRow(tenantId, s.id, d, position, known)),
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
              ...subscriptionColumns(subscription),
              ...metadataColumn(subscription),
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
    async getMany(tenantId, ids) {
      const unique = [...new Set(ids)];
      const found = new Map<string, Subscription>();
      // One findMany per chunk (Prisma loads items and discounts with one IN query each).
      for (const chunk of inChunks(scope, unique, 2)) {
        const rows = await scope.client.subscription.findMany({
          where: { tenantId, id: { in: chunk } },
          include,
        });
        for (const row of rows) found.set(row.id, subscriptionFromRow(row));
      }
      return unique.flatMap((id) => {
        const subscription = found.get(id);
        return subscription ? [subscription] : [];
      });
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
      data: {
        ...subscriptionColumns(subscription),
        ...metadataColumn(subscription),
        version: expectedVersion + 1,
      },
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

/**
 * Locks subscriptions for a batched write (`FOR UPDATE` on MySQL, in primary-key order; SQLite's
 * transactions already hold the write lock) and returns the stored version of each one the tenant has.
 */
export async function lockSubscriptionVersions(
  scope: Scope,
  tenantId: string,
  ids: readonly string[],
): Promise<Map<string, number>> {
  const versions = new Map<string, number>();
  for (const chunk of inChunks(scope, [...ids].sort(), 2)) {
    const rows =
      scope.provider === 'mysql'
        ? await scope.client.$queryRawUnsafe<{ id: string; version: number | bigint }[]>(
            `SELECT id, version FROM \`Subscription\` FORCE INDEX (PRIMARY) WHERE tenantId = ? AND id IN (${placeholders(chunk.length)}) ORDER BY id FOR UPDATE`,
            tenantId,
            ...chunk,
          )
        : await scope.client.subscription.findMany({
            where: { tenantId, id: { in: chunk } },
            select: { id: true, version: true },
          });
    for (const row of rows) versions.set(row.id, Number(row.version));
  }
  return versions;
}

const sameItems = (
  wanted: Subscription['items'],
  stored: { id: string; priceId: string; quantity: number; position: number }[],
) =>
  wanted.length === stored.length &&
  wanted.every((item, position) => {
    const row = stored.find((r) => r.position === position);
    return (
      row !== undefined &&
      row.id === item.id &&
      row.priceId === item.priceId &&
      row.quantity === item.quantity
    );
  });

const sameDiscounts = (
  wanted: Subscription['discounts'],
  stored: {
    id: string;
    discount: string;
    start: Date;
    periodsApplied: number;
    creditRemaining: bigint | number | null;
    position: number;
  }[],
) =>
  wanted.length === stored.length &&
  wanted.every((d, position) => {
    const row = stored.find((r) => r.position === position);
    return (
      row !== undefined &&
      row.id === d.id &&
      row.discount === toJson(d.discount) &&
      row.start.getTime() === toDate(d.start, 'discount.start').getTime() &&
      row.periodsApplied === d.periodsApplied &&
      (row.creditRemaining === null ? null : BigInt(row.creditRemaining)) === creditRemainingColumn(d)
    );
  });

/**
 * Writes the new state of many subscriptions whose stored versions the caller has checked under lock
 * ({@link lockSubscriptionVersions}): one multi-row UPDATE per chunk storing `expectedVersion + 1`, and the
 * items and discounts rewritten (bulk delete and insert) only for subscriptions where they changed. The stored
 * rows end up exactly as {@link saveSubscription} leaves them. Throws `DB_VERSION_CONFLICT` (nothing of the
 * batch must then be committed) if a version moved anyway.
 */
export async function writeSubscriptionsBatch(
  scope: Scope,
  tenantId: string,
  entries: readonly { subscription: Subscription; expectedVersion: number }[],
): Promise<void> {
  if (entries.length === 0) return;
  const now = new Date();
  const updated = await updateRowsByKey(
    scope,
    'Subscription',
    'id',
    entries.map((e) => ({
      key: e.subscription.id,
      values: { ...subscriptionColumns(e.subscription), updatedAt: now },
    })),
    {
      fixed: [{ sql: `${ident(scope, 'version')} = ${ident(scope, 'version')} + 1`, params: [] }],
      where: { sql: `${ident(scope, 'tenantId')} = ?`, params: [tenantId] },
      mysqlIndex: 'PRIMARY',
    },
  );
  if (updated !== entries.length) {
    throw new DbError(
      'DB_VERSION_CONFLICT',
      'A subscription of the batch changed while it was locked; retry',
      {
        expected: entries.length,
        updated,
      },
    );
  }
  // Children: read what is stored, rewrite only what differs (a renewal keeps its items as they are).
  const ids = entries.map((e) => e.subscription.id);
  const storedItems = new Map<
    string,
    { id: string; priceId: string; quantity: number; position: number }[]
  >();
  const storedDiscounts = new Map<
    string,
    {
      id: string;
      discount: string;
      start: Date;
      periodsApplied: number;
      creditRemaining: bigint | number | null;
      position: number;
    }[]
  >();
  for (const chunk of inChunks(scope, ids, 2)) {
    for (const row of await scope.client.subscriptionItem.findMany({
      where: { tenantId, subscriptionId: { in: chunk } },
      select: { id: true, subscriptionId: true, priceId: true, quantity: true, position: true },
    })) {
      const list = storedItems.get(row.subscriptionId) ?? [];
      list.push(row);
      storedItems.set(row.subscriptionId, list);
    }
    for (const row of await scope.client.subscriptionDiscount.findMany({
      where: { tenantId, subscriptionId: { in: chunk } },
      select: {
        id: true,
        subscriptionId: true,
        discount: true,
        start: true,
        periodsApplied: true,
        creditRemaining: true,
        position: true,
      },
    })) {
      const list = storedDiscounts.get(row.subscriptionId) ?? [];
      list.push(row);
      storedDiscounts.set(row.subscriptionId, list);
    }
  }
  const itemsChanged = entries
    .map((e) => e.subscription)
    .filter((s) => !sameItems(s.items, storedItems.get(s.id) ?? []));
  const discountsChanged = entries
    .map((e) => e.subscription)
    .filter((s) => !sameDiscounts(s.discounts, storedDiscounts.get(s.id) ?? []));
  if (itemsChanged.length > 0) {
    const priceIds = [...new Set(itemsChanged.flatMap((s) => s.items.map((i) => i.priceId)))];
    let known = 0;
    for (const chunk of inChunks(scope, priceIds, 2))
      known += await scope.client.price.count({ where: { tenantId, id: { in: chunk } } });
    if (known !== priceIds.length) {
      throw new DbError('DB_NOT_FOUND', 'A subscription item names a price this tenant does not have', {
        priceIds,
      });
    }
    await deleteChildren(
      scope,
      'SubscriptionItem',
      tenantId,
      itemsChanged.map((s) => s.id),
    );
    const { columns, rows } = rowsOf(
      itemsChanged.flatMap((s) =>
        s.items.map((item, position) => ({
          id: item.id,
          tenantId,
          subscriptionId: s.id,
          priceId: item.priceId,
          quantity: item.quantity,
          position,
        })),
      ),
    );
    await insertRows(scope, 'SubscriptionItem', columns, rows);
  }
  if (discountsChanged.length > 0) {
    const named = [
      ...new Set(
        discountsChanged.flatMap((s) =>
          s.discounts.flatMap((d) => (typeof d.discount.id === 'string' ? [d.discount.id] : [])),
        ),
      ),
    ];
    const known = new Map<string, string>();
    for (const chunk of inChunks(scope, named, 2)) {
      for (const row of await scope.client.discountDefinition.findMany({
        where: { tenantId, key: { in: chunk } },
        select: { id: true, key: true },
      }))
        known.set(row.key, row.id);
    }
    await deleteChildren(
      scope,
      'SubscriptionDiscount',
      tenantId,
      discountsChanged.map((s) => s.id),
    );
    const { columns, rows } = rowsOf(
      discountsChanged.flatMap((s) =>
        s.discounts.map((d, position) => discountRow(tenantId, s.id, d, position, known)),
      ),
    );
    await insertRows(scope, 'SubscriptionDiscount', columns, rows);
  }
}

/**
 * Deletes the items or discounts of the given subscriptions. On MySQL pinned to the (subscriptionId, position)
 * index, so a stale-statistics plan cannot turn it into a locking scan over other subscriptions' rows.
 */
async function deleteChildren(
  scope: Scope,
  table: 'SubscriptionItem' | 'SubscriptionDiscount',
  tenantId: string,
  subscriptionIds: readonly string[],
): Promise<void> {
  for (const chunk of inChunks(scope, subscriptionIds, 2)) {
    if (scope.provider === 'mysql') {
      await scope.client.$executeRawUnsafe(
        `DELETE c FROM \`${table}\` c FORCE INDEX (\`${table}_subscriptionId_position_key\`) WHERE c.tenantId = ? AND c.subscriptionId IN (${placeholders(chunk.length)})`,
        tenantId,
        ...chunk,
      );
    } else if (table === 'SubscriptionItem') {
      await scope.client.subscriptionItem.deleteMany({ where: { tenantId, subscriptionId: { in: chunk } } });
    } else {
      await scope.client.subscriptionDiscount.deleteMany({
        where: { tenantId, subscriptionId: { in: chunk } },
      });
    }
  }
}

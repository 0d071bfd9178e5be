import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isUniqueViolation } from '../../src/errors.js';
import { prismaOf, rawOf } from '../../src/open-database.js';
import {
  NOW_DEFAULTS,
  PRIMARY_KEYS,
  RawClientUnsupported,
  rawReader,
  UPDATED_AT_MODELS,
} from '../../src/store/raw-client.js';
import { providers, useMigratedDatabase } from './databases.js';

// billing_db's statements run through raw-client.ts, which speaks the part of Prisma's model API the
// repositories and the store use: on each provider it must read and write exactly what Prisma's client does.

/** Each line of the base schema with the model it belongs to. */
function schemaLines(): [string, string][] {
  const schema = readFileSync(new URL('../../prisma/schema.base.prisma', import.meta.url), 'utf8');
  let model = '';
  return schema.split('\n').map((line) => {
    model = /^model (\w+)/.exec(line)?.[1] ?? model;
    return [model, line];
  });
}

describe('raw client: the schema it relies on', () => {
  it('sets the `now()` defaults of exactly the fields whose schema says @default(now())', () => {
    const fields: Record<string, string[]> = {};
    for (const [model, line] of schemaLines()) {
      const field = /^\s+(\w+)\s.*@default\(now\(\)\)/.exec(line);
      if (field) fields[model] = [...(fields[model] ?? []), field[1] as string];
    }
    expect(Object.keys(fields).length).toBeGreaterThan(10);
    expect(NOW_DEFAULTS).toEqual(fields);
  });

  it('sets updatedAt on exactly the models whose schema says @updatedAt', () => {
    const models = new Set<string>();
    for (const [model, line] of schemaLines()) {
      if (/@updatedAt/.test(line)) models.add(model);
    }
    expect([...UPDATED_AT_MODELS].sort()).toEqual([...models].sort());
  });

  it('knows the primary key of every model whose key is not its `id`', () => {
    const keys: Record<string, string[]> = {};
    for (const [model, line] of schemaLines()) {
      const single = /^\s+(\w+)\s+\S+.*@id\b/.exec(line);
      if (single) keys[model] = [single[1] as string];
      const compound = /@@id\(\[([^\]]+)\]\)/.exec(line);
      if (compound) keys[model] = (compound[1] as string).split(',').map((c) => c.trim());
    }
    expect(Object.keys(keys).length).toBeGreaterThan(20);
    const notById = Object.fromEntries(Object.entries(keys).filter(([, k]) => k.join() !== 'id'));
    expect(notById).toEqual(PRIMARY_KEYS);
  });
});

describe.each(providers)('raw client against Prisma’s (%s)', (provider) => {
  const holder = useMigratedDatabase(provider);
  const clients = () => ({
    // biome-ignore lint/suspicious/noExplicitAny: the delegates are typed by the generated clients.
    prisma: prismaOf(holder.db) as any,
    // biome-ignore lint/suspicious/noExplicitAny: as above.
    raw: rawReader(rawOf(holder.db)) as any,
  });

  async function seed() {
    const { prisma } = clients();
    await prisma.tenant.create({ data: { id: 't1', name: 'One', defaultCurrency: 'USD' } });
    await prisma.customer.create({
      data: {
        id: 'cus_1',
        tenantId: 't1',
        name: 'Ann',
        currency: 'USD',
        timezone: 'UTC',
        balance: -1250n,
        addressCountry: 'US',
        addressDistricts: '[]',
        taxExemptions: '[]',
        taxIds: '[]',
      },
    });
    await prisma.product.create({ data: { id: 'prod_1', tenantId: 't1', name: 'Pickup', active: false } });
    await prisma.price.createMany({
      data: ['a', 'b', 'c'].map((k, i) => ({
        id: `price_${k}`,
        tenantId: 't1',
        productId: 'prod_1',
        currency: 'USD',
        billingScheme: 'per_unit',
        unitAmount: BigInt(1000 + i),
        active: i !== 1,
        lookupKey: i === 2 ? null : `key_${k}`,
      })),
    });
  }

  it('reads rows with the same values and types (booleans, bigints, dates, nulls) for the same queries', async () => {
    await seed();
    const { prisma, raw } = clients();
    const queries: [string, Record<string, unknown>][] = [
      ['customer', { where: { tenantId: 't1', id: 'cus_1' } }],
      ['product', { where: { tenantId: 't1' } }],
      ['price', { where: { tenantId: 't1', id: { in: ['price_a', 'price_c'] } }, orderBy: { id: 'asc' } }],
      ['price', { where: { tenantId: 't1', id: { gt: 'price_a' } }, orderBy: { id: 'desc' }, take: 1 }],
      ['price', { where: { tenantId: 't1', lookupKey: null }, orderBy: { id: 'asc' } }],
      ['price', { where: { tenantId: 't1', active: true }, orderBy: [{ productId: 'asc' }, { id: 'asc' }] }],
      [
        'price',
        { where: { tenantId: 't1' }, select: { id: true, unitAmount: true }, orderBy: { id: 'asc' } },
      ],
      ['price', { where: { tenantId: 't1', id: { in: [] } } }],
    ];
    for (const [model, args] of queries) {
      const expected = await prisma[model].findMany(args);
      expect(expected.length, `${model} ${JSON.stringify(args)}`).toBeGreaterThanOrEqual(0);
      expect(await raw[model].findMany(args), `${model} ${JSON.stringify(args)}`).toEqual(expected);
    }
    expect(await raw.customer.findFirst({ where: { id: 'nobody' } })).toBeNull();
    await expect(raw.customer.findFirstOrThrow({ where: { id: 'nobody' } })).rejects.toMatchObject({
      code: 'P2025',
    });
    expect(await raw.price.count({ where: { tenantId: 't1', active: false } })).toBe(1);
  });

  it('writes what Prisma writes: createMany, create (with updatedAt), updateMany counts, increment, deleteMany', async () => {
    const { prisma, raw } = clients();
    expect(
      await raw.product.createMany({ data: [{ id: 'prod_2', tenantId: 't1', name: 'Roll-off' }] }),
    ).toEqual({ count: 1 });
    const created = await prisma.product.findFirstOrThrow({ where: { id: 'prod_2' } });
    expect(created).toMatchObject({ active: true, metadata: '{}', name: 'Roll-off' });
    expect(created.updatedAt).toBeInstanceOf(Date);
    expect(Math.abs(created.updatedAt.getTime() - Date.now())).toBeLessThan(60_000);
    const before = created.updatedAt.getTime();
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(
      await raw.product.updateMany({ where: { tenantId: 't1', id: 'prod_2' }, data: { active: false } }),
    ).toEqual({ count: 1 });
    const updated = await prisma.product.findFirstOrThrow({ where: { id: 'prod_2' } });
    expect(updated.active).toBe(false);
    expect(updated.updatedAt.getTime()).toBeGreaterThan(before);
    expect(
      await raw.product.updateMany({ where: { tenantId: 't1', id: 'none' }, data: { active: false } }),
    ).toEqual({
      count: 0,
    });
    const counter = { tenantId: 't1', kind: 'probe', prefix: 'P-', nextNumber: 5 };
    await prisma.documentCounter.create({ data: counter });
    await raw.documentCounter.updateMany({
      where: { tenantId: 't1', kind: 'probe' },
      data: { nextNumber: { increment: 1 } },
    });
    expect(
      await raw.documentCounter.findUniqueOrThrow({
        where: { tenantId_kind: { tenantId: 't1', kind: 'probe' } },
      }),
    ).toEqual({ ...counter, nextNumber: 6 });
    const at = new Date('2026-03-01T06:00:00.123Z');
    const key = await raw.apiKey.create({
      data: {
        id: 'key_1',
        tenantId: 't1',
        name: 'k',
        prefix: 'bk_',
        hashedKey: 'h',
        scopes: '[]',
        expiresAt: at,
      },
    });
    expect(key).toEqual(await prisma.apiKey.findFirstOrThrow({ where: { id: 'key_1' } }));
    expect(key.expiresAt).toEqual(at);
    expect(await raw.product.deleteMany({ where: { tenantId: 't1', id: 'prod_2' } })).toEqual({ count: 1 });
    const duplicate = await raw.product
      .createMany({ data: [{ id: 'prod_1', tenantId: 't1', name: 'Twin' }] })
      .then(
        () => null,
        (error: unknown) => error,
      );
    expect(isUniqueViolation(duplicate)).toBe(true);
  });

  it('sets `now()` defaults and inserts rows that leave out different columns, as Prisma does', async () => {
    const { prisma, raw } = clients();
    const before = Date.now();
    const explicit = new Date('2026-02-03T04:05:06.789Z');
    await raw.product.createMany({
      data: [
        { id: 'prod_d1', tenantId: 't1', name: 'Defaults' },
        { id: 'prod_d2', tenantId: 't1', name: 'Own date', createdAt: explicit, active: false },
      ],
    });
    const rows = await prisma.product.findMany({
      where: { id: { in: ['prod_d1', 'prod_d2'] } },
      orderBy: { id: 'asc' },
    });
    expect(rows.map((r: { active: boolean }) => r.active)).toEqual([true, false]);
    expect(rows[0].createdAt.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(rows[0].createdAt.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
    expect(rows[1].createdAt).toEqual(explicit);
    // Instants compare in SQL as Prisma's own writes do: the row stamped now sorts after the older one.
    const newer = await raw.product.findMany({ where: { tenantId: 't1', createdAt: { gt: explicit } } });
    expect(newer.map((r: { id: string }) => r.id)).toContain('prod_d1');
    expect(newer.map((r: { id: string }) => r.id)).not.toContain('prod_d2');
    expect(
      await raw.product.findMany({ where: { id: { in: ['prod_d1', 'prod_d2'] } }, orderBy: { id: 'asc' } }),
    ).toEqual(rows);
  });

  it('includes a subscription’s items and an invoice’s lines with their taxes as Prisma does', async () => {
    const { prisma, raw } = clients();
    const start = new Date('2026-03-01T06:00:00Z');
    const end = new Date('2026-04-01T05:00:00Z');
    await prisma.subscription.create({
      data: {
        id: 'sub_1',
        tenantId: 't1',
        customerId: 'cus_1',
        currency: 'USD',
        status: 'active',
        currentPeriodStart: start,
        currentPeriodEnd: end,
        billingCycleAnchor: start,
        pendingInvoiceItems: '[]',
        billedLines: '[]',
        createdAt: start,
      },
    });
    await raw.subscriptionItem.createMany({
      data: [0, 1].map((position) => ({
        id: `si_${position}`,
        tenantId: 't1',
        subscriptionId: 'sub_1',
        priceId: 'price_a',
        quantity: position + 1,
        position,
      })),
    });
    const args = { where: { tenantId: 't1', id: 'sub_1' }, include: { items: true, discounts: true } };
    const expected = await prisma.subscription.findMany(args);
    const got = await raw.subscription.findMany(args);
    const byId = (a: { id: string }, b: { id: string }) => a.id.localeCompare(b.id);
    expect(got.map((s: { items: { id: string }[] }) => ({ ...s, items: [...s.items].sort(byId) }))).toEqual(
      expected.map((s: { items: { id: string }[] }) => ({ ...s, items: [...s.items].sort(byId) })),
    );
    expect(got[0].items).toHaveLength(2);
    expect(got[0].discounts).toEqual([]);
  });

  it('refuses a query shape it does not speak instead of guessing', async () => {
    const { raw } = clients();
    await expect(
      raw.price.findMany({ where: { tenantId: 't1', nickname: { contains: 'x' } } }),
    ).rejects.toBeInstanceOf(RawClientUnsupported);
    await expect(raw.price.findMany({ skip: 1 })).rejects.toBeInstanceOf(RawClientUnsupported);
    await expect(raw.price.findMany({ include: { product: true } })).rejects.toBeInstanceOf(
      RawClientUnsupported,
    );
  });
});

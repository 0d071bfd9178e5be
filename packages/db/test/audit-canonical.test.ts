import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import canonicalize from 'canonicalize';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { legacyCanonicalJson } from '../src/canonical-json.js';
import {
  type AuditEvent,
  auditHash,
  auditHashForm,
  canonicalJson,
  isDbError,
  newId,
  requestFingerprints,
} from '../src/index.js';
import { prismaOf } from '../src/open-database.js';
import { providers, useMigratedDatabase } from './integration/databases.js';

/** A chain and idempotency fingerprints written by billkit before RFC 8785, rows as stored. */
const fixture = JSON.parse(
  readFileSync(new URL('./fixtures/legacy-audit-chain.json', import.meta.url), 'utf8'),
) as {
  tenantId: string;
  head: { seq: number; hash: string };
  rows: (Omit<AuditEvent, 'data'> & { data: string })[];
  fingerprints: { subject: string; body: string; requestHash: string }[];
};
const events: AuditEvent[] = fixture.rows.map((row) => ({ ...row, data: JSON.parse(row.data) as unknown }));

describe('canonicalJson (RFC 8785)', () => {
  it.each([
    [
      'array-index keys sorted as strings',
      { '10': 'a', '9': 'b', '2': 'c', '': 'd' },
      '{"":"d","10":"a","2":"c","9":"b"}',
    ],
    ['keys by UTF-16 code units', { '｡': 1, '😀': 2, é: 3, Z: 4, a: 5 }, '{"Z":4,"a":5,"é":3,"😀":2,"｡":1}'],
    [
      'numbers as ECMAScript writes them',
      [1e21, 1e-7, -0, 0.1 + 0.2, 5e-324],
      '[1e+21,1e-7,0,0.30000000000000004,5e-324]',
    ],
    [
      'escapes only what JSON must',
      'q" b\\ n\n u\u0001 ls\u2028 é 😀 /',
      '"q\\" b\\\\ n\\n u\\u0001 ls\u2028 é 😀 /"',
    ],
    [
      'undefined members dropped, Dates as ISO',
      { a: undefined, d: new Date(0), n: [undefined] },
      '{"d":"1970-01-01T00:00:00.000Z","n":[null]}',
    ],
    [
      'NaN and Infinity as JSON reads them (null)',
      { nan: Number.NaN, inf: -Infinity },
      '{"inf":null,"nan":null}',
    ],
    [
      'a lone surrogate as U+FFFD',
      { 'k\ud800': 'a\udc00b', pair: '😀' },
      '{"k\ufffd":"a\ufffdb","pair":"😀"}',
    ],
  ])('%s', (_name, value, expected) => {
    expect(canonicalJson(value)).toBe(expected);
  });

  it('is the canonicalize library’s output for every JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
        expect(canonicalJson(value)).toBe(canonicalize(value));
        expect(JSON.parse(canonicalJson(value))).toEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
  });
});

describe('audit chains hashed before RFC 8785', () => {
  it('verify every stored event with the form its id records', () => {
    let prevHash = '0'.repeat(64);
    for (const event of events) {
      expect(auditHashForm(event.id)).toBe('legacy');
      expect(event.prevHash).toBe(prevHash);
      expect(auditHash(fixture.tenantId, event, auditHashForm(event.id))).toBe(event.hash);
      prevHash = event.hash;
    }
    expect(prevHash).toBe(fixture.head.hash);
  });

  it('differ from RFC 8785 exactly where the old form did (array-index keys, lone surrogates)', () => {
    const differing = events
      .filter((e) => legacyCanonicalJson(e.data) !== canonicalJson(e.data))
      .map((e) => e.type);
    expect(differing).toEqual(['metadata.updated', 'surrogates']);
    for (const event of events) {
      const same = !differing.includes(event.type);
      expect(auditHash(fixture.tenantId, event, 'rfc8785') === event.hash).toBe(same);
    }
  });

  it('hash new events in RFC 8785: the hashed text is canonicalize’s', () => {
    const id = newId('evt');
    expect(auditHashForm(id)).toBe('rfc8785');
    const event = { ...events[2]!, id };
    const body = canonicalize({
      ...event,
      id: undefined,
      hash: undefined,
      prevHash: undefined,
      tenantId: 't',
    });
    const expected = createHash('sha256')
      .update(event.prevHash)
      .update('\n')
      .update(body as string)
      .digest('hex');
    expect(auditHash('t', event)).toBe(expected);
  });
});

describe.each(providers)('a chain across the upgrade on %s', (provider) => {
  const ctx = useMigratedDatabase(provider);

  it('verifies old events with the old form and new ones with RFC 8785, and still finds an edit', async () => {
    const { tenantId } = fixture;
    const prisma = prismaOf(ctx.db);
    await ctx.db.tenants.create({ id: tenantId, name: 'Fixture', defaultCurrency: 'USD' });
    await prisma.auditEvent.createMany({
      data: fixture.rows.map((row) => ({ ...row, tenantId, occurredAt: new Date(row.occurredAt) })),
    });
    await prisma.auditChainHead.upsert({
      where: { tenantId },
      create: { tenantId, ...fixture.head },
      update: fixture.head,
    });
    expect(await ctx.db.verifyAuditChain(tenantId)).toEqual({
      valid: true,
      events: 9,
      head: fixture.head.hash,
    });

    const appended = await ctx.db.auditLog.append(
      tenantId,
      {
        type: 'metadata.updated',
        entityType: 'customer',
        entityId: 'cus_1',
        data: { metadata: { '10': 'a', '9': 'b' } },
      },
      {
        type: 'customer.renamed',
        entityType: 'customer',
        entityId: 'cus_1',
        actor: 'Zoë',
        data: { name: 'x\ud800 東京 🧾' },
      },
    );
    expect(appended.map((e) => e.seq)).toEqual([10, 11]);
    const stored = await prisma.auditEvent.findMany({
      where: { tenantId, seq: { gt: 9 } },
      orderBy: { seq: 'asc' },
    });
    expect(stored.map((row) => row.data)).toEqual([
      '{"metadata":{"10":"a","9":"b"}}',
      '{"name":"x\ufffd 東京 🧾"}',
    ]);
    expect(await ctx.db.verifyAuditChain(tenantId)).toEqual({
      valid: true,
      events: 11,
      head: appended[1]?.hash,
    });

    // An edited old event, and an old event whose id is made to look new, are both found.
    const original = fixture.rows[2]!;
    await prisma.auditEvent.updateMany({
      where: { tenantId, seq: 3 },
      data: { data: '{"metadata":{"10":"ten"}}' },
    });
    expect(await ctx.db.verifyAuditChain(tenantId)).toMatchObject({
      valid: false,
      brokenAtSeq: 3,
      reason: 'hash_mismatch',
    });
    await prisma.auditEvent.updateMany({
      where: { tenantId, seq: 3 },
      data: { data: original.data, id: newId('evt') },
    });
    expect(await ctx.db.verifyAuditChain(tenantId)).toMatchObject({
      valid: false,
      brokenAtSeq: 3,
      reason: 'hash_mismatch',
    });
    await prisma.auditEvent.updateMany({ where: { tenantId, seq: 3 }, data: { id: original.id } });
    expect((await ctx.db.verifyAuditChain(tenantId)).valid).toBe(true);
  });

  it('lets a request claimed before the upgrade be retried under its key, and refuses a different one', async () => {
    const tenantId = newId('ten');
    await ctx.db.tenants.create({ id: tenantId, name: 'Retry', defaultCurrency: 'USD' });
    for (const [n, old] of fixture.fingerprints.entries()) {
      const key = `k${n}`;
      const base = { key, method: 'POST', path: old.subject };
      await ctx.db.idempotency.begin(tenantId, { ...base, requestHash: old.requestHash });
      const [requestHash, formerRequestHash] = requestFingerprints(old.subject, JSON.parse(old.body));
      expect(formerRequestHash ?? requestHash).toBe(old.requestHash);
      if (formerRequestHash !== undefined) {
        const refused = await ctx.db.idempotency
          .begin(tenantId, { ...base, requestHash })
          .catch((e: unknown) => e);
        expect(isDbError(refused, 'DB_IDEMPOTENCY_KEY_REUSED')).toBe(true);
      }
      const retry = await ctx.db.idempotency.begin(tenantId, {
        ...base,
        requestHash,
        ...(formerRequestHash !== undefined ? { formerRequestHash } : {}),
      });
      expect(retry.outcome).toBe('in_progress');
      const [other, otherFormer] = requestFingerprints(old.subject, { ...JSON.parse(old.body), extra: 1 });
      const reused = await ctx.db.idempotency
        .begin(tenantId, {
          ...base,
          requestHash: other,
          ...(otherFormer ? { formerRequestHash: otherFormer } : {}),
        })
        .catch((e: unknown) => e);
      expect(isDbError(reused, 'DB_IDEMPOTENCY_KEY_REUSED')).toBe(true);
    }
    expect(
      fixture.fingerprints.filter((f) => requestFingerprints(f.subject, JSON.parse(f.body)).length === 2),
    ).toHaveLength(2);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, type TestBed } from './support.js';

describe.each(backends())('audit trail on $name', ({ open }) => {
  let bed: TestBed;
  let ctx: { tenantId: string; actor: string; requestId: string };
  beforeAll(async () => {
    bed = await open();
    ctx = { tenantId: bed.tenantId, actor: 'key_auditor', requestId: 'req_1' };
  });
  afterAll(() => bed.close());

  it('lists events oldest first with actor and request id, filtered by entity and paged by seq', async () => {
    const product = await bed.billing.catalog.createProduct(ctx, { name: 'Audited' });
    await bed.billing.catalog.updateProduct(ctx, product.id, { name: 'Audited 2' });
    await bed.billing.catalog.updateProduct(ctx, product.id, { name: 'Audited 3' });
    const all = await bed.billing.audit.list(ctx, { limit: 10, entityType: 'product', entityId: product.id });
    expect(all.data.map((e) => e.type)).toEqual(['product.created', 'product.updated', 'product.updated']);
    expect(all.data[0]).toMatchObject({ actor: 'key_auditor', data: { requestId: 'req_1', before: null } });
    const page1 = await bed.billing.audit.list(ctx, { limit: 2, entityId: product.id });
    expect(page1.hasMore).toBe(true);
    const page2 = await bed.billing.audit.list(ctx, {
      limit: 2,
      entityId: product.id,
      startingAfter: page1.data[1]?.seq,
    });
    expect([...page1.data, ...page2.data]).toEqual(all.data);
    expect((await bed.billing.audit.list(ctx, { limit: 10, actor: 'key_nobody' })).data).toEqual([]);
  });

  it('filters by time with instants in any offset', async () => {
    const before = await bed.billing.audit.list(ctx, { limit: 100, to: '2000-01-01T01:00:00+01:00' });
    expect(before.data).toEqual([]);
    const since = await bed.billing.audit.list(ctx, { limit: 100, from: '2000-01-01T00:00:00-05:00' });
    expect(since.data.length).toBeGreaterThan(0);
  });

  it('verifies an intact chain and finds the event that was tampered with', async () => {
    expect(await bed.billing.audit.verify(ctx)).toMatchObject({ valid: true, brokenAtSeq: null });
    const events = await bed.billing.audit.list(ctx, { limit: 100 });
    const victim = events.data[1];
    if (!victim) throw new Error('no events');
    await bed.store.tamperAudit(bed.tenantId, victim.seq, { forged: true });
    expect(await bed.billing.audit.verify(ctx)).toMatchObject({ valid: false, brokenAtSeq: victim.seq });
    expect(await bed.billing.audit.verify({ tenantId: 'ten_b' })).toMatchObject({ valid: true });
  });
});

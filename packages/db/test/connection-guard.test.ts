import { afterEach, describe, expect, it } from 'vitest';
import { ConnectionGuard, type DriverConnection, type DriverPool } from '../src/connection-guard.js';
import { driverFailure } from '../src/errors.js';

const settings = { stallMs: 100, probeTimeoutMs: 150, recheckMs: 100 };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A fake driver pool whose statements take `statementMs` (Infinity: never answer, a frozen server). */
function fakePool(state: { statementMs: number; refuse?: boolean }) {
  const destroyed: number[] = [];
  let next = 0;
  const pool: DriverPool & { query(...args: unknown[]): Promise<unknown> } = {
    async getConnection(): Promise<DriverConnection> {
      if (state.refuse) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
      const id = ++next;
      return {
        query: () =>
          new Promise((resolve) => {
            if (Number.isFinite(state.statementMs))
              setTimeout(() => resolve([{ ok: id }]), state.statementMs);
          }),
        release: async () => undefined,
        destroy: () => destroyed.push(id),
      };
    },
    async query() {
      throw new Error('the guard runs pool queries on a connection of its own');
    },
    async end() {},
  };
  return { pool, destroyed };
}

describe('ConnectionGuard', () => {
  let guard: ConnectionGuard | null = null;
  afterEach(() => guard?.stop());

  it('lets a slow statement finish while the server answers the check (a lock wait is not an outage)', async () => {
    const state = { statementMs: 450 };
    const { pool, destroyed } = fakePool(state);
    let probes = 0;
    guard = new ConnectionGuard(async () => {
      probes += 1;
    }, settings);
    const result = await guard.wrap(pool).query('SELECT SLEEP(0.45)');
    expect(result).toEqual([{ ok: 1 }]);
    expect(probes).toBeGreaterThan(0);
    expect(destroyed).toEqual([]);
  });

  it('fails a statement the server stopped answering soon after the check fails, destroying its connection', async () => {
    const state = { statementMs: Number.POSITIVE_INFINITY };
    const { pool, destroyed } = fakePool(state);
    guard = new ConnectionGuard(() => new Promise(() => {}), settings);
    const started = Date.now();
    const failure = await guard
      .wrap(pool)
      .query('SELECT 1')
      .catch((e: unknown) => e);
    const took = Date.now() - started;
    expect(driverFailure(failure)).toMatchObject({ kind: 'unavailable', reason: 'unreachable' });
    expect(took).toBeLessThan(settings.stallMs + settings.probeTimeoutMs + 250);
    expect(destroyed).toEqual([1]);
    // While the server is away, new work fails at once, without touching the pool.
    const again = Date.now();
    await expect(guard.wrap(pool).getConnection()).rejects.toMatchObject({ errno: 2003 });
    expect(Date.now() - again).toBeLessThan(20);
    expect(guard.down).toBe(true);
  });

  it('comes back by itself once the check succeeds again', async () => {
    const state = { statementMs: Number.POSITIVE_INFINITY };
    const { pool } = fakePool(state);
    let serverUp = false;
    guard = new ConnectionGuard(() => (serverUp ? Promise.resolve() : new Promise<void>(() => {})), settings);
    const wrapped = guard.wrap(pool);
    await wrapped.query('SELECT 1').catch(() => undefined);
    expect(guard.down).toBe(true);
    serverUp = true;
    state.statementMs = 1;
    for (let i = 0; i < 50 && guard.down; i++) await sleep(20);
    expect(guard.down).toBe(false);
    expect(await wrapped.query('SELECT 1')).toEqual([{ ok: 2 }]);
  });

  it('passes a refused connection on as the driver raised it when the server answers the check', async () => {
    const { pool } = fakePool({ statementMs: 1, refuse: true });
    guard = new ConnectionGuard(async () => undefined, settings);
    await expect(guard.wrap(pool).getConnection()).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});

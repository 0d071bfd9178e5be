import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isDbError, resolveDatabaseTarget } from '../src/index.js';

describe('resolveDatabaseTarget', () => {
  it.each([
    [
      'mysql://billing:s%40cret@db.internal:3307/billing_db',
      {
        provider: 'mysql',
        host: 'db.internal',
        port: 3307,
        user: 'billing',
        password: 's@cret',
        database: 'billing_db',
        pool: {},
      },
    ],
    [
      'mariadb://root@localhost/billing_db?connectionLimit=20&acquireTimeout=5000',
      { provider: 'mysql', port: 3306, pool: { connectionLimit: 20, acquireTimeout: 5000 } },
    ],
    [
      'mysql://u:p@h/db?connection_limit=5&pool_timeout=3&connect_timeout=2',
      { pool: { connectionLimit: 5, acquireTimeout: 3000, connectTimeout: 2000 } },
    ],
    ['file:./tmp/x.db', { provider: 'sqlite', file: resolve('tmp/x.db') }],
    ['file:/var/lib/billkit/billing.db', { provider: 'sqlite', file: '/var/lib/billkit/billing.db' }],
    ['/srv/billing.db', { provider: 'sqlite', file: '/srv/billing.db' }],
  ])('reads %s', (url, expected) => {
    expect(resolveDatabaseTarget(url, { env: {} })).toMatchObject(expected);
  });

  it('falls back to DATABASE_URL_BILLING, then to billing.db under the data directory', () => {
    expect(
      resolveDatabaseTarget(undefined, { env: { DATABASE_URL_BILLING: 'mysql://u@h/db' } }).provider,
    ).toBe('mysql');
    expect(resolveDatabaseTarget(undefined, { env: {} })).toEqual({
      provider: 'sqlite',
      file: resolve('data/billing.db'),
    });
    expect(resolveDatabaseTarget(undefined, { env: {}, dataDir: '/srv/app' })).toEqual({
      provider: 'sqlite',
      file: '/srv/app/billing.db',
    });
  });

  it('lets pool options override the URL', () => {
    const target = resolveDatabaseTarget('mysql://u@h/db?connectionLimit=20', {
      env: {},
      pool: { connectionLimit: 4 },
    });
    expect(target).toMatchObject({ pool: { connectionLimit: 4 } });
  });

  it.each(['postgres://u@h/db', 'mysql://u@h/', 'mysql://u@h/db?connectionLimit=many'])(
    'refuses %s',
    (url) => {
      expect(() => resolveDatabaseTarget(url, { env: {} })).toThrow(
        expect.toSatisfy((e: unknown) => isDbError(e, 'DB_UNSUPPORTED_URL')),
      );
    },
  );
});

import { describe, expect, it } from 'vitest';
import { lockFailure } from '../src/scope.js';

// Shapes of the errors Prisma 7 raises through @prisma/adapter-mariadb (see its convertDriverError).
describe('lockFailure', () => {
  it.each([
    ['a deadlock mapped to P2034', { code: 'P2034', message: 'write conflict or a deadlock' }, 'deadlock'],
    [
      'a deadlock inside the driver adapter error',
      {
        code: 'P2010',
        meta: { driverAdapterError: { cause: { originalCode: '1213', kind: 'TransactionWriteConflict' } } },
      },
      'deadlock',
    ],
    [
      'a lock wait timeout inside the driver adapter error',
      { meta: { driverAdapterError: { cause: { kind: 'mysql', code: 1205, originalCode: '1205' } } } },
      'lock_wait_timeout',
    ],
    [
      'the raw mariadb driver error for 1205',
      { errno: 1205, sqlMessage: 'Lock wait timeout exceeded' },
      'lock_wait_timeout',
    ],
    ['a wrapped cause', new Error('outer', { cause: { errno: 1213 } }), 'deadlock'],
    ['a unique violation', { code: 'P2002' }, null],
    [
      'another server error',
      { meta: { driverAdapterError: { cause: { kind: 'mysql', code: 1146 } } } },
      null,
    ],
    ['a plain error', new Error('Lock wait timeout in the message only'), null],
    ['a raw query failure', { code: 'P2010', meta: { code: '1213', message: 'Deadlock found' } }, 'deadlock'],
    ['a non-object', 'deadlock', null],
  ])('classifies %s', (_what, error, expected) => {
    expect(lockFailure(error)).toBe(expected);
  });
});

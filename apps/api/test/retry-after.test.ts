import { describe, expect, it } from 'vitest';
import { ApiError, retryAfterFor, statusForCode } from '../src/http/problem.js';

describe('answers a client should retry later', () => {
  it.each([
    ['a database that is away', 'DB_UNAVAILABLE', {}, 503, 2],
    ['a row lock held by another session', 'DB_LOCK_TIMEOUT', {}, 409, 1],
    [
      'an idempotency key whose lease ends in 25 s',
      'API_IDEMPOTENCY_IN_PROGRESS',
      { retryAfterSeconds: 24.2 },
      409,
      25,
    ],
    ['the rate limit', 'API_RATE_LIMITED', { retryAfterSeconds: 31 }, 429, 31],
    [
      'a conflict its raiser calls retryable (a payment in flight)',
      'API_CONFLICT',
      { retryable: true },
      409,
      2,
    ],
  ])('carry Retry-After: %s', (_what, code, details, status, seconds) => {
    expect(statusForCode(code)).toBe(status);
    expect(retryAfterFor(code, new ApiError('API_CONFLICT', 'x', details))).toBe(seconds);
  });

  it.each([
    ['a stale expected_version', 'API_CONFLICT'],
    ['a validation failure', 'API_VALIDATION_FAILED'],
    ['an internal error', 'API_INTERNAL'],
  ])('are final otherwise (no Retry-After, stored under an Idempotency-Key): %s', (_what, code) => {
    expect(retryAfterFor(code, new Error('x'))).toBeUndefined();
  });
});

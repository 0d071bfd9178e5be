import { describe, expect, it } from 'vitest';
import { describeErrorBody, encodeQuery, errorCodeForStatus } from '../src/transport.js';

describe('encodeQuery', () => {
  it("uses Tilled's bracket forms for metadata filters and event types", () => {
    expect(
      decodeURIComponent(
        encodeQuery({
          metadata: { billkit_invoice_id: 'in_1', billkit_attempt_id: 'a 1' },
          limit: 10,
          offset: undefined,
        }),
      ),
    ).toBe('?metadata[billkit_invoice_id]=in_1&metadata[billkit_attempt_id]=a+1&limit=10');
    expect(decodeURIComponent(encodeQuery({ types: ['charge.refunded', 'dispute.created'] }))).toBe(
      '?types[]=charge.refunded&types[]=dispute.created',
    );
    expect(encodeQuery({})).toBe('');
  });
});

describe('errorCodeForStatus', () => {
  it.each([
    [400, 'TILLED_INVALID_REQUEST'],
    [401, 'TILLED_UNAUTHENTICATED'],
    [403, 'TILLED_FORBIDDEN'],
    [404, 'TILLED_NOT_FOUND'],
    [409, 'TILLED_INVALID_REQUEST'],
    [422, 'TILLED_INVALID_REQUEST'],
    [429, 'TILLED_RATE_LIMITED'],
    [500, 'TILLED_SERVER_ERROR'],
    [502, 'TILLED_SERVER_ERROR'],
    [503, 'TILLED_SERVER_ERROR'],
  ])('HTTP %i → %s', (status, code) => expect(errorCodeForStatus(status)).toBe(code));
});

describe('describeErrorBody', () => {
  it.each([
    ['{"message":"amount must be positive"}', 'Tilled answered HTTP 400: amount must be positive', undefined],
    [
      '{"statusCode":400,"message":["a is bad","b is bad"],"error":"Bad Request"}',
      'Tilled answered HTTP 400: a is bad; b is bad',
      undefined,
    ],
    [
      '{"error":"Bad Request","code":"invalid_param"}',
      'Tilled answered HTTP 400: Bad Request',
      'invalid_param',
    ],
    ['<html>502 Bad Gateway</html>', 'Tilled answered HTTP 400', undefined],
    ['', 'Tilled answered HTTP 400', undefined],
    ['null', 'Tilled answered HTTP 400', undefined],
    ['{"message":42}', 'Tilled answered HTTP 400', undefined],
  ])('reads %j defensively', (text, message, tilledCode) => {
    const described = describeErrorBody(text, 400);
    expect(described.message).toBe(message);
    expect(described.tilledCode).toBe(tilledCode);
  });
});

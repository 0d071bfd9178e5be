import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  constructWebhookEvent,
  parseSignatureHeader,
  signWebhookPayload,
  verifyWebhookSignature,
} from '../src/index.js';

// Signatures are computed here with node:crypto directly, not with signWebhookPayload, so the
// verifier is checked against the scheme as Tilled documents it rather than against itself.
const hex = (secret: string, t: string, body: string) =>
  createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');

const SECRET = 'whsec_current';
const OLD_SECRET = 'whsec_previous';
const NOW = 1_700_000_000_000; // ms
const body = JSON.stringify({
  id: 'evt_1',
  account_id: 'acct_1',
  type: 'payment_intent.succeeded',
  data: {
    id: 'pi_1',
    status: 'succeeded',
    metadata: { billkit_invoice_id: 'in_1', billkit_attempt_id: 'a1' },
  },
  created_at: '2023-11-14T22:13:20.000Z',
  updated_at: '2023-11-14T22:13:20.000Z',
});
const header = (t: number | string, ...sigs: string[]) => [`t=${t}`, ...sigs.map((s) => `v1=${s}`)].join(',');
const verify = (h: string | undefined, extra: Partial<Parameters<typeof verifyWebhookSignature>[0]> = {}) =>
  verifyWebhookSignature({ rawBody: body, header: h, secrets: [SECRET], now: NOW, ...extra });
const codeOf = (r: ReturnType<typeof verifyWebhookSignature>) => (r.valid ? 'valid' : r.error.code);

describe('verifyWebhookSignature', () => {
  it('accepts a delivery signed with the secret over "t.body" with a millisecond timestamp', () => {
    const result = verify(header(NOW, hex(SECRET, String(NOW), body)));
    expect(result).toEqual({ valid: true, timestampMs: NOW, secretIndex: 0 });
  });

  it('accepts the documented 13-digit example shape: t=1614049713663', () => {
    const t = 1614049713663;
    const result = verify(header(t, hex(SECRET, String(t), body)), { now: t + 1_000 });
    expect(result.valid).toBe(true);
  });

  it('accepts a raw body given as bytes, the same as the string', () => {
    const h = header(NOW, hex(SECRET, String(NOW), body));
    expect(verify(h, { rawBody: Buffer.from(body, 'utf8') }).valid).toBe(true);
    expect(verify(h, { rawBody: new Uint8Array(Buffer.from(body)) }).valid).toBe(true);
  });

  it('rejects a signature made with another secret', () => {
    expect(codeOf(verify(header(NOW, hex('whsec_attacker', String(NOW), body))))).toBe(
      'TILLED_WEBHOOK_NO_MATCHING_SIGNATURE',
    );
  });

  it('rejects a tampered body, even by one character', () => {
    const h = header(NOW, hex(SECRET, String(NOW), body));
    const tampered = body.replace('"succeeded"', '"succeedeD"');
    expect(codeOf(verify(h, { rawBody: tampered }))).toBe('TILLED_WEBHOOK_NO_MATCHING_SIGNATURE');
  });

  it('rejects a body re-serialised with different whitespace (the raw bytes are what is signed)', () => {
    const h = header(NOW, hex(SECRET, String(NOW), body));
    expect(codeOf(verify(h, { rawBody: JSON.stringify(JSON.parse(body), null, 2) }))).toBe(
      'TILLED_WEBHOOK_NO_MATCHING_SIGNATURE',
    );
  });

  it('rejects a changed timestamp: the timestamp is part of the signed content', () => {
    const sig = hex(SECRET, String(NOW), body);
    expect(codeOf(verify(header(NOW + 1, sig)))).toBe('TILLED_WEBHOOK_NO_MATCHING_SIGNATURE');
  });

  it.each([
    ['exactly at the tolerance in the past', -300_000, 'valid'],
    ['exactly at the tolerance in the future', 300_000, 'valid'],
    ['1 ms beyond the tolerance in the past', -300_001, 'TILLED_WEBHOOK_TIMESTAMP_TOO_OLD'],
    ['1 ms beyond the tolerance in the future', 300_001, 'TILLED_WEBHOOK_TIMESTAMP_IN_FUTURE'],
    ['one hour old', -3_600_000, 'TILLED_WEBHOOK_TIMESTAMP_TOO_OLD'],
    ['one hour ahead', 3_600_000, 'TILLED_WEBHOOK_TIMESTAMP_IN_FUTURE'],
  ])('with a timestamp %s: %s', (_label, offsetMs, expected) => {
    const t = NOW + offsetMs;
    expect(codeOf(verify(header(t, hex(SECRET, String(t), body))))).toBe(expected);
  });

  it('honours a custom tolerance', () => {
    const t = NOW - 10_000;
    const h = header(t, hex(SECRET, String(t), body));
    expect(codeOf(verify(h, { toleranceSeconds: 5 }))).toBe('TILLED_WEBHOOK_TIMESTAMP_TOO_OLD');
    expect(codeOf(verify(h, { toleranceSeconds: 10 }))).toBe('valid');
  });

  it('rejects a correctly signed timestamp in SECONDS, as 1970 in milliseconds, and says why', () => {
    const seconds = String(Math.floor(NOW / 1000));
    const result = verify(header(seconds, hex(SECRET, seconds, body)));
    expect(codeOf(result)).toBe('TILLED_WEBHOOK_TIMESTAMP_TOO_OLD');
    expect(result.valid ? '' : result.error.message).toMatch(/milliseconds/);
  });

  it('accepts the old and the new secret during a rotation, and says which matched', () => {
    const t = String(NOW);
    const secrets = [SECRET, OLD_SECRET];
    expect(verify(header(NOW, hex(OLD_SECRET, t, body)), { secrets })).toMatchObject({
      valid: true,
      secretIndex: 1,
    });
    expect(verify(header(NOW, hex(SECRET, t, body)), { secrets })).toMatchObject({
      valid: true,
      secretIndex: 0,
    });
    expect(codeOf(verify(header(NOW, hex(OLD_SECRET, t, body)), { secrets: [SECRET] }))).toBe(
      'TILLED_WEBHOOK_NO_MATCHING_SIGNATURE',
    );
  });

  it('accepts when any of several v1 values matches, wherever it stands', () => {
    const t = String(NOW);
    const good = hex(SECRET, t, body);
    const bad = hex('other', t, body);
    expect(verify(header(NOW, bad, good)).valid).toBe(true);
    expect(verify(header(NOW, good, bad)).valid).toBe(true);
    expect(verify(header(NOW, bad, bad)).valid).toBe(false);
  });

  it('ignores other schemes (v0) and tolerates spaces after commas', () => {
    const t = String(NOW);
    const h = `t=${t}, v0=${hex('x', t, body)}, v1=${hex(SECRET, t, body)}`;
    expect(verify(h).valid).toBe(true);
    expect(codeOf(verify(`t=${t},v0=${hex(SECRET, t, body)}`))).toBe('TILLED_WEBHOOK_MALFORMED_HEADER');
  });

  it('accepts an upper-case hex signature (same bytes)', () => {
    expect(verify(header(NOW, hex(SECRET, String(NOW), body).toUpperCase())).valid).toBe(true);
  });

  it.each([
    [undefined, 'TILLED_WEBHOOK_MISSING_HEADER'],
    ['', 'TILLED_WEBHOOK_MISSING_HEADER'],
    ['   ', 'TILLED_WEBHOOK_MISSING_HEADER'],
    ['garbage', 'TILLED_WEBHOOK_MALFORMED_HEADER'],
    [`v1=${'a'.repeat(64)}`, 'TILLED_WEBHOOK_MALFORMED_HEADER'],
    [`t=${NOW}`, 'TILLED_WEBHOOK_MALFORMED_HEADER'],
    [`t=abc,v1=${'a'.repeat(64)}`, 'TILLED_WEBHOOK_MALFORMED_HEADER'],
    [`t=${NOW},t=${NOW},v1=${'a'.repeat(64)}`, 'TILLED_WEBHOOK_MALFORMED_HEADER'],
    [`t=${NOW},v1=not-hex`, 'TILLED_WEBHOOK_MALFORMED_HEADER'],
    [`t=${NOW},v1=${'a'.repeat(63)}`, 'TILLED_WEBHOOK_MALFORMED_HEADER'],
    [`t=-5,v1=${'a'.repeat(64)}`, 'TILLED_WEBHOOK_MALFORMED_HEADER'],
  ])('classifies header %j as %s', (h, expected) => {
    expect(codeOf(verify(h))).toBe(expected);
  });

  it('reads a header given as a one-element array (Node header shape)', () => {
    expect(verify(undefined, { header: [header(NOW, hex(SECRET, String(NOW), body))] }).valid).toBe(true);
  });

  it('refuses to verify with no secret at all (a configuration error, not a bad request)', () => {
    expect(() => verify(header(NOW, 'a'.repeat(64)), { secrets: [] })).toThrowError(
      expect.objectContaining({ code: 'TILLED_CONFIG_INVALID' }),
    );
    expect(() => verify(header(NOW, 'a'.repeat(64)), { secrets: [''] })).toThrowError(
      expect.objectContaining({ code: 'TILLED_CONFIG_INVALID' }),
    );
  });

  it('never lets a different secret or body pass (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1 }),
        fc.string({ minLength: 1 }),
        fc.string(),
        fc.string(),
        (secret, other, payload, otherPayload) => {
          const t = String(NOW);
          const h = header(NOW, hex(secret, t, payload));
          const accepts = (s: string, p: string) =>
            verifyWebhookSignature({ rawBody: p, header: h, secrets: [s], now: NOW }).valid;
          expect(accepts(secret, payload)).toBe(true);
          if (other !== secret) expect(accepts(other, payload)).toBe(false);
          if (otherPayload !== payload) expect(accepts(secret, otherPayload)).toBe(false);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('signWebhookPayload', () => {
  it('produces the header Tilled sends: t in ms and lower-case hex HMAC of "t.body"', () => {
    expect(signWebhookPayload(body, SECRET, NOW)).toBe(`t=${NOW},v1=${hex(SECRET, String(NOW), body)}`);
    expect(signWebhookPayload(body, SECRET, NOW)).toMatch(/^t=\d{13},v1=[0-9a-f]{64}$/);
  });

  it('round-trips through verifyWebhookSignature', () => {
    const h = signWebhookPayload(body, SECRET, NOW);
    expect(verify(h).valid).toBe(true);
  });

  it('refuses a fractional or negative timestamp', () => {
    expect(() => signWebhookPayload(body, SECRET, 1.5)).toThrowError(
      expect.objectContaining({ code: 'TILLED_CONFIG_INVALID' }),
    );
    expect(() => signWebhookPayload(body, SECRET, -1)).toThrowError(
      expect.objectContaining({ code: 'TILLED_CONFIG_INVALID' }),
    );
  });
});

describe('parseSignatureHeader', () => {
  it('keeps the timestamp string exactly as sent and every v1', () => {
    const parsed = parseSignatureHeader(`t=0001614049713663,v1=${'ab'.repeat(32)},v1=${'cd'.repeat(32)}`);
    expect(parsed.timestamp).toBe('0001614049713663');
    expect(parsed.timestampMs).toBe(1614049713663);
    expect(parsed.signatures.map((s) => s.toString('hex'))).toEqual(['ab'.repeat(32), 'cd'.repeat(32)]);
  });
});

describe('constructWebhookEvent', () => {
  it('returns the typed envelope of a valid delivery', () => {
    const event = constructWebhookEvent({
      rawBody: body,
      header: signWebhookPayload(body, SECRET, NOW),
      secrets: [SECRET],
      now: NOW,
    });
    expect(event).toMatchObject({ id: 'evt_1', account_id: 'acct_1', type: 'payment_intent.succeeded' });
    expect(event.data.id).toBe('pi_1');
  });

  it('throws the verification error for a bad signature', () => {
    expect(() =>
      constructWebhookEvent({
        rawBody: body,
        header: signWebhookPayload(body, 'nope', NOW),
        secrets: [SECRET],
        now: NOW,
      }),
    ).toThrowError(expect.objectContaining({ code: 'TILLED_WEBHOOK_NO_MATCHING_SIGNATURE' }));
  });

  it.each([
    ['not JSON', 'not json'],
    ['JSON without an envelope', '{"hello":"world"}'],
    [
      'an envelope with data not an object',
      '{"id":"evt_1","account_id":"a","type":"t","data":3,"created_at":"x","updated_at":"x"}',
    ],
  ])('throws TILLED_WEBHOOK_INVALID_PAYLOAD for a correctly signed body that is %s', (_label, raw) => {
    expect(() =>
      constructWebhookEvent({
        rawBody: raw,
        header: signWebhookPayload(raw, SECRET, NOW),
        secrets: [SECRET],
        now: NOW,
      }),
    ).toThrowError(expect.objectContaining({ code: 'TILLED_WEBHOOK_INVALID_PAYLOAD' }));
  });
});

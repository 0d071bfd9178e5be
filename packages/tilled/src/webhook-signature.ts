import { createHmac, timingSafeEqual } from 'node:crypto';
import { TilledError } from './errors.js';
import { parseTilledEvent, type TilledEvent } from './event.js';

/** The header Tilled signs deliveries with. */
export const TILLED_SIGNATURE_HEADER = 'tilled-signature';
/** billkit's tolerance; Tilled states none. Checked in both directions. */
export const DEFAULT_WEBHOOK_TOLERANCE_SECONDS = 300;

/** A `tilled-signature` header split into its parts. */
export interface ParsedSignatureHeader {
  /** The timestamp exactly as sent (it is part of the signed content). */
  readonly timestamp: string;
  /** Milliseconds since the epoch. */
  readonly timestampMs: number;
  /** Every `v1` signature, decoded from hex. */
  readonly signatures: readonly Buffer[];
}

export interface VerifyWebhookSignatureInput {
  /** The request body exactly as received: bytes or the undecoded string. Never re-serialised JSON. */
  readonly rawBody: string | Uint8Array;
  /** The `tilled-signature` header value (Node may give `string[]` or `undefined`). */
  readonly header: string | readonly string[] | null | undefined;
  /** Every secret currently accepted (old and new during a rotation). */
  readonly secrets: readonly string[];
  /** Allowed clock difference, both ways. Default 300. */
  readonly toleranceSeconds?: number;
  /** The current time (ms or Date); default `Date.now()`. */
  readonly now?: number | Date;
}

export type WebhookVerification =
  | {
      readonly valid: true;
      readonly timestampMs: number;
      /** Which of `secrets` matched: tells when the old secret can be retired. */
      readonly secretIndex: number;
    }
  | { readonly valid: false; readonly error: TilledError };

const SIGNATURE_HEX = /^[0-9a-f]{64}$/i;

/**
 * Split a `tilled-signature` header (`t=<ms>,v1=<hex>[,v1=<hex>…]`). Other schemes and malformed `v1`
 * values are ignored; a header without exactly one numeric `t` or without a usable `v1` is malformed.
 *
 * @example parseSignatureHeader('t=1614049713663,v1=5257a8…') // { timestamp: '1614049713663', … }
 */
export function parseSignatureHeader(header: string): ParsedSignatureHeader {
  const timestamps: string[] = [];
  const signatures: Buffer[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't') timestamps.push(value);
    else if (key === 'v1' && SIGNATURE_HEX.test(value)) signatures.push(Buffer.from(value, 'hex'));
  }
  const [timestamp] = timestamps;
  if (timestamps.length !== 1 || timestamp === undefined || !/^\d{1,16}$/.test(timestamp)) {
    throw new TilledError('TILLED_WEBHOOK_MALFORMED_HEADER', 'tilled-signature needs exactly one numeric t=');
  }
  if (signatures.length === 0) {
    throw new TilledError('TILLED_WEBHOOK_MALFORMED_HEADER', 'tilled-signature has no v1 signature');
  }
  return { timestamp, timestampMs: Number(timestamp), signatures };
}

function hmac(secret: string, timestamp: string, rawBody: string | Uint8Array): Buffer {
  return createHmac('sha256', secret).update(`${timestamp}.`, 'utf8').update(rawBody).digest();
}

/**
 * Check a webhook delivery the way Tilled signs it: HMAC-SHA256 keyed with the endpoint secret over the
 * timestamp string, a `.`, and the raw body; lower-case hex; compared in constant time with every `v1`
 * for every secret. The timestamp is in MILLISECONDS and must be within `toleranceSeconds` of `now`
 * either way. Returns a result instead of throwing, so a route can answer 400 with `error.code`.
 *
 * @example
 * const check = verifyWebhookSignature({ rawBody, header: req.headers['tilled-signature'], secrets });
 * if (!check.valid) return reply.code(400).send({ code: check.error.code });
 */
export function verifyWebhookSignature(input: VerifyWebhookSignatureInput): WebhookVerification {
  const toleranceSeconds = input.toleranceSeconds ?? DEFAULT_WEBHOOK_TOLERANCE_SECONDS;
  const secrets = input.secrets.filter((s) => s !== '');
  if (secrets.length === 0) {
    throw new TilledError('TILLED_CONFIG_INVALID', 'verifyWebhookSignature needs at least one secret');
  }
  if (!(toleranceSeconds >= 0)) {
    throw new TilledError('TILLED_CONFIG_INVALID', 'toleranceSeconds must be a non-negative number');
  }
  const header = Array.isArray(input.header) ? input.header.join(',') : input.header;
  if (typeof header !== 'string' || header.trim() === '') {
    return invalid('TILLED_WEBHOOK_MISSING_HEADER', 'No tilled-signature header');
  }
  let parsed: ParsedSignatureHeader;
  try {
    parsed = parseSignatureHeader(header);
  } catch (error) {
    if (error instanceof TilledError) return { valid: false, error };
    throw error;
  }

  let secretIndex = -1;
  secrets.forEach((secret, index) => {
    const expected = hmac(secret, parsed.timestamp, input.rawBody);
    // Compare against every v1 without stopping early: the time taken does not depend on which matched.
    for (const signature of parsed.signatures) {
      if (signature.length === expected.length && timingSafeEqual(signature, expected) && secretIndex < 0) {
        secretIndex = index;
      }
    }
  });
  if (secretIndex < 0) {
    return invalid('TILLED_WEBHOOK_NO_MATCHING_SIGNATURE', 'No v1 signature matches any webhook secret');
  }

  const nowMs = input.now === undefined ? Date.now() : Number(input.now);
  const skewMs = nowMs - parsed.timestampMs;
  if (skewMs > toleranceSeconds * 1000) {
    const hint = parsed.timestamp.length <= 10 ? ' (it looks like seconds; Tilled sends milliseconds)' : '';
    return invalid(
      'TILLED_WEBHOOK_TIMESTAMP_TOO_OLD',
      `Signature timestamp is ${Math.round(skewMs / 1000)} s old, over the ${toleranceSeconds} s tolerance${hint}`,
      { timestampMs: parsed.timestampMs, nowMs },
    );
  }
  if (-skewMs > toleranceSeconds * 1000) {
    return invalid(
      'TILLED_WEBHOOK_TIMESTAMP_IN_FUTURE',
      `Signature timestamp is ${Math.round(-skewMs / 1000)} s in the future, over the ${toleranceSeconds} s tolerance`,
      { timestampMs: parsed.timestampMs, nowMs },
    );
  }
  return { valid: true, timestampMs: parsed.timestampMs, secretIndex };
}

function invalid(
  code: TilledError['code'],
  message: string,
  details?: Record<string, unknown>,
): WebhookVerification {
  return { valid: false, error: new TilledError(code, message, details === undefined ? {} : { details }) };
}

/**
 * Verify a delivery and parse its body into a typed event in one step (Stripe's `constructEvent`).
 * Throws the verification's `TilledError`, or `TILLED_WEBHOOK_INVALID_PAYLOAD` for a bad body.
 *
 * @example const event = constructWebhookEvent({ rawBody, header, secrets: config.webhookSecrets });
 */
export function constructWebhookEvent(input: VerifyWebhookSignatureInput): TilledEvent {
  const check = verifyWebhookSignature(input);
  if (!check.valid) throw check.error;
  return parseTilledEvent(input.rawBody);
}

/**
 * The `tilled-signature` header value Tilled would send for `rawBody` (for tests and the fake Tilled).
 *
 * @example signWebhookPayload('{"id":"evt_1"}', 'whsec', 1614049713663) // 't=1614049713663,v1=…'
 */
export function signWebhookPayload(
  rawBody: string | Uint8Array,
  secret: string,
  timestampMs: number,
): string {
  if (!Number.isSafeInteger(timestampMs) || timestampMs < 0) {
    throw new TilledError(
      'TILLED_CONFIG_INVALID',
      'timestampMs must be a non-negative integer (milliseconds)',
    );
  }
  const timestamp = String(timestampMs);
  return `t=${timestamp},v1=${hmac(secret, timestamp, rawBody).toString('hex')}`;
}

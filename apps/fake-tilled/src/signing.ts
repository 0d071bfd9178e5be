import { createHmac } from 'node:crypto';

/**
 * The `tilled-signature` header the real Tilled sends: `t=<ms>,v1=<hex HMAC-SHA256 of "t.body">`.
 * Written here independently of @billkit/tilled on purpose, so the adapter's verifier is tested
 * against a second implementation of the scheme rather than against itself.
 */
export function tilledSignature(body: string, secret: string, timestampMs: number): string {
  const t = String(timestampMs);
  const v1 = createHmac('sha256', secret).update(`${t}.${body}`, 'utf8').digest('hex');
  return `t=${t},v1=${v1}`;
}

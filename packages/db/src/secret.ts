import { inspect } from 'node:util';

const REDACTED = '[redacted]';

/**
 * A decrypted secret (a gateway secret key, a webhook signing secret) that stays out of logs: JSON, string
 * conversion and `util.inspect` / `console.log` all show `[redacted]`; only `reveal()` returns the value.
 * Hand the revealed value straight to the code that needs it (an HTTP header, an HMAC) and keep the
 * `Secret` everywhere else.
 *
 * @example
 * const secret = new Secret('sk_live_…');
 * JSON.stringify({ secret });      // '{"secret":"[redacted]"}'
 * `${secret}`;                     // '[redacted]'
 * headers['tilled-api-key'] = secret.reveal();
 */
export class Secret {
  // An ES private field: not an own property, so spreading, Object.keys, structuredClone and inspect never see it.
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The plaintext. Call it where the value is used, not earlier. */
  reveal(): string {
    return this.#value;
  }

  toJSON(): string {
    return REDACTED;
  }

  toString(): string {
    return REDACTED;
  }

  [Symbol.toPrimitive](): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return `Secret(${REDACTED})`;
  }
}

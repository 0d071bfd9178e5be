import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';
let lastTime = 0;
let counter = 0;

/**
 * A new object id: `<prefix>_` + 9 base-36 chars of milliseconds + 4 of a per-millisecond counter +
 * 8 random. Ids sort by creation time as plain strings, which is what cursor pagination orders by.
 *
 * @example newId('cus') // 'cus_mfx3k2a0b0000x7k2p9qa'
 */
export function newId(prefix: string): string {
  const now = Date.now();
  if (now === lastTime) counter += 1;
  else {
    lastTime = now;
    counter = 0;
  }
  const random = [...randomBytes(8)].map((b) => ALPHABET[b % 36]).join('');
  return `${prefix}_${now.toString(36).padStart(9, '0')}${counter.toString(36).padStart(4, '0')}${random}`;
}

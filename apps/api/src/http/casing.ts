import { ApiError } from './problem.js';

/**
 * snake_case ⇄ camelCase for engine documents (rate tables, discount definitions, engine results) that
 * travel whole through the API. Keys of the fields listed in `opaque` are data (category ids, metadata
 * keys), so their own keys are kept; their values are still converted.
 *
 * This runs on every response, so it is written for speed: renamed keys are memoised (the API's key
 * vocabulary is small and fixed), and objects are walked with plain loops instead of
 * `Object.entries` / `Object.fromEntries`.
 */
const OPAQUE = new Set(['categories', 'metadata']);

/** The deepest nesting of arrays and objects a request body may have (billkit's own documents use < 10). */
export const MAX_JSON_DEPTH = 32;
/** The walk below refuses documents deeper than this: a backstop, bodies are checked by the parser. */
const MAX_WALK_DEPTH = 2 * MAX_JSON_DEPTH;

/**
 * True when the JSON text nests arrays/objects deeper than `limit`, counted on the raw text (brackets
 * outside strings) without parsing or recursion: the parser runs it before JSON.parse, zod or the walk
 * below recurse into a body (8,000 nested `[` overflowed the stack here).
 */
export function jsonDepthExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

/** Memo bound: opaque keys are user data (metadata keys), so the memo must not grow without limit. */
const MEMO_LIMIT = 10_000;

type Rename = (key: string) => string;

function memoised(rename: Rename): Rename {
  const memo = new Map<string, string>();
  return (key) => {
    let renamed = memo.get(key);
    if (renamed === undefined) {
      renamed = rename(key);
      if (memo.size >= MEMO_LIMIT) memo.clear();
      memo.set(key, renamed);
    }
    return renamed;
  };
}

const toCamel = memoised((key) => key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()));
const toSnake = memoised((key) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`));

function convert(value: unknown, rename: Rename, keepKeys: boolean, depth = 0): unknown {
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  if (depth > MAX_WALK_DEPTH)
    throw new ApiError('API_JSON_TOO_DEEP', `JSON nested deeper than ${MAX_WALK_DEPTH} levels is refused`);
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) out[i] = convert(value[i], rename, false, depth + 1);
    return out;
  }
  const out: Record<string, unknown> = {};
  const source = value as Record<string, unknown>;
  for (const key in source) {
    if (!Object.hasOwn(source, key)) continue;
    const renamed = keepKeys ? key : rename(key);
    const child = source[key];
    const converted =
      child !== null && typeof child === 'object'
        ? convert(child, rename, OPAQUE.has(key) || OPAQUE.has(renamed), depth + 1)
        : child;
    // An own `__proto__` key (user data) must stay data, as Object.fromEntries would keep it.
    if (renamed === '__proto__')
      Object.defineProperty(out, renamed, {
        value: converted,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    else out[renamed] = converted;
  }
  return out;
}

export const camelize = <T = unknown>(value: unknown): T => convert(value, toCamel, false) as T;
export const snakeize = <T = unknown>(value: unknown): T => convert(value, toSnake, false) as T;
/** `taxableAmount.amount` → `taxable_amount.amount`, for error paths reported back to clients. */
export const snakePath = (path: readonly PropertyKey[]): string =>
  path.map((p) => (typeof p === 'string' ? toSnake(p) : String(p))).join('.');

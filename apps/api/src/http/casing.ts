/**
 * snake_case ⇄ camelCase for engine documents (rate tables, discount definitions, engine results) that
 * travel whole through the API. Keys of the fields listed in `opaque` are data (category ids, metadata
 * keys), so their own keys are kept; their values are still converted.
 */
const OPAQUE = new Set(['categories', 'metadata']);

const toCamel = (key: string) => key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const toSnake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

function convert(value: unknown, rename: (key: string) => string, keepKeys = false): unknown {
  if (Array.isArray(value)) return value.map((v) => convert(v, rename));
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([key, v]) => {
      const renamed = keepKeys ? key : rename(key);
      return [renamed, convert(v, rename, OPAQUE.has(key) || OPAQUE.has(renamed))];
    }),
  );
}

export const camelize = <T = unknown>(value: unknown): T => convert(value, toCamel) as T;
export const snakeize = <T = unknown>(value: unknown): T => convert(value, toSnake) as T;
/** `taxableAmount.amount` → `taxable_amount.amount`, for error paths reported back to clients. */
export const snakePath = (path: readonly PropertyKey[]): string =>
  path.map((p) => (typeof p === 'string' ? toSnake(p) : String(p))).join('.');

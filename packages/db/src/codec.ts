import { DbError } from './errors.js';

// Conversions between the plain data billing-core uses (ISO instants, safe-integer minor units, parsed
// JSON) and the column types of billing_db (DATETIME(3), BIGINT, JSON text).

/** BIGINT column → safe-integer minor units; refuses values a `number` cannot hold exactly. */
export function toMinorUnits(value: bigint | number, column = 'amount'): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || BigInt(n) !== BigInt(value)) {
    throw new DbError('DB_INVALID_DATA', `${column} ${String(value)} is not a safe integer`, { column });
  }
  return n;
}

/** Safe-integer minor units → BIGINT column value. */
export function toBigInt(value: number, column = 'amount'): bigint {
  if (!Number.isSafeInteger(value)) {
    throw new DbError('DB_INVALID_DATA', `${column} must be a safe integer of minor units, got ${value}`, {
      column,
    });
  }
  return BigInt(value);
}

export function toDate(iso: string, column = 'instant'): Date {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime()))
    throw new DbError('DB_INVALID_DATA', `${column} is not an instant: ${iso}`);
  return date;
}

export function toDateOrNull(iso: string | null | undefined, column?: string): Date | null {
  return iso === null || iso === undefined ? null : toDate(iso, column);
}

export function toIso(date: Date): string {
  return date.toISOString();
}

export function toIsoOrNull(date: Date | null): string | null {
  return date === null ? null : date.toISOString();
}

export function toJson(value: unknown): string {
  return JSON.stringify(value);
}

export function fromJson<T>(text: string, column: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (cause) {
    throw new DbError('DB_INVALID_DATA', `${column} does not hold valid JSON`, { column }, { cause });
  }
}

/** Drops `null`/`undefined` values so that optional properties stay absent (exactOptionalPropertyTypes). */
export function withoutNulls<T extends Record<string, unknown>>(
  record: T,
): { [K in keyof T]: Exclude<T[K], null> } {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record))
    if (value !== null && value !== undefined) out[key] = value;
  return out as { [K in keyof T]: Exclude<T[K], null> };
}

/** Stripe-style metadata: string keys to string values. */
export type Metadata = Record<string, string>;

/** Metadata → its JSON column; refuses values that are not strings. */
export function toMetadataJson(metadata: Metadata, column = 'metadata'): string {
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value !== 'string')
      throw new DbError('DB_INVALID_DATA', `${column}.${key} must be a string`, { column, key });
  }
  return JSON.stringify(metadata);
}

/** A metadata JSON column → the object (`{}` for an empty column). */
export function fromMetadataJson(text: string, column: string): Metadata {
  const value = fromJson<unknown>(text === '' ? '{}' : text, column);
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new DbError('DB_INVALID_DATA', `${column} does not hold a JSON object`, { column });
  return value as Metadata;
}

/** `{ metadata }` when the metadata has keys, else nothing: records without metadata stay as they were. */
export function metadataIfAny(text: string, column: string): { metadata?: Metadata } {
  const metadata = fromMetadataJson(text, column);
  return Object.keys(metadata).length > 0 ? { metadata } : {};
}

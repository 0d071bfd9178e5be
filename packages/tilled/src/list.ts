import { z } from 'zod';

/** Tilled's offset-paginated list envelope: `{ items, has_more, limit, offset, total }`. */
export function listSchema<T extends z.ZodType>(item: T) {
  return z.looseObject({
    items: z.array(item),
    has_more: z.boolean(),
    limit: z.number().int().optional(),
    offset: z.number().int().optional(),
    total: z.number().int().optional(),
  });
}

export interface TilledList<T> {
  readonly items: T[];
  readonly has_more: boolean;
  readonly limit?: number | undefined;
  readonly offset?: number | undefined;
  readonly total?: number | undefined;
}

/** Offset pagination parameters shared by every list call. */
export interface ListParams {
  readonly offset?: number;
  readonly limit?: number;
}

/** Tilled's metadata: string keys to string values. */
export const metadataSchema = z.record(z.string(), z.string());
export type TilledMetadata = z.infer<typeof metadataSchema>;

// Cursor pagination shared by every repository's `list`: ids sort by creation time.

/** A page of rows: at most `limit`, after the cursor `startingAfter` (an id). */
export interface ListOptions {
  /** At most this many rows (default 100, max 1000). */
  limit?: number;
  /** Cursor: return rows whose id sorts after this one. */
  startingAfter?: string;
}

/** Prisma's `take`/`orderBy`/`where` for a page. */
export function listArgs(options: ListOptions = {}) {
  const take = Math.min(Math.max(options.limit ?? 100, 1), 1000);
  return {
    take,
    orderBy: { id: 'asc' as const },
    ...(options.startingAfter !== undefined ? { where: { id: { gt: options.startingAfter } } } : {}),
  };
}

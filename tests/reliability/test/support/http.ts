// biome-ignore-all lint/suspicious/noExplicitAny: responses are read as loose JSON
export interface CallResult<T = any> {
  readonly status: number;
  readonly body: T;
  readonly text: string;
  readonly headers: Headers;
}

export interface CallOptions {
  readonly headers?: Record<string, string>;
  readonly idempotencyKey?: string;
  readonly timeoutMs?: number;
}

/** JSON in, JSON out, with a bearer key. A body that is a string is sent as is. */
export function client(baseUrl: string, key?: string) {
  return async function call<T = any>(
    method: string,
    path: string,
    body?: unknown,
    options: CallOptions = {},
  ): Promise<CallResult<T>> {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(options.idempotencyKey ? { 'idempotency-key': options.idempotencyKey } : {}),
        ...(options.headers ?? {}),
      },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(options.timeoutMs ?? 60_000),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text.length > 0 ? JSON.parse(text) : null;
    } catch {
      // not JSON
    }
    return { status: response.status, body: parsed as T, text, headers: response.headers };
  };
}

export type Call = ReturnType<typeof client>;

/** Every page of a list endpoint. */
export async function listAll<T = any>(call: Call, path: string): Promise<T[]> {
  const out: T[] = [];
  let after: string | null = null;
  for (let guard = 0; guard < 1000; guard++) {
    const sep = path.includes('?') ? '&' : '?';
    const res: CallResult = await call(
      'GET',
      `${path}${sep}limit=100${after ? `&starting_after=${encodeURIComponent(after)}` : ''}`,
    );
    if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}: ${res.text.slice(0, 500)}`);
    out.push(...(res.body.data as T[]));
    if (!res.body.has_more) return out;
    after = res.body.next_cursor ?? (res.body.data.at(-1) as { id: string }).id;
  }
  throw new Error(`GET ${path}: too many pages`);
}

export function isProblem(result: CallResult): boolean {
  return (
    (result.headers.get('content-type') ?? '').startsWith('application/problem+json') &&
    typeof result.body === 'object' &&
    result.body !== null &&
    typeof result.body.code === 'string' &&
    result.body.status === result.status
  );
}

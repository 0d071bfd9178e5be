import type { z } from 'zod';
import { type RetryPolicy, resolveBaseUrl, type TilledConfig } from './config.js';
import { TilledError, type TilledErrorCode } from './errors.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export type QueryValue =
  | string
  | number
  | boolean
  | readonly string[]
  | Readonly<Record<string, string>>
  | undefined;

export interface TilledRequest<T extends z.ZodType> {
  readonly method: HttpMethod;
  readonly path: string;
  readonly query?: Readonly<Record<string, QueryValue>>;
  readonly body?: unknown;
  /** Which `tilled-account` to send: the merchant's (default) or the partner's. */
  readonly account?: 'merchant' | 'partner';
  readonly schema: T;
  readonly signal?: AbortSignal;
}

const DEFAULT_TIMEOUT_MS = 15_000;
const DEFAULT_RETRY: Required<RetryPolicy> = { maxRetries: 2, baseDelayMs: 250, maxDelayMs: 5_000 };

/**
 * `metadata[key]=value` and `types[]=a&types[]=b`: the bracket forms Tilled documents for its filters.
 */
export function encodeQuery(query: Readonly<Record<string, QueryValue>>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) {
      for (const item of value) params.append(`${key}[]`, item);
    } else if (typeof value === 'object') {
      for (const [k, v] of Object.entries(value as Record<string, string>)) params.append(`${key}[${k}]`, v);
    } else {
      params.append(key, String(value));
    }
  }
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

/** The error code for an HTTP status Tilled answered with. */
export function errorCodeForStatus(status: number): TilledErrorCode {
  if (status === 401) return 'TILLED_UNAUTHENTICATED';
  if (status === 403) return 'TILLED_FORBIDDEN';
  if (status === 404) return 'TILLED_NOT_FOUND';
  if (status === 429) return 'TILLED_RATE_LIMITED';
  if (status >= 500) return 'TILLED_SERVER_ERROR';
  return 'TILLED_INVALID_REQUEST';
}

/**
 * Tilled's error body is undocumented: read `message` (a string or a list of strings), else `error`,
 * and a `code` when present; anything else (HTML from a proxy, empty) falls back to the status text.
 */
export function describeErrorBody(text: string, status: number): { message: string; tilledCode?: string } {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const fallback = `Tilled answered HTTP ${status}`;
  if (body === null || typeof body !== 'object') return { message: fallback };
  const record = body as Record<string, unknown>;
  const raw = record.message ?? record.error;
  const message = Array.isArray(raw)
    ? raw.filter((m) => typeof m === 'string').join('; ')
    : typeof raw === 'string'
      ? raw
      : '';
  const code = typeof record.code === 'string' ? record.code : undefined;
  const text2 = message === '' ? fallback : `${fallback}: ${message.slice(0, 500)}`;
  return code === undefined ? { message: text2 } : { message: text2, tilledCode: code };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function retryAfterMs(header: string | null): number | undefined {
  if (header === null) return undefined;
  const seconds = Number(header);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

/** Sends requests to Tilled with the auth headers, a timeout per try and retries for safe requests. */
export class TilledTransport {
  readonly baseUrl: string;
  readonly #config: TilledConfig;
  readonly #retry: Required<RetryPolicy>;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;

  constructor(config: TilledConfig) {
    if (typeof config.secretKey !== 'string' || config.secretKey === '') {
      throw new TilledError('TILLED_CONFIG_INVALID', 'secretKey is required');
    }
    if (typeof config.accountId !== 'string' || config.accountId === '') {
      throw new TilledError('TILLED_CONFIG_INVALID', 'accountId is required');
    }
    this.baseUrl = resolveBaseUrl(config);
    this.#config = config;
    this.#retry = { ...DEFAULT_RETRY, ...config.retry };
    this.#timeoutMs = config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#fetch = config.fetch ?? globalThis.fetch;
  }

  get accountId(): string {
    return this.#config.accountId;
  }

  /** Send one request; GETs are retried on timeouts, network errors, 429 and 5xx. */
  async request<T extends z.ZodType>(req: TilledRequest<T>): Promise<z.infer<T>> {
    const retries = req.method === 'GET' ? this.#retry.maxRetries : 0;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#once(req);
      } catch (error) {
        if (
          !(error instanceof TilledError) ||
          !error.transient ||
          attempt >= retries ||
          req.signal?.aborted
        ) {
          throw error;
        }
        const backoff = this.#retry.baseDelayMs * 2 ** attempt;
        const hinted = typeof error.details.retryAfterMs === 'number' ? error.details.retryAfterMs : backoff;
        await sleep(Math.min(Math.max(hinted, 0), this.#retry.maxDelayMs));
      }
    }
  }

  async #once<T extends z.ZodType>(req: TilledRequest<T>): Promise<z.infer<T>> {
    const url = `${this.baseUrl}${req.path}${req.query === undefined ? '' : encodeQuery(req.query)}`;
    const account =
      req.account === 'partner'
        ? (this.#config.partnerAccountId ?? this.#config.accountId)
        : this.#config.accountId;
    const headers: Record<string, string> = {
      accept: 'application/json',
      'tilled-api-key': this.#config.secretKey,
      'tilled-account': account,
    };
    if (req.body !== undefined) headers['content-type'] = 'application/json';
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    const signal = req.signal === undefined ? timeout : AbortSignal.any([timeout, req.signal]);
    const where = { method: req.method, path: req.path };

    let response: Response;
    let text: string;
    try {
      response = await this.#fetch(url, {
        method: req.method,
        headers,
        signal,
        ...(req.body === undefined ? {} : { body: JSON.stringify(req.body) }),
      });
      text = await response.text();
    } catch (cause) {
      if (timeout.aborted) {
        throw new TilledError(
          'TILLED_TIMEOUT',
          `${req.method} ${req.path} got no answer within ${this.#timeoutMs} ms`,
          {
            cause,
            details: { ...where, timeoutMs: this.#timeoutMs },
          },
        );
      }
      if (req.signal?.aborted) throw cause;
      throw new TilledError('TILLED_NETWORK', `${req.method} ${req.path} failed: ${errorText(cause)}`, {
        cause,
        details: where,
      });
    }

    const requestId = response.headers.get('request-id') ?? undefined;
    const meta = requestId === undefined ? {} : { requestId };
    if (!response.ok) {
      const { message, tilledCode } = describeErrorBody(text, response.status);
      const retryAfter = retryAfterMs(response.headers.get('retry-after'));
      throw new TilledError(errorCodeForStatus(response.status), `${req.method} ${req.path}: ${message}`, {
        ...meta,
        status: response.status,
        ...(tilledCode === undefined ? {} : { tilledCode }),
        details: retryAfter === undefined ? where : { ...where, retryAfterMs: retryAfter },
      });
    }

    let json: unknown;
    try {
      json = text === '' ? {} : JSON.parse(text);
    } catch (cause) {
      throw new TilledError('TILLED_INVALID_RESPONSE', `${req.method} ${req.path}: answer is not JSON`, {
        ...meta,
        status: response.status,
        cause,
        details: where,
      });
    }
    const parsed = req.schema.safeParse(json);
    if (!parsed.success) {
      throw new TilledError('TILLED_INVALID_RESPONSE', `${req.method} ${req.path}: unexpected answer shape`, {
        ...meta,
        status: response.status,
        details: {
          ...where,
          issues: parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`),
        },
      });
    }
    return parsed.data;
  }
}

function errorText(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
  }
  return String(error);
}

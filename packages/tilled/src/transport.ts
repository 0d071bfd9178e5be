import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
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
  /** The configured `fetch`; undefined: node:http(s) (see {@link sendOverNode}). */
  readonly #fetch: typeof fetch | undefined;

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
    this.#fetch = config.fetch;
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
    const body = req.body === undefined ? undefined : JSON.stringify(req.body);
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    const signal = req.signal === undefined ? timeout : AbortSignal.any([timeout, req.signal]);
    const where = { method: req.method, path: req.path };

    let response: Answer;
    try {
      const outgoing: Outgoing = { url, method: req.method, headers, body, signal };
      response =
        this.#fetch === undefined ? await sendOverNode(outgoing) : await sendOverFetch(this.#fetch, outgoing);
      // A redirect (a proxy in front of Tilled): followed as `fetch` follows it.
      if (response.redirected) response = await sendOverFetch(fetch, outgoing);
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
    const { text } = response;

    const requestId = response.header('request-id') ?? undefined;
    const meta = requestId === undefined ? {} : { requestId };
    if (!response.ok) {
      const { message, tilledCode } = describeErrorBody(text, response.status);
      const retryAfter = retryAfterMs(response.header('retry-after'));
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

/** An HTTP answer with its body read: what `#once` needs of a `fetch` Response. */
interface Answer {
  readonly status: number;
  readonly ok: boolean;
  /** A 3xx with a Location: node:http does not follow it, `fetch` does. */
  readonly redirected: boolean;
  header(name: string): string | null;
  readonly text: string;
}

/** One request as both senders take it: `body` is the JSON text, if any. */
interface Outgoing {
  readonly url: string;
  readonly method: HttpMethod;
  readonly headers: Record<string, string>;
  readonly body: string | undefined;
  readonly signal: AbortSignal;
}

async function sendOverFetch(
  fetcher: typeof fetch,
  { url, method, headers, body, signal }: Outgoing,
): Promise<Answer> {
  const response = await fetcher(url, { method, headers, signal, ...(body === undefined ? {} : { body }) });
  const text = await response.text();
  return {
    status: response.status,
    ok: response.ok,
    redirected: false,
    header: (name) => response.headers.get(name),
    text,
  };
}

// Kept-alive connections to Tilled, shared by every client as `fetch` shares its global dispatcher's
// (idle sockets do not keep the process alive; an idle socket is closed after 4 s, or sooner when the
// server's Keep-Alive hint says so).
let httpAgent: HttpAgent | undefined;
let httpsAgent: HttpsAgent | undefined;
const keptAliveHttp = (): HttpAgent => {
  httpAgent ??= new HttpAgent({ keepAlive: true, timeout: 4_000 });
  return httpAgent;
};
const keptAliveHttps = (): HttpsAgent => {
  httpsAgent ??= new HttpsAgent({ keepAlive: true, timeout: 4_000 });
  return httpsAgent;
};
const utf8 = new TextDecoder();

/**
 * One request over node:http(s) with a keep-alive agent: the same request and answer as the global
 * `fetch` (the body decoded as UTF-8, a leading BOM dropped), at about half its CPU per call. `signal`
 * aborts it until the body has been read, as it aborts `fetch`.
 */
function sendOverNode({ url, method, headers, body, signal }: Outgoing): Promise<Answer> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const https = url.startsWith('https:');
    const agent = https ? keptAliveHttps() : keptAliveHttp();
    const payload = body === undefined ? undefined : Buffer.from(body, 'utf8');
    let settled = false;
    const finish = (error: unknown, answer?: Answer) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      if (answer !== undefined) resolve(answer);
      else reject(error);
    };
    const onResponse = (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', (error) => finish(error));
      res.on('close', () => {
        if (!res.complete) finish(new Error('The connection closed before the answer was complete'));
      });
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        finish(undefined, {
          status,
          ok: status >= 200 && status <= 299,
          redirected: status >= 300 && status <= 399 && res.headers.location !== undefined,
          header: (name) => {
            const value = res.headers[name];
            return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
          },
          text: utf8.decode(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)),
        });
      });
    };
    const request = (https ? httpsRequest : httpRequest)(
      url,
      {
        method,
        agent,
        headers: payload === undefined ? headers : { ...headers, 'content-length': String(payload.length) },
      },
      onResponse,
    );
    const onAbort = () => {
      request.destroy();
      finish(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    request.on('error', (error) => finish(error));
    request.end(payload);
  });
}

import { randomUUID } from 'node:crypto';
import type { Store } from '@billkit/db';
import { createBilling } from '@billkit/workflows';
import cors from '@fastify/cors';
import helmet, { type FastifyHelmetOptions } from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { type Config, ConfigError } from './config.js';
import { registerAuth } from './http/auth.js';
import { jsonDepthExceeds, MAX_JSON_DEPTH } from './http/casing.js';
import { serializerCompiler, validatorCompiler } from './http/compilers.js';
import { describeError } from './http/errors.js';
import { IdempotentReplay, registerIdempotency, sendReplay } from './http/idempotency.js';
import { registerOpenApi } from './http/openapi.js';
import { ApiError, problem, retryAfterFor } from './http/problem.js';
import { idempotencyHeaders, problemResponses } from './http/schemas.js';
import { loggerOptions } from './logger.js';
import { type ApiMetrics, createMetrics } from './metrics.js';
import type { PaymentGatewayResolver, RouteContext, WebhookRouting } from './routes/context.js';
import { registerRoutes } from './routes/index.js';

export interface AppDeps {
  readonly config: Config;
  readonly store: Store;
  /** The payment gateway of a tenant (Tilled in production, the fake in tests); null = payments disabled. */
  readonly gatewayFor?: PaymentGatewayResolver;
  /** Webhook secrets and tenant for a gateway account id (`acct_…`). */
  readonly webhookRouting?: WebhookRouting;
  /** The business clock (periods, due dates, audit times); tests and the demo pin it. */
  readonly clock?: () => Date;
  /**
   * Real time for transport checks that must not follow a pinned business clock (webhook signature
   * freshness). Default: the system clock.
   */
  readonly wallClock?: () => Date;
  /** Pass `false` to silence logs (tests); default: pino JSON at config.LOG_LEVEL. */
  readonly logger?: boolean;
  readonly metrics?: ApiMetrics;
}

export type App = FastifyInstance & { readonly metrics: ApiMetrics };

/**
 * Builds the HTTP application without listening, so tests and `main.ts` share it. Call
 * `app.listen({ port: 0, host: '127.0.0.1' })` to serve and `app.close()` to drain and stop.
 *
 * @example
 * const app = await buildApp({ config: loadConfig(), store });
 * await app.listen({ port: 3000, host: '0.0.0.0' });
 */
export async function buildApp(deps: AppDeps): Promise<App> {
  const { config, store } = deps;
  const metrics = deps.metrics ?? createMetrics({ defaultMetrics: deps.logger !== false });
  const app = Fastify({
    logger: deps.logger === false ? false : loggerOptions(config.LOG_LEVEL),
    bodyLimit: config.BODY_LIMIT_BYTES,
    // A client's x-request-id is kept only when it is a sane token; anything else gets a generated id
    // (it is echoed, logged and written to the audit trail).
    requestIdHeader: false,
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given)
        ? given
        : `req_${randomUUID().replaceAll('-', '')}`;
    },
    // request.ip is the client behind these proxies (X-Forwarded-For); by default, the socket's peer.
    trustProxy: config.TRUST_PROXY,
    return503OnClosing: true,
    // Finish in-flight requests on close; idle keep-alive sockets are closed at once.
    forceCloseConnections: 'idle',
    routerOptions: { ignoreTrailingSlash: true },
    ajv: undefined,
    // Errors the router raises before any route runs (a path parameter over the router's length
    // limit, a malformed percent-encoding) bypass setErrorHandler: answer them as problems too.
    frameworkErrors: (error, request, reply) => {
      const code = error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'API_URI_TOO_LONG' : 'API_BAD_URL';
      const detail =
        code === 'API_URI_TOO_LONG' ? 'A path parameter is longer than any id' : 'The URL is not valid';
      const body = problem(code, detail, request.url.split('?')[0]?.slice(0, 200) ?? '', String(request.id));
      // The reply type is the router's untyped one here: no route (and no response schema) matched.
      (reply as unknown as { code(n: number): { type(t: string): { send(b: string): void } } })
        .code(body.status)
        .type('application/problem+json; charset=utf-8')
        .send(JSON.stringify(body));
    },
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // Depth is checked on the raw text before JSON.parse, zod or the key-casing walk recurse into a body.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (!jsonDepthExceeds(body as string, MAX_JSON_DEPTH)) return parseJson(request, body as string, done);
    done(new ApiError('API_JSON_TOO_DEEP', `JSON nested deeper than ${MAX_JSON_DEPTH} levels is refused`));
  });
  app.decorate('metrics', metrics);

  const ctx: RouteContext = {
    billing: createBilling({
      db: store,
      gateways: deps.gatewayFor ?? (() => null),
      clock: deps.clock ?? (() => new Date()),
      dunning: { scheduleDays: config.DUNNING_SCHEDULE_DAYS, finalAction: config.DUNNING_FINAL_ACTION },
      observer: {
        invoiceCreated: ({ billingReason }) => metrics.invoicesCreated.inc({ billing_reason: billingReason }),
      },
    }),
    store,
    config,
    metrics,
    wallClock: deps.wallClock ?? (() => new Date()),
    webhookRouting: deps.webhookRouting ?? (() => null),
    shuttingDown: false,
  };

  // Every request id is echoed back so clients can quote it, with helmet's security headers (computed
  // once: @fastify/helmet would rebuild helmet's middleware, CSP parsing included, on every request).
  const securityHeaders = await helmetHeaders({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
      },
    },
  });
  app.addHook('onRequest', (request, reply, done) => {
    reply.headers(securityHeaders).header('x-request-id', request.id);
    done();
  });

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.httpDuration.observe(
      { method: request.method, route, status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });

  app.addHook('preClose', async () => {
    ctx.shuttingDown = true;
  });

  // Every POST under /v1 documents Idempotency-Key, and every /v1 route its problem responses and auth.
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/v1/') || !route.schema) return;
    const schema = route.schema as Record<string, unknown>;
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (methods.includes('POST') && schema.headers === undefined) schema.headers = idempotencyHeaders;
    if (route.config?.scope !== 'none') schema.security ??= [{ bearerAuth: [] }];
    schema.response = { ...problemResponses, ...((schema.response as object | undefined) ?? {}) };
  });

  const origins = config.CORS_ORIGINS.split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  // No origins, no CORS: without the plugin an OPTIONS preflight is the same 404 it answered with `origin: false`.
  if (origins.length > 0) await app.register(cors, { origin: origins });

  await registerOpenApi(app, config);

  registerAuth(app, store, config.AUTH_FAILURE_LIMIT_PER_MINUTE);

  // Counted at onRequest, after authentication: every request of a key counts, those refused by
  // validation or the parser included. Shared between processes through Redis when configured.
  const redis = config.RATE_LIMIT_REDIS_URL ? await rateLimitRedis(config.RATE_LIMIT_REDIS_URL) : null;
  if (redis) app.addHook('onClose', async () => void (await redis.quit()));
  await app.register(rateLimit, {
    global: true,
    hook: 'onRequest',
    ...(redis ? { redis, nameSpace: config.RATE_LIMIT_REDIS_PREFIX, skipOnError: true } : {}),
    max: config.RATE_LIMIT_PER_MINUTE,
    timeWindow: 60_000,
    // Per API key once authenticated; public routes fall back to the client address.
    keyGenerator: (request) => request.auth?.keyId ?? `ip:${request.ip}`,
    allowList: (request) => !request.url.startsWith('/v1/'),
    errorResponseBuilder: (_request, context) =>
      new ApiError('API_RATE_LIMITED', `Rate limit of ${context.max} requests per minute exceeded`, {
        retryAfterSeconds: Math.ceil(context.ttl / 1000),
      }),
  });

  registerIdempotency(app, store, config.IDEMPOTENCY_TTL_HOURS * 3_600_000);

  app.setNotFoundHandler(async (request) => {
    throw new ApiError('API_ROUTE_NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}`);
  });

  app.setErrorHandler(async (error: FastifyError | Error, request, reply) => {
    // A twin request stored its response while this one waited: send that, as a replay.
    if (error instanceof IdempotentReplay) return sendReplay(reply, error);
    const { code, detail, fields } = describeError(error);
    const body = problem(code, detail, request.url.split('?')[0] ?? request.url, request.id, fields);
    if (body.status >= 500) request.log.error({ err: error, code }, 'request failed');
    // A tax table without the customer's jurisdiction is the operator's to fix, not the caller's: warn.
    else if (code === 'TAX_UNKNOWN_JURISDICTION' || code === 'TAX_NO_RATE_IN_FORCE')
      request.log.warn({ code, status: body.status }, detail);
    else request.log.info({ code, status: body.status }, detail);
    const retryAfter = retryAfterFor(code, error);
    if (retryAfter !== undefined) reply.header('retry-after', String(retryAfter));
    return reply.code(body.status).type('application/problem+json; charset=utf-8').send(JSON.stringify(body));
  });

  await registerRoutes(app, ctx);
  return app as unknown as App;
}

/**
 * The headers @fastify/helmet sets with `options`: they do not depend on the request (no CSP nonces), so
 * they are read once from a throwaway instance and set as a constant on every response.
 */
async function helmetHeaders(options: FastifyHelmetOptions): Promise<Record<string, string>> {
  const answer = async (withHelmet: boolean) => {
    const probe = Fastify({ logger: false });
    if (withHelmet) await probe.register(helmet, options);
    probe.get('/', async () => '');
    const response = await probe.inject('/');
    await probe.close();
    return response.headers;
  };
  const [plain, secured] = await Promise.all([answer(false), answer(true)]);
  return Object.fromEntries(
    Object.entries(secured)
      .filter(([name, value]) => plain[name] === undefined && typeof value === 'string')
      .map(([name, value]) => [name, String(value)]),
  );
}

/** A client's request id worth keeping: 1–128 visible ASCII characters. */
const REQUEST_ID = /^[\x21-\x7e]{1,128}$/;

/**
 * An ioredis client for the rate limit's shared store. ioredis is loaded only when RATE_LIMIT_REDIS_URL
 * is set, so an API without Redis does not need the package.
 */
async function rateLimitRedis(url: string): Promise<{ quit(): Promise<unknown> }> {
  const name = 'ioredis';
  const loaded = (await import(name).catch(() => null)) as {
    default: new (url: string, options: object) => { quit(): Promise<unknown> };
  } | null;
  if (!loaded)
    throw new ConfigError(['RATE_LIMIT_REDIS_URL: the ioredis package is not installed next to the API']);
  // Fail fast: a Redis that does not answer must not hold requests (the limiter then lets them through).
  return new loaded.default(url, { maxRetriesPerRequest: 1, connectTimeout: 2_000, commandTimeout: 1_000 });
}

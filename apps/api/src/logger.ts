import type { FastifyBaseLogger, FastifyServerOptions } from 'fastify';

/** Where `bindCaller` keeps the authenticated caller on a request's logger. */
const CALLER = Symbol('billkit.caller');

type CallerLogger = FastifyBaseLogger & { [CALLER]?: { readonly tenant: string; readonly key: string } };

/**
 * Makes every later line of a request's logger carry the caller's tenant and key prefix. Cheaper than
 * `log.child({ tenant, key })` on every request (a child serialises and redacts its bindings up front);
 * `loggerOptions`' mixin adds them only to the lines actually written.
 */
export function bindCaller(log: FastifyBaseLogger, tenant: string, key: string): void {
  (log as CallerLogger)[CALLER] = { tenant, key };
}

/**
 * Paths pino replaces with `[redacted]`: credentials, signatures and anything that looks like card or
 * bank data, wherever it appears in a logged object.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["tilled-signature"]',
  'req.headers["tilled-api-key"]',
  'headers.authorization',
  '*.secret',
  '*.api_key',
  '*.apiKey',
  '*.password',
  '*.webhookSecret',
  '*.webhook_secret',
  '*.secretKey',
  '*.card_number',
  '*.number',
  '*.cvc',
  '*.account_number',
  '*.routing_number',
  '*.payment_method_token',
  '*.paymentMethodToken',
];

export function loggerOptions(level: string): NonNullable<FastifyServerOptions['logger']> {
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    // A fresh object per line: pino merges the line's own fields into what the mixin returns.
    mixin: (_object: object, _level: number, logger: unknown) => {
      const caller = (logger as CallerLogger)[CALLER];
      return caller ? { tenant: caller.tenant, key: caller.key } : {};
    },
    serializers: {
      req(request: { id: string; method: string; url: string; headers: Record<string, unknown> }) {
        return {
          id: request.id,
          method: request.method,
          // Query strings can carry cursors, not secrets; keys never travel in the URL.
          url: request.url,
          headers: {
            'user-agent': request.headers['user-agent'],
            'idempotency-key': request.headers['idempotency-key'],
            authorization: request.headers.authorization === undefined ? undefined : '[redacted]',
          },
        };
      },
    },
  };
}

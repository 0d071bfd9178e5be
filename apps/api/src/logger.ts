import type { FastifyServerOptions } from 'fastify';

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

// The client's default transport (node:http with a keep-alive agent) against the global `fetch` (what
// `config.fetch` plugs in): for every scripted answer both give the same result or the same error.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTilledError, TilledClient } from '../../src/index.js';

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

const intent = {
  id: 'pi_1',
  status: 'succeeded',
  amount: 4999,
  currency: 'usd',
  metadata: { billkit_invoice_id: 'in_1', billkit_attempt_id: 'in_1_attempt_1', note: 'Zürich — 東京 🧾' },
  created_at: '2026-01-01T00:00:00.000Z',
};

const answers: Record<string, Handler> = {
  '/v1/payment-intents/ok': (_req, _body, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'request-id': 'req_1' });
    res.end(JSON.stringify(intent));
  },
  // Multi-byte characters split across chunks, after a byte-order mark.
  '/v1/payment-intents/chunked': (_req, _body, res) => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(intent))]);
    const at = bytes.indexOf(Buffer.from('東')) + 1;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write(bytes.subarray(0, at));
    setTimeout(() => res.end(bytes.subarray(at)), 5);
  },
  '/v1/payment-intents/missing': (_req, _body, res) => {
    res.writeHead(404, { 'content-type': 'application/json', 'request-id': 'req_2' });
    res.end(JSON.stringify({ message: 'No such payment intent', code: 'not_found' }));
  },
  '/v1/payment-intents/limited': (_req, _body, res) => {
    res.writeHead(429, { 'retry-after': '0' });
    res.end('slow down');
  },
  '/v1/payment-intents/html': (_req, _body, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<html>proxy</html>');
  },
  '/v1/payment-intents/empty': (_req, _body, res) => {
    res.writeHead(502);
    res.end();
  },
  // Headers at once, the body never finished: the timeout covers the body too.
  '/v1/payment-intents/stalled': (_req, _body, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"id":');
  },
  // Part of the body, then the connection is cut.
  '/v1/payment-intents/cut': (_req, _body, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '500' });
    res.write('{"id":');
    setTimeout(() => res.destroy(), 5);
  },
  '/v1/payment-intents/moved': (_req, _body, res) => {
    res.writeHead(307, { location: '/v1/payment-intents/ok' });
    res.end();
  },
  // Echoes what it received: method, body, the headers that matter.
  '/v1/refunds': (req, body, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        id: 'rf_1',
        payment_intent_id: 'pi_1',
        amount: 100,
        currency: 'usd',
        status: 'pending',
        echo: {
          method: req.method,
          body: JSON.parse(body),
          contentType: req.headers['content-type'],
          apiKey: req.headers['tilled-api-key'],
          account: req.headers['tilled-account'],
          accept: req.headers.accept,
        },
      }),
    );
  },
};

let server: Server;
let baseUrl: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const handler = answers[new URL(req.url ?? '/', 'http://x').pathname];
      if (handler) handler(req, Buffer.concat(chunks).toString('utf8'), res);
      else {
        res.writeHead(404);
        res.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const clients = () => {
  const config = {
    secretKey: 'sk_test',
    accountId: 'acct_1',
    baseUrl,
    timeoutMs: 300,
    retry: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 5 },
  };
  return { node: new TilledClient(config), fetch: new TilledClient({ ...config, fetch: globalThis.fetch }) };
};

/** What a call came to, comparable across transports. */
async function outcome(call: Promise<unknown>): Promise<unknown> {
  try {
    return { value: await call };
  } catch (error) {
    if (!isTilledError(error)) throw error;
    return {
      error: {
        code: error.code,
        message: error.message,
        status: error.status,
        requestId: error.requestId,
        tilledCode: error.tilledCode,
        details: error.details,
      },
    };
  }
}

describe('the node:http transport answers as fetch does', () => {
  it.each(['ok', 'chunked', 'missing', 'limited', 'html', 'empty', 'stalled', 'moved'])(
    'GET %s',
    async (path) => {
      const { node, fetch } = clients();
      const viaNode = await outcome(node.getPaymentIntent(path));
      expect(viaNode).toEqual(await outcome(fetch.getPaymentIntent(path)));
      if (path === 'ok' || path === 'chunked' || path === 'moved') expect(viaNode).toEqual({ value: intent });
      if (path === 'stalled') expect(viaNode).toMatchObject({ error: { code: 'TILLED_TIMEOUT' } });
    },
  );

  it('reports a connection cut mid-answer as TILLED_NETWORK (after retrying the GET), as fetch does', async () => {
    const { node, fetch } = clients();
    const viaNode = await outcome(node.getPaymentIntent('cut'));
    const viaFetch = await outcome(fetch.getPaymentIntent('cut'));
    expect(viaNode).toMatchObject({ error: { code: 'TILLED_NETWORK' } });
    expect(viaFetch).toMatchObject({ error: { code: 'TILLED_NETWORK' } });
  });

  it('sends the same body and headers on a POST', async () => {
    const { node, fetch } = clients();
    const params = { payment_intent_id: 'pi_1', amount: 100, reason: 'duplicate', metadata: { k: 'ü' } };
    const viaNode = await outcome(node.createRefund(params));
    expect(viaNode).toEqual(await outcome(fetch.createRefund(params)));
    expect(viaNode).toMatchObject({
      value: {
        echo: {
          method: 'POST',
          body: params,
          contentType: 'application/json',
          apiKey: 'sk_test',
          account: 'acct_1',
          accept: 'application/json',
        },
      },
    });
  });

  it('stops when the caller aborts mid-body, as fetch does', async () => {
    const { node } = clients();
    const controller = new AbortController();
    const pending = node.getPaymentIntent('stalled', { signal: controller.signal });
    setTimeout(() => controller.abort(), 30);
    const error = await pending.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ name: 'AbortError' });
  });

  it('reuses its connection for calls in sequence', async () => {
    const { node } = clients();
    const sockets = new Set<unknown>();
    const track = (req: IncomingMessage) => sockets.add(req.socket);
    server.on('request', track);
    try {
      for (let i = 0; i < 5; i++) await node.getPaymentIntent('ok');
    } finally {
      server.off('request', track);
    }
    expect(sockets.size).toBe(1);
  });
});

import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Balancer {
  /** `http://127.0.0.1:<port>`: requests to it go to the backends in turn. */
  readonly url: string;
  /** Requests forwarded per backend URL (after failovers). */
  readonly forwarded: ReadonlyMap<string, number>;
  close(): Promise<void>;
}

const readBody = (req: IncomingMessage) =>
  new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });

/**
 * A round-robin load balancer in front of several API processes, for the gateway's webhooks: each request
 * goes to the next backend `backends()` lists (read on every request, so a killed process can be left
 * out); a backend that does not answer (connection refused or reset) is skipped for the next one, as a
 * load balancer's health check would. Method, path, body and the headers that matter are passed on
 * byte for byte (the signature covers the raw body); the backend's status and body come back.
 */
export async function startBalancer(backends: () => readonly string[]): Promise<Balancer> {
  let turn = 0;
  const forwarded = new Map<string, number>();
  const server: Server = createServer(async (req, res) => {
    const body = await readBody(req);
    const targets = backends();
    for (let tried = 0; tried < targets.length; tried++) {
      const base = targets[turn++ % targets.length] as string;
      try {
        const upstream = await fetch(`${base}${req.url ?? '/'}`, {
          method: req.method ?? 'POST',
          headers: Object.fromEntries(
            ['content-type', 'tilled-signature', 'authorization', 'idempotency-key']
              .filter((h) => typeof req.headers[h] === 'string')
              .map((h) => [h, req.headers[h] as string]),
          ),
          ...(body.length > 0 ? { body } : {}),
          signal: AbortSignal.timeout(10_000),
        });
        const answer = Buffer.from(await upstream.arrayBuffer());
        forwarded.set(base, (forwarded.get(base) ?? 0) + 1);
        res.writeHead(upstream.status, {
          'content-type': upstream.headers.get('content-type') ?? 'application/json',
        });
        res.end(answer);
        return;
      } catch {
        // not answering: the next backend
      }
    }
    res.writeHead(502, { 'content-type': 'application/json' });
    res.end('{"error":"no backend answered"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    forwarded,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

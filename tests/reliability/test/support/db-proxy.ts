import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy in front of MariaDB that a test controls: the shared server cannot be stopped (other suites
 * and engineers use it), so an API process pointed at this proxy sees the database freeze or go down.
 */
export interface DbProxy {
  readonly port: number;
  /** A `mysql://` URL for `database` through the proxy. */
  urlFor(database: string): string;
  /**
   * Frozen: connections stay open and new ones are accepted, but no byte passes in either direction
   * (held until `thaw`), like a server stopped with SIGSTOP or a network that drops packets.
   */
  freeze(): void;
  /** Forwards again, held bytes first. */
  thaw(): void;
  /** Down: every connection is reset and the port refuses new ones, like a crashed server. */
  down(): Promise<void>;
  /** Listens again on the same port. */
  up(): Promise<void>;
  close(): Promise<void>;
}

interface Pair {
  readonly client: Socket;
  upstream: Socket | null;
  /** Bytes held while frozen, per direction. */
  readonly toUpstream: Buffer[];
  readonly toClient: Buffer[];
}

export async function startDbProxy(target = { host: '127.0.0.1', port: 3306 }): Promise<DbProxy> {
  let frozen = false;
  const pairs = new Set<Pair>();

  const connectUpstream = (pair: Pair) => {
    const upstream = createConnection(target);
    pair.upstream = upstream;
    upstream.on('data', (chunk: Buffer) => {
      if (frozen) pair.toClient.push(chunk);
      else pair.client.write(chunk);
    });
    const end = () => {
      pair.client.destroy();
      pairs.delete(pair);
    };
    upstream.on('error', end);
    upstream.on('close', end);
    for (const chunk of pair.toUpstream.splice(0)) upstream.write(chunk);
  };

  const onConnection = (client: Socket) => {
    const pair: Pair = { client, upstream: null, toUpstream: [], toClient: [] };
    pairs.add(pair);
    client.on('data', (chunk: Buffer) => {
      if (frozen || pair.upstream === null) pair.toUpstream.push(chunk);
      else pair.upstream.write(chunk);
    });
    const end = () => {
      pair.upstream?.destroy();
      pairs.delete(pair);
    };
    client.on('error', end);
    client.on('close', end);
    // A frozen server accepts the TCP connection (the kernel does) but never sends its greeting.
    if (!frozen) connectUpstream(pair);
  };

  let server: Server = createServer(onConnection);
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        const address = server.address();
        resolve(typeof address === 'object' && address ? address.port : port);
      });
    });
  const port = await listen(0);
  let listening = true;

  const stopListening = () =>
    new Promise<void>((resolve) => {
      if (!listening) return resolve();
      listening = false;
      server.close(() => resolve());
      for (const pair of pairs) {
        pair.client.resetAndDestroy();
        pair.upstream?.destroy();
      }
      pairs.clear();
    });

  return {
    port,
    urlFor: (database) => `mysql://root@127.0.0.1:${port}/${database}`,
    freeze() {
      frozen = true;
    },
    thaw() {
      frozen = false;
      for (const pair of pairs) {
        if (pair.upstream === null) {
          connectUpstream(pair);
          continue;
        }
        for (const chunk of pair.toUpstream.splice(0)) pair.upstream.write(chunk);
        for (const chunk of pair.toClient.splice(0)) pair.client.write(chunk);
      }
    },
    down: stopListening,
    async up() {
      if (listening) return;
      server = createServer(onConnection);
      await listen(port);
      listening = true;
    },
    async close() {
      frozen = false;
      await stopListening();
    },
  };
}

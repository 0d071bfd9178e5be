import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { API_DIR, API_MAIN, LOG_DIR } from './paths.js';

/** Matches the one line main.ts prints with the bootstrap key (the only place a key may appear in output). */
export const BOOTSTRAP_LINE = /bootstrap admin API key for tenant (\S+) \(shown once\): (\S+)/;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export interface ApiProcess {
  readonly url: string;
  readonly port: number;
  /** The bootstrap admin key, when this start printed one. */
  readonly bootstrapKey: string | null;
  readonly child: ChildProcess;
  /** Everything the process wrote so far (stdout and stderr, interleaved). */
  output(): string;
  /** SIGKILL: no graceful shutdown, in-flight requests die. */
  kill(): Promise<void>;
  /** SIGTERM and wait for exit (graceful shutdown). */
  stop(): Promise<void>;
  readonly exited: Promise<number | null>;
}

let started = 0;

/**
 * Starts `apps/api/src/main.ts` as a real child process (`node --import tsx`), captures its output to
 * `.results/logs/<name>-<n>.log` for the final secret scan, and waits until `/readyz` answers 200.
 */
export async function startApi(
  name: string,
  env: Record<string, string>,
  port?: number,
): Promise<ApiProcess> {
  const chosen = port ?? (await freePort());
  started += 1;
  const log: WriteStream = createWriteStream(`${LOG_DIR}${name}-${started}.log`);
  const child = spawn(process.execPath, ['--import', 'tsx', API_MAIN], {
    cwd: API_DIR,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(chosen),
      LOG_LEVEL: 'info',
      MIGRATE_ON_START: 'true',
      RATE_LIMIT_PER_MINUTE: '1000000',
      AUTH_FAILURE_LIMIT_PER_MINUTE: '100000',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const onData = (chunk: Buffer) => {
    text += chunk.toString('utf8');
    log.write(chunk);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      log.end();
      resolve(code);
    });
  });
  let exitCode: number | null | undefined;
  void exited.then((code) => {
    exitCode = code;
  });
  const url = `http://127.0.0.1:${chosen}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (exitCode !== undefined) {
      throw new Error(`API exited with ${exitCode} before it was ready:\n${text.slice(-3000)}`);
    }
    try {
      const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) });
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`API not ready within 90 s:\n${text.slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  // The bootstrap key is printed right after listen; give it a moment.
  for (let i = 0; i < 20 && !BOOTSTRAP_LINE.test(text); i++) await new Promise((r) => setTimeout(r, 50));
  const bootstrap = BOOTSTRAP_LINE.exec(text);
  return {
    url,
    port: chosen,
    bootstrapKey: bootstrap?.[2] ?? null,
    child,
    output: () => text,
    exited,
    kill: async () => {
      if (exitCode === undefined) child.kill('SIGKILL');
      await exited;
    },
    stop: async () => {
      if (exitCode === undefined) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

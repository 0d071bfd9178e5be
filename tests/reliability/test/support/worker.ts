import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { LOG_DIR, REPO_ROOT } from './paths.js';

/** The built `billkit-worker` bin of @billkit/workflows (`pnpm build` first). */
export const WORKER_BIN = `${REPO_ROOT}packages/workflows/dist/worker-cli.js`;

export interface WorkerProcess {
  readonly id: string;
  readonly child: ChildProcess;
  /** Resolves with the exit code (null after a signal). */
  readonly exited: Promise<number | null>;
  /** Everything it wrote so far (one JSON line per event). */
  output(): string;
  /** SIGKILL: the batch in hand is left to its lease. */
  kill(): Promise<void>;
  /** SIGTERM and wait: the batch is finished or released; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Starts a `billkit-worker` process on `env` (the stack's: database, Tilled accounts, dunning policy) as
 * worker `id`, its output captured to `.results/logs/workers-<id>.log` for the final secret scan.
 */
export function startWorker(id: string, env: Record<string, string>): WorkerProcess {
  const log = createWriteStream(`${LOG_DIR}workers-${id}.log`);
  const child = spawn(process.execPath, [WORKER_BIN], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      NODE_ENV: 'production',
      ...env,
      BILLKIT_WORKER_ID: id,
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
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      log.end();
      resolve(code);
    }),
  );
  const running = () => child.exitCode === null && child.signalCode === null;
  return {
    id,
    child,
    exited,
    output: () => text,
    kill: async () => {
      if (running()) child.kill('SIGKILL');
      await exited;
    },
    stop: async () => {
      if (running()) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/**
 * CPU seconds (user + system) process `pid` has used so far, from `/proc/<pid>/stat` (fields 14 and 15,
 * in clock ticks of USER_HZ = 100 on Linux); null when it cannot be read (not Linux, process gone).
 */
export function cpuSecondsOf(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    // The command name (field 2) may hold spaces: split after its closing parenthesis.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? ticks / 100 : null;
  } catch {
    return null;
  }
}

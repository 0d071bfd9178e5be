import { type Options, Presets, SingleBar } from 'cli-progress';

/** Counts shown while long work runs: `value` of `total` units, and a free-form detail (`3/29 tables`). */
export interface Progress {
  update(value: number, detail?: string): void;
  stop(): void;
}

export interface ProgressOptions {
  /** What is counted: `rows`, `migrations`, `tenants`. */
  unit: string;
  total: number;
  quiet?: boolean;
  /** Where it goes; the CLI uses stderr so that stdout stays the command's result. */
  stream?: NodeJS.WriteStream | NodeJS.WritableStream;
  /** Milliseconds between plain lines when the stream is not a terminal (default 2 000). */
  intervalMs?: number;
}

/**
 * A progress bar on a terminal, plain periodic lines (`backup: 1200/5000 rows, 3/29 tables`) when the stream
 * is a file or a pipe, nothing with `quiet`. The label names the command.
 */
export function startProgress(label: string, options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  if (options.quiet) return { update() {}, stop() {} };
  if ((stream as NodeJS.WriteStream).isTTY) {
    const barOptions: Options = {
      format: `${label} [{bar}] {value}/{total} ${options.unit} {detail}`,
      stream: stream as NodeJS.WriteStream,
      hideCursor: true,
      fps: 5,
    };
    const bar = new SingleBar(barOptions, Presets.shades_classic);
    bar.start(options.total, 0, { detail: '' });
    return {
      update: (value, detail = '') => bar.update(value, { detail }),
      stop: () => bar.stop(),
    };
  }
  const intervalMs = options.intervalMs ?? 2_000;
  let last = Date.now();
  let current = { value: 0, detail: '' };
  const line = () =>
    stream.write(
      `${label}: ${current.value}/${options.total} ${options.unit}${current.detail ? `, ${current.detail}` : ''}\n`,
    );
  return {
    update(value, detail = '') {
      current = { value, detail };
      if (Date.now() - last < intervalMs) return;
      last = Date.now();
      line();
    },
    stop: line,
  };
}

// Small helpers shared by the adoption steps: running commands, recording checks, timing.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Every check the run makes, in order: { step, name, ok, detail }. */
export const results = [];

export class StepFailure extends Error {}

/** Records a check; a failed check does not stop the run unless `fatal` is set. */
export function check(step, name, ok, detail = '') {
  results.push({ step, name, ok: Boolean(ok), detail: ok ? '' : String(detail) });
  const mark = ok ? '\u2714' : '\u2716';
  console.log(
    `  ${mark} ${`[${step}]`.padEnd(15)}${name}${ok || !detail ? '' : `\n      ${String(detail).split('\n').join('\n      ')}`}`,
  );
  return Boolean(ok);
}

export function makeTempDir(prefix) {
  return mkdtempSync(join(tmpdir(), `billkit-adoption-${prefix}-`));
}

/**
 * Runs a command without a shell and collects its output. Never throws on a non-zero exit:
 * callers decide what a failure means. `timeoutMs` kills the whole process group.
 */
export function run(command, args, { cwd, env = {}, timeoutMs = 180_000, input, quiet = true } = {}) {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd,
      env: { ...process.env, ...env },
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      if (!quiet) process.stdout.write(chunk);
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      if (!quiet) process.stderr.write(chunk);
    });
    if (input !== undefined) child.stdin.end(input);
    const timer = setTimeout(() => {
      stderr += `\n[killed after ${timeoutMs} ms]`;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ code: -1, stdout, stderr: `${stderr}${error.message}`, ms: Date.now() - started });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : -1), stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** The last lines of a command's output, for failure messages. */
export function tail(result, lines = 25) {
  const text = `${result.stdout}\n${result.stderr}`.trim();
  return text.split('\n').slice(-lines).join('\n');
}

export function describeCommand(command, args) {
  return [command, ...args].join(' ');
}

export function seconds(ms) {
  return `${(ms / 1000).toFixed(1)}s`;
}

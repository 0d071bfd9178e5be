import { existsSync, readFileSync } from 'node:fs';

/** Where a command writes: stdout for its result, stderr for progress and errors (tests pass their own). */
export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export const processIo: CliIo = { stdout: process.stdout, stderr: process.stderr };

/** This package's version, from its package.json (next to dist/, two levels above src/cli/). */
export function packageVersion(): string {
  for (const relative of ['../package.json', '../../package.json']) {
    const url = new URL(relative, import.meta.url);
    if (!existsSync(url)) continue;
    const manifest = JSON.parse(readFileSync(url, 'utf8')) as { name?: string; version: string };
    if (manifest.name === '@billkit/db') return manifest.version;
  }
  return 'unknown';
}

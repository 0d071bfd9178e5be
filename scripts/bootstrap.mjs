#!/usr/bin/env node
// Gets a fresh clone from "only Node and npm" to "ready", then runs one task. It is what
// `npm run demo` and `npm test` call, so a newcomer needs no global tools:
//   1. find pnpm (the pinned major), or run it through npx;
//   2. install the workspace from the lockfile (native builds allowed in package.json);
//   3. run the named task: `demo`, `test`, or `ready` (stop after install + code generation).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pinned = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).packageManager; // pnpm@x.y.z
const pinnedVersion = pinned.split('@')[1];
const task = process.argv[2] ?? 'ready';

function findPnpm() {
  try {
    const version = execFileSync('pnpm', ['--version'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    if (version.split('.')[0] === pinnedVersion.split('.')[0]) return ['pnpm'];
  } catch {
    // not installed: fall through to npx
  }
  return ['npx', '--yes', `pnpm@${pinnedVersion}`];
}

function run(command, args, extraEnv = {}) {
  console.log(`\n› ${[command, ...args].join(' ')}`);
  const result = spawnSync(command, args, {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, ...extraEnv },
  });
  if (result.status !== 0) {
    console.error(`\n✖ ${[command, ...args].join(' ')} failed (exit ${result.status ?? result.signal})`);
    process.exit(result.status ?? 1);
  }
}

const [pnpmCommand, ...pnpmPrefix] = findPnpm();
const pnpm = (...args) => run(pnpmCommand, [...pnpmPrefix, ...args]);

pnpm('install', ...(process.env.CI ? ['--frozen-lockfile'] : []), '--reporter=append-only');
if (existsSync(join(root, 'packages/db/package.json'))) {
  const dbScripts = JSON.parse(readFileSync(join(root, 'packages/db/package.json'), 'utf8')).scripts ?? {};
  if (dbScripts.generate) pnpm('--filter', '@billkit/db', 'generate');
}

switch (task) {
  case 'ready':
    break;
  case 'demo':
    pnpm('exec', 'turbo', 'run', 'build', '--output-logs=errors-only');
    pnpm('--filter', '@billkit/api', 'demo');
    break;
  case 'test':
    // One package at a time: the integration suites share the local MariaDB and two cores.
    pnpm('exec', 'turbo', 'run', 'test', '--concurrency=1', '--output-logs=new-only');
    run(process.execPath, ['scripts/check-readme-examples.mjs']);
    break;
  default:
    console.error(`unknown task ${task}; use demo, test or ready`);
    process.exit(2);
}

#!/usr/bin/env node
// Gets a fresh clone from "only Node and npm" to "ready", then runs one task. It is what
// `npm run demo` and `npm test` call, so a newcomer needs no global tools:
//   1. find pnpm (the pinned major), or run it through npx;
//   2. install the workspace from the lockfile (native builds allowed in package.json);
//   3. run the named task: `demo`, `test`, or `ready` (stop after install + code generation).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeTestDatabases } from './lib/test-databases.mjs';

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

function say(what) {
  console.log(`\n\u001b[1m${what}\u001b[0m`);
}

function run(command, args, extraEnv = {}) {
  console.log(`› ${[command, ...args].join(' ')}`);
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

function timed(what, action) {
  const started = Date.now();
  action();
  console.log(`✔ ${what} in ${Math.round((Date.now() - started) / 1000)} s`);
}

const workspaceCount = ['packages', 'apps']
  .flatMap((dir) => readdirSync(join(root, dir)).map((name) => join(root, dir, name, 'package.json')))
  .filter((file) => existsSync(file)).length;

say('Installing the workspace from pnpm-lock.yaml (no compiler needed; about a minute the first time)');
timed('installed', () => {
  pnpm('install', ...(process.env.CI ? ['--frozen-lockfile'] : []), '--reporter=append-only');
  if (existsSync(join(root, 'packages/db/package.json'))) {
    const dbScripts = JSON.parse(readFileSync(join(root, 'packages/db/package.json'), 'utf8')).scripts ?? {};
    if (dbScripts.generate) pnpm('--filter', '@billkit/db', 'generate');
  }
});

function build() {
  say(
    `Building ${workspaceCount} packages and apps with turbo (1–2 minutes on 2 cores the first time, cached after)`,
  );
  timed('built', () => pnpm('exec', 'turbo', 'run', 'build', '--output-logs=errors-only'));
}

switch (task) {
  case 'ready':
    break;
  case 'demo':
    build();
    say('Starting the demo API on the embedded SQLite database');
    pnpm('--filter', '@billkit/api', 'demo');
    break;
  case 'test': {
    build();
    const databases = await describeTestDatabases();
    say(
      `Testing every package, one at a time (the integration suites share the local databases and two cores)`,
    );
    for (const line of databases.lines) console.log(`  ${line}`);
    timed('tested', () => {
      pnpm('exec', 'turbo', 'run', 'test', '--concurrency=1', '--output-logs=new-only');
      run(process.execPath, ['--test', 'scripts/test/']);
      run(process.execPath, ['scripts/check-readme-examples.mjs']);
    });
    say('Databases the integration suites used');
    for (const line of databases.lines) console.log(`  ${line}`);
    break;
  }
  default:
    console.error(`unknown task ${task}; use demo, test or ready`);
    process.exit(2);
}

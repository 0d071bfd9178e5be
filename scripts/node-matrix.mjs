#!/usr/bin/env node
// Runs the engine and db packages' tests on other Node versions, with the node binaries of the npm
// registry's `node` package (`npx -y -p node@22`): the workspace's own node_modules and built dist/, only the
// runtime changes. db's MariaDB suites run when the server answers (as under `pnpm test`); CI=true makes
// them required. Prints one summary line per Node version; exits 1 on any failure.
//
//   node scripts/node-matrix.mjs               Node 22 and 24 (run `pnpm build` first)
//   node scripts/node-matrix.mjs 22 24 20      the versions given
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const versions = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['22', '24'];
const PACKAGES = ['money', 'tax', 'discount', 'proration', 'billing-core', 'db'];
const vitest = join(root, 'node_modules/vitest/vitest.mjs');

/** Runs a command; resolves with its exit code and combined output. */
function run(command, args, options = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    child.once('error', (error) => resolve({ code: 1, output: `${output}${error.message}\n` }));
    child.once('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

/** The path of the `node` binary of `node@<version>` from the npm registry (downloaded once by npx). */
async function nodeBinary(version) {
  const found = await run('npx', ['-y', '-p', `node@${version}`, '-c', 'node -p process.execPath']);
  const path = found.output.trim().split('\n').at(-1) ?? '';
  return found.code === 0 && existsSync(path) ? path : null;
}

const missing = PACKAGES.filter((name) => !existsSync(join(root, 'packages', name, 'dist')));
if (missing.length > 0 || !existsSync(vitest)) {
  console.error(
    `node-matrix: run \`pnpm install\` and \`pnpm build\` first (no dist/ in: ${missing.join(', ') || 'none'}; vitest ${existsSync(vitest) ? 'found' : 'missing'})`,
  );
  process.exit(1);
}

const summaries = [];
let failed = false;
for (const version of versions) {
  const started = Date.now();
  const node = await nodeBinary(version);
  if (!node) {
    summaries.push(
      `node@${version}: FAILED — could not get node@${version} from the npm registry through npx`,
    );
    failed = true;
    continue;
  }
  const actual = (await run(node, ['--version'])).output.trim();
  // Child processes the tests start (CLIs, servers) run on the same node.
  const env = { ...process.env, PATH: `${dirname(node)}:${process.env.PATH}` };
  const results = [];
  for (const name of PACKAGES) {
    const cwd = join(root, 'packages', name);
    if (name === 'db') {
      const generated = await run(node, ['scripts/generate.mjs', '--if-stale'], { cwd, env });
      if (generated.code !== 0) {
        results.push({ name, ok: false, note: 'prisma generate failed', output: generated.output });
        continue;
      }
    }
    const tested = await run(node, [vitest, 'run'], { cwd, env });
    const counts = /Tests\s+(.+?)\s*\(\d+\)/.exec(stripVTControlCharacters(tested.output));
    results.push({ name, ok: tested.code === 0, note: counts?.[1] ?? '', output: tested.output });
    console.log(`  ${actual} ${name}: ${tested.code === 0 ? 'passed' : 'FAILED'} ${counts?.[1] ?? ''}`);
  }
  for (const result of results.filter((r) => !r.ok)) {
    console.log(
      `\n--- ${actual} ${result.name} (${result.note || 'failed'}) ---\n${result.output.slice(-6000)}`,
    );
  }
  const bad = results.filter((r) => !r.ok).map((r) => r.name);
  failed ||= bad.length > 0;
  const seconds = Math.round((Date.now() - started) / 1000);
  summaries.push(
    bad.length === 0
      ? `node ${actual}: all ${results.length} packages passed (${PACKAGES.join(', ')}) in ${seconds} s`
      : `node ${actual}: FAILED in ${bad.join(', ')} (${results.length - bad.length}/${results.length} passed) in ${seconds} s`,
  );
}
console.log(`\n${summaries.join('\n')}`);
process.exit(failed ? 1 : 0);

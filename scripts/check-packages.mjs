#!/usr/bin/env node
// Runs publint and `attw --pack` on every public workspace package (run after `turbo run build`), and checks
// that each one's package.json carries what a user looks for on npm (keywords, homepage, bugs, engines).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const packages = readdirSync(join(root, 'packages'))
  .map((name) => join(root, 'packages', name))
  .filter((dir) => existsSync(join(dir, 'package.json')))
  .filter((dir) => !JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).private);

let failed = 0;
for (const dir of packages) {
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const { name } = manifest;
  // What npm's search and a package page show: without these a user cannot find the package or report a bug.
  const missing = ['description', 'keywords', 'homepage', 'bugs', 'repository', 'license', 'engines'].filter(
    (field) =>
      manifest[field] === undefined || (Array.isArray(manifest[field]) && manifest[field].length === 0),
  );
  if (missing.length > 0) failed++;
  console.log(
    `${missing.length === 0 ? '✔' : '✖'} metadata ${name}${missing.length ? ` (missing ${missing.join(', ')})` : ''}`,
  );
  for (const [tool, args] of [
    ['publint', ['--strict']],
    ['attw', ['--pack', '.', '--format', 'table-flipped']],
  ]) {
    const result = spawnSync(join(root, 'node_modules/.bin', tool), args, { cwd: dir, encoding: 'utf8' });
    const ok = result.status === 0;
    if (!ok) failed++;
    console.log(`${ok ? '✔' : '✖'} ${tool} ${name}`);
    if (!ok) console.log(result.stdout, result.stderr);
  }
}
if (failed) {
  console.error(`${failed} package check(s) failed`);
  process.exit(1);
}
console.log(`all ${packages.length} public packages pass publint and attw`);

#!/usr/bin/env node
// Every public package must be named in at least one pending changeset or have a CHANGELOG.md
// (i.e. it has been released through changesets before). Catches a new package shipped silently.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const changesetDir = join(root, '.changeset');
const mentioned = new Set();
for (const file of readdirSync(changesetDir).filter((f) => f.endsWith('.md') && f !== 'README.md')) {
  const front = readFileSync(join(changesetDir, file), 'utf8').split('---')[1] ?? '';
  for (const match of front.matchAll(/["']?(@billkit\/[a-z0-9-]+)["']?\s*:/g)) mentioned.add(match[1]);
}
let missing = 0;
for (const name of readdirSync(join(root, 'packages'))) {
  const dir = join(root, 'packages', name);
  if (!existsSync(join(dir, 'package.json'))) continue;
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  if (pkg.private) continue;
  if (!mentioned.has(pkg.name) && !existsSync(join(dir, 'CHANGELOG.md'))) {
    console.error(`✖ ${pkg.name} has no changeset and no CHANGELOG.md`);
    missing++;
  } else console.log(`✔ ${pkg.name}`);
}
process.exit(missing ? 1 : 0);

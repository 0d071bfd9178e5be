#!/usr/bin/env node
// Every public package must be named in at least one pending changeset or have a CHANGELOG.md
// (i.e. it has been released through changesets before). Catches a new package shipped silently.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const changesetDir = join(root, '.changeset');
const mentioned = new Set();
let missing = 0;
for (const file of readdirSync(changesetDir).filter((f) => f.endsWith('.md') && f !== 'README.md')) {
  // The front matter `changeset version` reads: a '---' line, `"pkg": bump` lines, a '---' line.
  const match = /^---\n((?:["']?@billkit\/[a-z0-9-]+["']?: (?:major|minor|patch)\n)+)---\n/.exec(
    readFileSync(join(changesetDir, file), 'utf8'),
  );
  if (!match) {
    console.error(
      `✖ .changeset/${file} has no valid front matter ('---', "@billkit/x": minor|patch|major lines, '---')`,
    );
    missing++;
    continue;
  }
  for (const line of match[1].matchAll(/["']?(@billkit\/[a-z0-9-]+)["']?:/g)) mentioned.add(line[1]);
}
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

#!/usr/bin/env node
// Runs the examples in every package README against the built packages, so a README example that
// no longer works fails CI. A fenced ```js block that imports an @billkit package is an example;
// it is written next to the package (so `@billkit/<self>` resolves through the package's exports)
// and run with Node. Blocks marked ```js no-run are skipped.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
let failed = 0;
let ran = 0;
// The root README's examples run from packages/workflows, where every public @billkit package resolves.
const rootBlocks = examplesIn(join(root, 'README.md'));
if (rootBlocks.length === 0) {
  console.error('✖ README.md has no runnable ```js example importing @billkit/*');
  failed++;
}
runBlocks('README.md', join(root, 'packages', 'workflows'), rootBlocks);

for (const name of readdirSync(join(root, 'packages'))) {
  const dir = join(root, 'packages', name);
  const readme = join(dir, 'README.md');
  if (!existsSync(readme)) {
    console.error(`✖ packages/${name} has no README.md`);
    failed++;
    continue;
  }
  const blocks = examplesIn(readme);
  if (blocks.length === 0) {
    console.error(`✖ packages/${name}/README.md has no runnable \`\`\`js example importing @billkit/*`);
    failed++;
    continue;
  }
  runBlocks(`packages/${name}/README.md`, dir, blocks);
}
function examplesIn(readme) {
  return [...readFileSync(readme, 'utf8').matchAll(/```(?:js|javascript|mjs)\n([\s\S]*?)```/g)]
    .map((m) => m[1])
    .filter((code) => /from ['"]@billkit\//.test(code));
}

/** Writes each block next to the package in `dir` (so @billkit packages resolve there) and runs it. */
function runBlocks(label, dir, blocks) {
  const scratch = join(dir, '.readme-examples');
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch);
  blocks.forEach((code, i) => {
    const file = join(scratch, `example-${i + 1}.mjs`);
    writeFileSync(file, code);
    const result = spawnSync(process.execPath, [file], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    ran++;
    if (result.status === 0) console.log(`✔ ${label} example ${i + 1}`);
    else {
      failed++;
      console.error(
        `✖ ${label} example ${i + 1} (exit ${result.status})\n${result.stdout}\n${result.stderr}`,
      );
    }
  });
  rmSync(scratch, { recursive: true, force: true });
}

console.log(`${ran} README examples run, ${failed} failure(s)`);
process.exit(failed ? 1 : 0);

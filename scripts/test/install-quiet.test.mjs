// The install says nothing a newcomer has to puzzle over: no "Failed to create bin" (a bin pointing at a build
// output that does not exist yet at install time) and no "Ignored build scripts" box (a dependency with an
// install script that is neither allowed nor deliberately ignored in package.json's pnpm settings).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

const root = new URL('../..', import.meta.url).pathname;
const tracked = new Set(execFileSync('git', ['ls-files'], { cwd: root, encoding: 'utf8' }).split('\n'));
const manifests = [...tracked].filter((file) =>
  /^(packages|apps|tests|examples)\/[^/]+\/package\.json$/.test(file),
);

test('every workspace bin is a committed, executable file, so installing creates its link', () => {
  const bins = manifests.flatMap((manifest) => {
    const pkg = JSON.parse(readFileSync(join(root, manifest), 'utf8'));
    const entries = typeof pkg.bin === 'string' ? { [pkg.name]: pkg.bin } : (pkg.bin ?? {});
    const dir = manifest.slice(0, -'package.json'.length);
    return Object.entries(entries).map(([name, path]) => ({
      name,
      file: join(dir, path).replace(/^\.\//, ''),
    }));
  });
  assert.ok(
    bins.some((bin) => bin.name === 'billkit-db'),
    'billkit-db is a bin',
  );
  for (const bin of bins) {
    assert.ok(tracked.has(bin.file), `${bin.name} → ${bin.file} is committed (not a build output)`);
    assert.ok(statSync(join(root, bin.file)).mode & 0o100, `${bin.file} is executable`);
  }
});

test('no dependency build script was ignored without being listed', () => {
  const state = join(root, 'node_modules/.modules.yaml');
  assert.ok(existsSync(state), 'the workspace is installed');
  const ignored = /"ignoredBuilds":\s*\[([^\]]*)\]/.exec(readFileSync(state, 'utf8'))?.[1]?.trim() ?? '';
  assert.equal(ignored, '', `pnpm ignored build scripts of: ${ignored}`);
});

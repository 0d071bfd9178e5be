// The maintainer's release flow, run on a scratch copy of the repository so the real working tree,
// its .changeset folder and its package versions are never touched.
//
// Why a copy of the working tree and not `git worktree`/`git clone`: a clone only has committed files,
// and the point of this test is to release what is in front of us (in CI the working tree *is* the
// clean clone). Why not `pnpm install --offline` in the copy: it takes minutes on 2 cores and needs the
// pnpm store. Instead the scratch copy gets:
//   - every file git would track (`git ls-files --cached --others --exclude-standard`), so no dist/,
//     node_modules/, .env or other ignored files sneak into the release;
//   - `node_modules` at the root as a symlink to the real one (pnpm's virtual store, read-only here);
//   - each workspace project's own `node_modules` copied with `cp -a` (pnpm puts only relative
//     symlinks there: `../../../node_modules/.pnpm/...` resolves through the root symlink, and
//     `@billkit/x -> ../../x` resolves to the *scratch* sibling, so builds use the scratch sources);
//   - a fresh `git init` + commit, because `changeset publish` tags each release in git.
// Builds run for real in the copy (no dist is copied), exactly as `pnpm release` would on a clean clone.
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { check, run, tail } from './util.mjs';

const STEP = 'release';

function readJson(path) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** Workspace project directories (relative), from pnpm-workspace.yaml's `dir/*` globs. */
export function workspaceProjects(root) {
  const yaml = readFileSync(join(root, 'pnpm-workspace.yaml'), 'utf8');
  const globs = [...yaml.matchAll(/^\s*-\s*['"]?([^'"\n]+?)['"]?\s*$/gm)].map((m) => m[1]);
  const projects = [];
  for (const glob of globs) {
    if (!glob.endsWith('/*')) continue;
    const parent = glob.slice(0, -2);
    if (!existsSync(join(root, parent))) continue;
    for (const name of readdirSync(join(root, parent))) {
      if (existsSync(join(root, parent, name, 'package.json'))) projects.push(`${parent}/${name}`);
    }
  }
  return projects;
}

/** Public packages: workspace projects whose package.json is not private. */
export function publicPackages(root) {
  return workspaceProjects(root)
    .map((dir) => ({ dir, manifest: readJson(join(root, dir, 'package.json')) }))
    .filter(({ manifest }) => !manifest.private)
    .map(({ dir, manifest }) => ({ dir, name: manifest.name, version: manifest.version, manifest }));
}

/** For `--only`: the named packages plus every @billkit package they depend on, transitively. */
function closure(root, names) {
  const byName = new Map(
    workspaceProjects(root).map((dir) => [readJson(join(root, dir, 'package.json')).name, dir]),
  );
  const keep = new Set();
  const visit = (name) => {
    if (keep.has(name) || !byName.has(name)) return;
    keep.add(name);
    const manifest = readJson(join(root, byName.get(name), 'package.json'));
    for (const dep of Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies })) visit(dep);
  };
  for (const name of names) visit(name);
  return { keep, byName };
}

/** Removes workspace projects outside `only` from the scratch copy and from its changesets. */
function prune(scratch, only) {
  const { keep, byName } = closure(scratch, only);
  for (const [name, dir] of byName)
    if (!keep.has(name)) rmSync(join(scratch, dir), { recursive: true, force: true });
  const changesetDir = join(scratch, '.changeset');
  const configPath = join(changesetDir, 'config.json');
  const config = readJson(configPath);
  config.ignore = (config.ignore ?? []).filter((name) => keep.has(name));
  writeFileSync(configPath, `${JSON.stringify(config, null, 2)}\n`);
  for (const { file, releases, summary } of readChangesets(scratch)) {
    const kept = [...releases].filter(([name]) => keep.has(name));
    if (releases.size === 0) console.log(`  - --only: dropping .changeset/${file}: no parsable front matter`);
    if (kept.length === 0) rmSync(join(changesetDir, file));
    else {
      const front = kept.map(([name, bump]) => `"${name}": ${bump}`).join('\n');
      writeFileSync(join(changesetDir, file), `---\n${front}\n---\n\n${summary}\n`);
    }
  }
}

export async function makeScratchCopy(repoRoot, scratch, { only } = {}) {
  const listed = await run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: repoRoot,
  });
  if (listed.code !== 0) throw new Error(`git ls-files failed: ${tail(listed)}`);
  // node_modules is never copied (it is linked below), even if a symlink of that name is tracked.
  const files = listed.stdout
    .split('\0')
    .filter(Boolean)
    .filter((f) => !f.split('/').includes('node_modules'));
  let copied = 0;
  for (const file of files) {
    const from = join(repoRoot, file);
    if (!existsSync(from)) continue; // deleted in the working tree
    mkdirSync(dirname(join(scratch, file)), { recursive: true });
    cpSync(from, join(scratch, file), { verbatimSymlinks: true });
    copied++;
  }
  symlinkSync(realpathSync(join(repoRoot, 'node_modules')), join(scratch, 'node_modules'));
  for (const project of workspaceProjects(repoRoot)) {
    const modules = join(repoRoot, project, 'node_modules');
    if (!existsSync(modules)) continue;
    const result = await run('cp', ['-a', modules, join(scratch, project, 'node_modules')]);
    if (result.code !== 0) throw new Error(`copying ${project}/node_modules failed: ${tail(result)}`);
  }
  if (only?.length) prune(scratch, only);
  const git = (args) =>
    run('git', args, {
      cwd: scratch,
      env: {
        GIT_AUTHOR_NAME: 'billkit adoption test',
        GIT_AUTHOR_EMAIL: 'adoption@billkit.invalid',
        GIT_COMMITTER_NAME: 'billkit adoption test',
        GIT_COMMITTER_EMAIL: 'adoption@billkit.invalid',
      },
    });
  for (const args of [
    ['init', '-q', '-b', 'main'],
    ['add', '-A'],
    ['commit', '-q', '--no-verify', '--no-gpg-sign', '-m', 'scratch copy for the adoption test'],
  ]) {
    const result = await git(args);
    if (result.code !== 0) throw new Error(`git ${args.join(' ')} failed: ${tail(result)}`);
  }
  return { copied, git };
}

/** Pending changesets: [{ file, releases: Map(name → bump), summary }]. */
export function readChangesets(root) {
  const dir = join(root, '.changeset');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.md') && f !== 'README.md')
    .map((file) => {
      const text = readFileSync(join(dir, file), 'utf8');
      const [, front = '', ...rest] = text.split(/^---\s*$/m);
      const releases = new Map();
      for (const m of front.matchAll(/^\s*["']?([^"'\s:]+)["']?\s*:\s*(major|minor|patch)\s*$/gm)) {
        releases.set(m[1], m[2]);
      }
      return { file, releases, summary: rest.join('---').trim() };
    });
}

const RANK = { patch: 1, minor: 2, major: 3 };

export function bumpVersion(version, bump) {
  const [major, minor, patch] = version.split('-')[0].split('.').map(Number);
  if (bump === 'major') return `${major + 1}.0.0`;
  if (bump === 'minor') return `${major}.${minor + 1}.0`;
  return `${major}.${minor}.${patch + 1}`;
}

export function compareVersions(a, b) {
  const pa = a.split('-')[0].split('.').map(Number);
  const pb = b.split('-')[0].split('.').map(Number);
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return pa[i] - pb[i];
  return 0;
}

/**
 * `pnpm changeset version` in the scratch copy, then checks what a reviewer would check in the
 * resulting diff. Returns Map(name → { dir, before, after }).
 */
export async function versionPackages(scratch, env) {
  const before = publicPackages(scratch);
  const changesets = readChangesets(scratch);
  const expectedBump = new Map();
  for (const { releases } of changesets) {
    for (const [name, bump] of releases) {
      if (!expectedBump.has(name) || RANK[bump] > RANK[expectedBump.get(name)]) expectedBump.set(name, bump);
    }
  }
  for (const { file, releases } of changesets) {
    check(
      STEP,
      `.changeset/${file} has front matter naming packages and bumps`,
      releases.size > 0,
      'expected the file to start with ---, then lines like "@billkit/x": minor, then ---',
    );
  }
  check(
    STEP,
    `found ${changesets.length} pending changeset(s) naming ${[...expectedBump.keys()].join(', ') || 'nothing'}`,
    changesets.length > 0,
    'no changesets to release',
  );

  const result = await run('pnpm', ['changeset', 'version'], { cwd: scratch, env, timeoutMs: 120_000 });
  if (
    !check(
      STEP,
      `pnpm changeset version exits 0 (${(result.ms / 1000).toFixed(1)}s)`,
      result.code === 0,
      tail(result),
    )
  ) {
    return null;
  }

  const after = new Map(publicPackages(scratch).map((p) => [p.name, p]));
  const versions = new Map();
  for (const pkg of before) {
    const now = after.get(pkg.name);
    versions.set(pkg.name, { dir: pkg.dir, before: pkg.version, after: now.version });
    const bump = expectedBump.get(pkg.name);
    if (bump) {
      const expected = bumpVersion(pkg.version, bump);
      check(
        STEP,
        `${pkg.name}: ${pkg.version} → ${now.version} (${bump} changeset)`,
        now.version === expected,
        `expected ${expected}`,
      );
    } else if (now.version !== pkg.version) {
      // Dependents are patch-bumped when a dependency they range on moves out of range.
      check(
        STEP,
        `${pkg.name}: ${pkg.version} → ${now.version} (dependent bump)`,
        compareVersions(now.version, pkg.version) > 0,
        'version went backwards',
      );
    }
    if (now.version !== pkg.version) {
      const changelogPath = join(scratch, pkg.dir, 'CHANGELOG.md');
      const changelog = existsSync(changelogPath) ? readFileSync(changelogPath, 'utf8') : '';
      const summaries = changesets
        .filter((c) => c.releases.has(pkg.name))
        .map((c) => c.summary.split('\n')[0].trim());
      const missing = summaries.filter((s) => !changelog.includes(s));
      check(
        STEP,
        `${pkg.name}: CHANGELOG.md has "## ${now.version}"${summaries.length ? ' and the changeset text' : ''}`,
        changelog.includes(`## ${now.version}`) && missing.length === 0,
        changelog ? `missing: ${missing.join(' | ') || `## ${now.version}`}` : 'CHANGELOG.md not written',
      );
    }
    // Internal ranges stay `workspace:` in the sources (that is pnpm's contract); `pnpm publish`
    // must rewrite them, which the tarball check verifies on the published manifests.
    for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
      for (const [dep, range] of Object.entries(now.manifest[field] ?? {})) {
        if (dep.startsWith('@billkit/') && !range.startsWith('workspace:')) {
          check(STEP, `${pkg.name} → ${dep} uses a workspace: range in source`, false, `found "${range}"`);
        }
      }
    }
  }
  const leftover = readChangesets(scratch);
  check(STEP, 'consumed every changeset file', leftover.length === 0, leftover.map((c) => c.file).join(', '));
  return versions;
}

/** Runs the project's own `pnpm release` against the local registry. */
export async function releasePackages(scratch, env, npmrcText) {
  // pnpm publish and npm info read the project .npmrc; the env covers changesets' own registry logic.
  writeFileSync(join(scratch, '.npmrc'), npmrcText);
  const result = await run('pnpm', ['release'], { cwd: scratch, env, timeoutMs: 300_000 });
  // turbo's own summary hides the cause; surface the error lines first.
  const errors = `${result.stdout}\n${result.stderr}`
    .split('\n')
    .filter((line) => /error TS\d+|\berror\b.*:|ERR!|ERR_PNPM|\bE\d{3}\b/i.test(line))
    .slice(0, 20)
    .join('\n');
  check(
    STEP,
    `pnpm release exits 0 (${(result.ms / 1000).toFixed(1)}s)`,
    result.code === 0,
    `${errors}\n…\n${tail(result, 12)}`,
  );
  rmSync(join(scratch, '.npmrc'), { force: true });
  return result;
}

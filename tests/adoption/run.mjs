#!/usr/bin/env node
// Adoption test: release billkit to a local registry the way a maintainer would, then install it into
// host applications the way a user would. Run with `pnpm test:adoption` (after `pnpm install`).
//
//   node run.mjs                  the whole flow (what CI runs)
//   node run.mjs --only=@billkit/money,@billkit/billing-core
//                                 development aid: the scratch copy keeps only these packages (and
//                                 the @billkit packages they depend on); hosts needing others skip
//   node run.mjs --keep           keep the temp folders (printed at the end) for debugging
//
// Steps: 1 Verdaccio on 127.0.0.1 · 2 scratch copy, `pnpm changeset version`, `pnpm release`
// 3 tarball contents · 4 production dependency trees and 5 host apps (ESM, CJS, TypeScript, db),
// concurrently · summary. Exits 1 if any check failed.
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dbCliChecks } from './lib/db-cli.mjs';
import { checkDependencyTree } from './lib/deps.mjs';
import { runHosts } from './lib/host-steps.mjs';
import { makeScratchCopy, publicPackages, releasePackages, versionPackages } from './lib/release.mjs';
import { checkTarball } from './lib/tarballs.mjs';
import { check, makeTempDir, results, run, StepFailure, seconds } from './lib/util.mjs';
import { getPackument, startVerdaccio } from './lib/verdaccio.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '..', '..');
const examplesDir = join(repoRoot, 'examples');
const args = process.argv.slice(2);
const only = args
  .find((a) => a.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',')
  .filter(Boolean);
const keep = args.includes('--keep');
// .ci/run sets CI=true and starts MariaDB; there the db host's MariaDB half is required, not optional.
const requireMariaDb =
  /^(1|true)$/i.test(process.env.CI ?? '') || process.env.ADOPTION_REQUIRE_MARIADB === '1';

/** The environment every child process gets: no inherited npm/pnpm script variables. */
function cleanEnv(extra) {
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm_|pnpm_|PNPM_|INIT_CWD$|TURBO_HASH$)/i.test(key)) continue;
    env[key] = value;
  }
  return { ...env, CI: 'true', TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1', ...extra };
}

const timings = [];
async function timed(label, fn) {
  const started = Date.now();
  console.log(`\n\u001b[1m== ${label} ==\u001b[0m`);
  try {
    return await fn();
  } finally {
    timings.push([label, Date.now() - started]);
  }
}

const started = Date.now();
const tmp = makeTempDir('run');
let registry;
let fatal;
process.on('SIGINT', async () => {
  await registry?.stop();
  process.exit(130);
});

try {
  registry = await timed('Verdaccio on 127.0.0.1', async () => {
    const r = await startVerdaccio(join(tmp, 'registry'));
    check('registry', `Verdaccio ${r.url} up with an empty storage; user token issued`, true);
    return r;
  });
  // Replace process.env for everything below: child processes of lib/* inherit it.
  const env = cleanEnv({ npm_config_registry: registry.url });
  for (const key of Object.keys(process.env)) delete process.env[key];
  Object.assign(process.env, env);

  const scratch = join(tmp, 'repo');
  const released = await timed('Release flow on a scratch copy', async () => {
    const { copied } = await makeScratchCopy(repoRoot, scratch, { only });
    check(
      'release',
      `scratch copy: ${copied} files${only ? ` (only ${only.join(', ')} and their deps)` : ''}`,
      true,
    );
    const versions = await versionPackages(scratch, env);
    if (!versions) return new Map();
    await releasePackages(scratch, env, registry.npmrc());
    const out = new Map();
    for (const { name, version } of publicPackages(scratch)) {
      const packument = await getPackument(registry.url, name);
      const ok = Boolean(packument?.versions?.[version]);
      check('release', `${name}@${version} published`, ok, 'not on the local registry');
      if (ok) out.set(name, version);
    }
    // `changeset publish` tags each released version, as it would in the maintainer's clone.
    const tags = (await run('git', ['tag', '-l'], { cwd: scratch })).stdout.split('\n').filter(Boolean);
    const untagged = [...out].map(([n, v]) => `${n}@${v}`).filter((t) => !tags.includes(t));
    check(
      'release',
      `git tags created for the ${out.size} released version(s)`,
      out.size > 0 && untagged.length === 0,
      `missing tags: ${untagged.join(', ')}`,
    );
    return out;
  });

  if (released.size === 0) {
    throw new StepFailure(
      'nothing was released to the local registry, so the tarball, dependency and host steps cannot run (see the release step above)',
    );
  }

  await timed('Tarball contents', async () => {
    const dir = join(tmp, 'tarballs');
    mkdirSync(dir, { recursive: true });
    for (const [name, version] of released) {
      await checkTarball(registry.url, name, version, dir, released);
    }
  });

  // Dependency trees (lockfile-only resolutions) run while the host apps install.
  await timed('Dependency trees and host apps', () =>
    Promise.all([
      ...[...released].map(([name, version]) =>
        checkDependencyTree(tmp, registry.url, registry.npmrc(), name, version),
      ),
      runHosts({ examplesDir, tmp, registry, released, partial: Boolean(only), requireMariaDb }),
      dbCliChecks({ tmp, registry, released, partial: Boolean(only) }),
    ]),
  );
} catch (error) {
  fatal = error;
  if (error instanceof StepFailure) check('runner', 'later steps skipped', false, error.message);
  else check('runner', 'the run completed without an internal error', false, error?.stack ?? String(error));
} finally {
  await registry?.stop();
  if (!keep) rmSync(tmp, { recursive: true, force: true });
}

const failed = results.filter((r) => !r.ok);
console.log('\n\u001b[1m== Summary ==\u001b[0m');
for (const [label, ms] of timings) console.log(`  ${seconds(ms).padStart(7)}  ${label}`);
const byStep = new Map();
for (const r of results) {
  const s = byStep.get(r.step) ?? { ok: 0, failed: 0 };
  s[r.ok ? 'ok' : 'failed']++;
  byStep.set(r.step, s);
}
for (const [step, s] of byStep)
  console.log(`  ${step.padEnd(14)} ${s.ok} passed${s.failed ? `, ${s.failed} FAILED` : ''}`);
if (failed.length) {
  console.log('\nFailed checks:');
  for (const r of failed) console.log(`  \u2716 [${r.step}] ${r.name}`);
}
if (keep) console.log(`\ntemp folders kept in ${tmp}`);
else if (existsSync(tmp)) console.log(`\nwarning: could not remove ${tmp}`);
console.log(
  `\n${failed.length || fatal ? '\u001b[1;31madoption test FAILED' : '\u001b[1;32madoption test passed'}\u001b[0m: ${results.length - failed.length}/${results.length} checks in ${seconds(Date.now() - started)}`,
);
process.exit(failed.length || fatal ? 1 : 0);

// Host applications: each example in /examples is copied to a temp folder outside the workspace,
// its @billkit/* dependencies pinned to the versions just released, and installed with plain
// `npm install` from the local registry — no pnpm, no workspace links, no path tricks.
import { cpSync, existsSync, lstatSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { check, run, tail } from './util.mjs';
import { getPackument } from './verdaccio.mjs';

/** Copies an example and installs it; returns the host dir or null when the install failed. */
export async function installHost(exampleDir, hostDir, { registryUrl, npmrc, released, step }) {
  cpSync(exampleDir, hostDir, {
    recursive: true,
    filter: (src) =>
      !/(^|\/)(node_modules|data|dist)(\/|$)/.test(src.slice(exampleDir.length)) &&
      !/\.(db|tsbuildinfo)$/.test(src),
  });
  const manifestPath = join(hostDir, 'package.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  const missing = [];
  for (const field of ['dependencies', 'devDependencies']) {
    for (const dep of Object.keys(manifest[field] ?? {})) {
      if (!dep.startsWith('@billkit/')) continue;
      if (released.has(dep)) manifest[field][dep] = released.get(dep);
      else missing.push(dep);
    }
  }
  if (missing.length) {
    check(step, `install ${manifest.name}`, false, `not released in this run: ${missing.join(', ')}`);
    return null;
  }
  writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  writeFileSync(
    join(hostDir, '.npmrc'),
    `${npmrc}fund=false\naudit=false\nupdate-notifier=false\npackage-lock=true\n`,
  );
  const result = await run('npm', ['install', '--no-audit', '--no-fund', '--registry', registryUrl], {
    cwd: hostDir,
    env: { npm_config_registry: registryUrl },
    timeoutMs: 240_000,
  });
  const ok = check(
    step,
    `npm install ${manifest.name} from the local registry (${(result.ms / 1000).toFixed(1)}s)`,
    result.code === 0,
    tail(result),
  );
  if (!ok) return null;
  // Proof of "no links": every @billkit package in the host is a real folder unpacked from the
  // tarball the registry serves (same integrity hash), not a symlink into the workspace.
  const problems = [];
  const lock = JSON.parse(readFileSync(join(hostDir, 'package-lock.json'), 'utf8'));
  for (const [path, entry] of Object.entries(lock.packages ?? {})) {
    if (!path.includes('node_modules/@billkit/')) continue;
    const name = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    const published = (await getPackument(registryUrl, name))?.versions?.[entry.version];
    if (entry.link || lstatSync(join(hostDir, path)).isSymbolicLink()) problems.push(`${path} is a link`);
    else if (!published || published.dist.integrity !== entry.integrity)
      problems.push(`${path}@${entry.version}: integrity ${entry.integrity} is not the registry's`);
  }
  check(
    step,
    `${manifest.name}: every @billkit package is a registry tarball (integrity matches), no links`,
    problems.length === 0,
    problems.join('\n'),
  );
  return hostDir;
}

/** Runs a host command and returns the last JSON line it printed (the hosts print their results). */
export async function runHostJson(step, label, hostDir, command, args, env = {}) {
  const result = await run(command, args, { cwd: hostDir, env, timeoutMs: 120_000 });
  if (!check(step, `${label} exits 0`, result.code === 0, tail(result))) return null;
  const line = result.stdout
    .trim()
    .split('\n')
    .reverse()
    .find((l) => l.trim().startsWith('{'));
  try {
    return { json: JSON.parse(line), stdout: result.stdout };
  } catch {
    check(step, `${label} prints a JSON summary line`, false, tail(result));
    return null;
  }
}

export function exampleExists(examplesDir, name) {
  return existsSync(join(examplesDir, name, 'package.json'));
}

/** The @billkit packages an example depends on. */
export function billkitDependencies(exampleDir) {
  const manifest = JSON.parse(readFileSync(join(exampleDir, 'package.json'), 'utf8'));
  return Object.keys({ ...manifest.dependencies, ...manifest.devDependencies }).filter((d) =>
    d.startsWith('@billkit/'),
  );
}

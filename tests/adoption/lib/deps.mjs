// "Installing one engine pulls in nothing it does not use": for each public package, a host that
// depends on that package alone is resolved from the registry and its production dependency tree
// (`npm ls --all --omit=dev --json`) is compared with an allow-list written here by hand — not
// derived from the package.json under test, or the check would prove nothing.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { check, run, tail } from './util.mjs';

const STEP = 'dependencies';

const MONEY = ['@billkit/money', 'big.js', '@types/big.js', 'zod'];
const ENGINES = [...MONEY, '@billkit/tax', '@billkit/discount', '@billkit/proration', 'luxon'];
const CORE = [...ENGINES, '@billkit/billing-core'];

/**
 * allowed: every name that may appear anywhere in the tree (the package itself included).
 * opaqueRoots: third-party packages whose own subtrees are not enumerated here (drivers with
 *   their native/build helpers); names below them still pass the global deny-list.
 */
export const ALLOW = {
  '@billkit/money': { allowed: MONEY },
  '@billkit/tax': { allowed: [...MONEY, '@billkit/tax'] },
  '@billkit/discount': { allowed: [...MONEY, '@billkit/discount'] },
  '@billkit/proration': { allowed: [...MONEY, '@billkit/proration', 'luxon'] },
  '@billkit/billing-core': { allowed: CORE },
  '@billkit/tilled': { allowed: [...CORE, '@billkit/tilled'] },
  '@billkit/db': {
    allowed: [
      ...CORE,
      '@billkit/db',
      '@prisma/client',
      '@prisma/driver-adapter-utils',
      '@prisma/adapter-mariadb',
      'libsql',
      'mariadb',
      'canonicalize',
      'cli-progress',
      'commander',
      'ulid',
    ],
    // libsql's prebuilt binaries are optional dependencies of it, one per platform (no compiler, no download).
    opaqueRoots: [
      '@prisma/client',
      '@prisma/driver-adapter-utils',
      '@prisma/adapter-mariadb',
      'libsql',
      'mariadb',
      'cli-progress',
    ],
  },
};
ALLOW['@billkit/workflows'] = {
  allowed: [...ALLOW['@billkit/db'].allowed, '@billkit/tilled', '@billkit/workflows'],
  opaqueRoots: ALLOW['@billkit/db'].opaqueRoots,
};

/** Never in any billkit package's production tree: frameworks, build and test tools, the CLI of Prisma. */
const DENY = [
  /^fastify$/,
  /^@fastify\//,
  /^express$/,
  /^koa$/,
  /^prisma$/,
  /^@prisma\/(internals|migrate|cli|studio.*)$/,
  /^typescript$/,
  /^vitest$/,
  /^@vitest\//,
  /^tsup$/,
  /^tsx$/,
  /^esbuild$/,
  /^@billkit\/api$/,
  /^verdaccio/,
];

/** Flattens `npm ls --json` into [{ name, version, path: [ancestors…] }]. */
export function flatten(tree) {
  const out = [];
  const visit = (deps, path) => {
    for (const [name, node] of Object.entries(deps ?? {})) {
      // Optional peers that are not installed (e.g. @prisma/client's `prisma` and `typescript`)
      // show up as empty placeholders without a version: they are not in the tree.
      if (!node.version) continue;
      out.push({ name, version: node.version, path });
      visit(node.dependencies, [...path, name]);
    }
  };
  visit(tree.dependencies, []);
  return out;
}

export function judgeTree(pkg, nodes) {
  const rule = ALLOW[pkg];
  const problems = [];
  if (!rule) return [`no allow-list written for ${pkg}; add one to tests/adoption/lib/deps.mjs`];
  for (const node of nodes) {
    const where = [...node.path, node.name].join(' > ');
    if (DENY.some((re) => re.test(node.name))) problems.push(`denied: ${where}`);
    const underOpaque = node.path.some((ancestor) => rule.opaqueRoots?.includes(ancestor));
    if (!underOpaque && !rule.allowed.includes(node.name)) problems.push(`not on the allow-list: ${where}`);
  }
  return problems;
}

/**
 * Resolves `name@version` alone in a fresh folder (lockfile only: no tarballs, no install
 * scripts, so this is fast) and checks the production tree.
 */
export async function checkDependencyTree(workdir, registryUrl, npmrc, name, version) {
  const dir = join(workdir, `deps-${name.replace('/', '-')}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'deps-probe', private: true, dependencies: { [name]: version } }),
  );
  writeFileSync(join(dir, '.npmrc'), npmrc);
  const env = { npm_config_registry: registryUrl };
  const install = await run(
    'npm',
    ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund'],
    {
      cwd: dir,
      env,
      timeoutMs: 180_000,
    },
  );
  if (!check(STEP, `${name}: resolves alone from the registry`, install.code === 0, tail(install)))
    return null;
  const ls = await run('npm', ['ls', '--all', '--omit=dev', '--json', '--package-lock-only'], {
    cwd: dir,
    env,
  });
  let tree;
  try {
    tree = JSON.parse(ls.stdout);
  } catch {
    check(STEP, `${name}: npm ls --all --omit=dev --json`, false, tail(ls));
    return null;
  }
  const nodes = flatten(tree);
  const names = [...new Set(nodes.map((n) => n.name))].sort();
  const problems = judgeTree(name, nodes);
  check(
    STEP,
    `${name}: production tree is ${names.length} package(s)${names.length <= 12 ? ` (${names.join(', ')})` : ''}, all allowed`,
    problems.length === 0,
    problems.slice(0, 20).join('\n'),
  );
  return names;
}

// Fetches every published tarball back from the registry (what a user would download, not what we
// think we packed) and checks its file list, its source maps and its manifest.
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { check, run, tail } from './util.mjs';
import { getPackument } from './verdaccio.mjs';

const STEP = 'tarballs';

/** Files every package ships at its root (CHANGELOG.md appears once it has been versioned). */
const ROOT_FILES = new Set(['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md']);

/** Paths that must never be published, whatever `files` says. */
const FORBIDDEN = [
  [/(^|\/)\.env(\.|$)/, 'an .env file'],
  [/(^|\/)(test|tests|__tests__|__mocks__|fixtures)\//, 'a test folder'],
  [/\.(test|spec)\.[cm]?[jt]sx?$/, 'a test file'],
  [
    /(^|\/)(tsconfig[^/]*\.json|tsup\.config\.[cm]?[jt]s|vitest\.config\.[cm]?[jt]s|biome\.json)$/,
    'build/test config',
  ],
  [/(^|\/)(node_modules|\.turbo|\.vite|coverage)\//, 'a tool folder'],
  [/(^|\/)TASK\.md$/, 'an internal task note'],
  [/(^|\/)src\/.*\.(?<!\.d\.)[cm]?tsx?$/, 'TypeScript source'],
  [/\.(db|db-journal|sqlite|sqlite3|log|tsbuildinfo)$/, 'a local database or build artefact'],
];

/**
 * Extra published paths a package may declare in `files` besides dist and the root files — e.g.
 * @billkit/db's migrations. Each `files` entry becomes a prefix (folder) or exact file allowance.
 */
function allowancesFromFiles(manifest) {
  const allow = [];
  for (const entry of manifest.files ?? []) {
    const clean = entry
      .replace(/^\.\//, '')
      .replace(/\/\*\*?(\/\*)?$/, '')
      .replace(/\/$/, '');
    if (ROOT_FILES.has(clean) || clean === 'dist') continue;
    allow.push(clean);
  }
  return allow;
}

function isAllowed(file, extras) {
  if (ROOT_FILES.has(file)) return true;
  if (file.startsWith('dist/')) return true;
  return extras.some((prefix) => file === prefix || file.startsWith(`${prefix}/`) || globMatch(prefix, file));
}

function globMatch(pattern, file) {
  if (!pattern.includes('*')) return false;
  const re = new RegExp(
    `^${pattern
      .split('**')
      .map((part) =>
        part
          .split('*')
          .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
          .join('[^/]*'),
      )
      .join('.*')}$`,
  );
  return re.test(file);
}

/** Every file the manifest points at (exports, main, module, types, bin) must be in the tarball. */
function referencedFiles(manifest) {
  const out = new Set();
  const visit = (value) => {
    if (typeof value === 'string') {
      if (value.startsWith('./') && !value.includes('*')) out.add(value.slice(2));
    } else if (value && typeof value === 'object') {
      for (const v of Object.values(value)) visit(v);
    }
  };
  visit(manifest.exports);
  for (const field of ['main', 'module', 'types', 'typings']) {
    if (typeof manifest[field] === 'string') out.add(manifest[field].replace(/^\.\//, ''));
  }
  if (typeof manifest.bin === 'string') out.add(manifest.bin.replace(/^\.\//, ''));
  else for (const v of Object.values(manifest.bin ?? {})) out.add(v.replace(/^\.\//, ''));
  return [...out];
}

function walk(dir, base = dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...walk(full, base));
    else out.push(full.slice(base.length + 1));
  }
  return out;
}

/**
 * Downloads and unpacks `name@version` from the registry into `workdir`; checks it.
 * `expectedVersions` is Map(name → version) of everything released in this run.
 */
export async function checkTarball(registryUrl, name, version, workdir, expectedVersions) {
  const packument = await getPackument(registryUrl, name);
  const published = packument?.versions?.[version];
  if (
    !check(
      STEP,
      `${name}@${version} is on the registry`,
      published,
      packument ? `versions: ${Object.keys(packument.versions ?? {}).join(', ')}` : '404',
    )
  ) {
    return null;
  }
  check(
    STEP,
    `${name}: dist-tag latest → ${version}`,
    packument['dist-tags']?.latest === version,
    JSON.stringify(packument['dist-tags']),
  );

  const response = await fetch(published.dist.tarball);
  const tgz = join(workdir, `${name.replace('/', '-')}-${version}.tgz`);
  writeFileSync(tgz, Buffer.from(await response.arrayBuffer()));
  const unpackDir = join(workdir, `${name.replace('/', '-')}-${version}`);
  mkdirSync(unpackDir, { recursive: true });
  const untar = await run('tar', ['-xzf', tgz, '-C', unpackDir]);
  if (!check(STEP, `${name}: tarball unpacks`, untar.code === 0, tail(untar))) return null;
  const root = join(unpackDir, 'package');
  const files = walk(root).sort();
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

  // 1. Only what should be there.
  const extras = allowancesFromFiles(manifest);
  const unexpected = files.filter((f) => !isAllowed(f, extras));
  const forbidden = files.flatMap((f) =>
    FORBIDDEN.filter(([re]) => re.test(f)).map(([, why]) => `${f} (${why})`),
  );
  check(
    STEP,
    `${name}: ${files.length} files, only package.json/README/LICENSE/CHANGELOG/dist${extras.length ? `/${extras.join('/')}` : ''}`,
    unexpected.length === 0 && forbidden.length === 0,
    [...unexpected.map((f) => `unexpected: ${f}`), ...forbidden.map((f) => `forbidden: ${f}`)].join('\n'),
  );
  const missingRoot = [...ROOT_FILES].filter((f) => !files.includes(f));
  check(
    STEP,
    `${name}: ships package.json, README.md, LICENSE and CHANGELOG.md`,
    missingRoot.length === 0,
    `missing: ${missingRoot.join(', ')}`,
  );
  const missingRefs = referencedFiles(manifest).filter((f) => !files.includes(f));
  check(
    STEP,
    `${name}: every file named by exports/main/module/types/bin is present`,
    missingRefs.length === 0,
    `missing: ${missingRefs.join(', ')}`,
  );

  // 2. Source maps must not point at files the tarball lacks.
  const problems = [];
  for (const file of files.filter((f) => /\.[cm]?[jt]s$/.test(f))) {
    const text = readFileSync(join(root, file), 'utf8');
    const match = text.match(/\/\/# sourceMappingURL=(\S+)\s*$/);
    if (!match || match[1].startsWith('data:')) continue;
    const mapPath = posix.normalize(posix.join(posix.dirname(file), match[1]));
    if (!files.includes(mapPath)) problems.push(`${file} → ${mapPath} (map missing)`);
  }
  for (const file of files.filter((f) => f.endsWith('.map'))) {
    const map = JSON.parse(readFileSync(join(root, file), 'utf8'));
    (map.sources ?? []).forEach((source, i) => {
      const resolved = posix.normalize(posix.join(posix.dirname(file), map.sourceRoot ?? '', source));
      const inlined = typeof map.sourcesContent?.[i] === 'string';
      if (!inlined && !files.includes(resolved))
        problems.push(`${file}: source ${source} is neither shipped nor inlined`);
    });
  }
  check(
    STEP,
    `${name}: source maps resolve inside the tarball (or there are none)`,
    problems.length === 0,
    problems.slice(0, 10).join('\n'),
  );

  // 3. The published manifest: real semver ranges, pointing at what was released.
  const rangeProblems = [];
  for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
    for (const [dep, range] of Object.entries(manifest[field] ?? {})) {
      if (range.startsWith('workspace:') || range.startsWith('link:') || range.startsWith('file:')) {
        rangeProblems.push(`${field}.${dep} = "${range}"`);
      } else if (expectedVersions.has(dep) && !satisfiesCaretOrExact(expectedVersions.get(dep), range)) {
        rangeProblems.push(
          `${field}.${dep} = "${range}" does not accept the released ${expectedVersions.get(dep)}`,
        );
      }
    }
  }
  check(
    STEP,
    `${name}: published manifest has real semver ranges for internal deps`,
    rangeProblems.length === 0,
    rangeProblems.join('\n'),
  );
  check(
    STEP,
    `${name}: published manifest is not private and has version ${version}`,
    !manifest.private && manifest.version === version,
    `private=${manifest.private} version=${manifest.version}`,
  );
  return { name, version, files, manifest, root };
}

/** Enough semver for the ranges pnpm writes: "1.2.3", "^1.2.3", "~1.2.3". */
export function satisfiesCaretOrExact(version, range) {
  const parse = (v) => v.split('-')[0].split('.').map(Number);
  const m = range.trim().match(/^([\^~]?)(\d+\.\d+\.\d+)$/);
  if (!m) return false;
  const [op, base] = [m[1], parse(m[2])];
  const v = parse(version);
  const cmp = v[0] - base[0] || v[1] - base[1] || v[2] - base[2];
  if (op === '') return cmp === 0;
  if (cmp < 0) return false;
  if (op === '~') return v[0] === base[0] && v[1] === base[1];
  if (base[0] > 0) return v[0] === base[0];
  if (base[1] > 0) return v[0] === 0 && v[1] === base[1];
  return v[0] === 0 && v[1] === 0 && v[2] === base[2];
}

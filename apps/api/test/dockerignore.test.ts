import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// The Dockerfile builds from the repository root (`COPY . .`), so the root .dockerignore decides what
// reaches the image's build stage.
const ROOT = join(import.meta.dirname, '../../..');

/** One .dockerignore line as Docker reads it: `**` spans directories, `*` and `?` stay within one. */
function compile(line: string): { exclude: boolean; pattern: RegExp } {
  const exclude = !line.startsWith('!');
  const glob = (exclude ? line : line.slice(1)).replace(/^\/+/, '').replace(/\/+$/, '');
  let source = '';
  for (let i = 0; i < glob.length; i += 1) {
    const char = glob[i] as string;
    if (glob.startsWith('**/', i)) {
      source += '(?:.*/)?';
      i += 2;
    } else if (glob.startsWith('**', i)) {
      source += '.*';
      i += 1;
    } else if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return { exclude, pattern: new RegExp(`^${source}$`) };
}

const rules = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line !== '' && !line.startsWith('#'))
  .map(compile);

/** Whether Docker leaves `path` out of the context: the last rule matching it or a parent wins. */
function ignored(path: string): boolean {
  const parts = path.split('/');
  const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  let result = false;
  for (const rule of rules) {
    if (prefixes.some((prefix) => rule.pattern.test(prefix))) result = rule.exclude;
  }
  return result;
}

describe('the Docker build context (.dockerignore)', () => {
  it.each([
    'node_modules/.pnpm/fastify@5/node_modules/fastify/package.json',
    'apps/api/node_modules/fastify/package.json',
    'packages/money/dist/index.js',
    'packages/db/src/generated/sqlite/client.ts',
    'data/billing.db',
    'apps/api/data/billing.db',
    '.env',
    'apps/api/.env',
    'apps/api/.env.production',
    '.git/HEAD',
    'backups/billing_db-2026-04-01.sql.gz',
    'packages/db/coverage/index.html',
    'packages/db/.turbo/turbo-build.log',
  ])('leaves out %s', (path) => {
    expect(ignored(path)).toBe(true);
  });

  it('sends every tracked file (the sources, lockfile and migrations the build needs)', () => {
    const tracked = execFileSync('git', ['ls-files'], { cwd: ROOT, encoding: 'utf8' })
      .split('\n')
      .filter(Boolean);
    expect(tracked).toContain('pnpm-lock.yaml');
    expect(tracked).toContain('apps/api/.env.example');
    expect(tracked.filter(ignored)).toEqual([]);
  });
});

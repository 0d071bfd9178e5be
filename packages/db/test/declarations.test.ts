import { existsSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The published declarations carry billkit's types only: a host app that imports one function type-checks
// billkit's types (and what billing-core needs), not Prisma's generated client.

const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const files = ['index.d.ts', 'index.d.cts'];
const built = files.every((file) => existsSync(`${dist}${file}`));
if (!built && process.env.CI === 'true') {
  throw new Error('CI=true but packages/db/dist has no declarations: build @billkit/db before its tests');
}

/** Today about 85 KB; Prisma's generated client alone is 2.5 MB. */
const MAX_BYTES = 160_000;

describe.runIf(built)('the built declarations of @billkit/db', () => {
  it.each(files)('%s stays under the size bound', (file) => {
    expect(statSync(`${dist}${file}`).size).toBeLessThan(MAX_BYTES);
  });

  it.each(files)('%s names none of Prisma’s generated types', (file) => {
    const text = readFileSync(`${dist}${file}`, 'utf8');
    for (const name of [
      /\bPrisma\./,
      /\bruntime\./,
      /PrismaClient/,
      /@prisma\//,
      /generated\//,
      /\$Extensions/,
    ])
      expect(text).not.toMatch(name);
  });

  it.each(files)('%s imports only billkit packages, zod and Node built-ins', (file) => {
    const text = readFileSync(`${dist}${file}`, 'utf8');
    const specifiers = [...text.matchAll(/\bfrom ['"]([^'"]+)['"]/g)].map((m) => m[1]);
    expect(specifiers.length).toBeGreaterThan(0);
    for (const specifier of specifiers) expect(specifier).toMatch(/^(@billkit\/[a-z-]+|zod|node:[a-z/]+)$/);
  });
});

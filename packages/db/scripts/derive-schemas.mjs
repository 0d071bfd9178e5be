#!/usr/bin/env node
// Derives prisma/<provider>/schema.prisma from the single source prisma/schema.base.prisma.
//   node scripts/derive-schemas.mjs           write both files
//   node scripts/derive-schemas.mjs --check   exit 1 when a committed file differs from what would be written (CI)
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = readFileSync(join(root, 'prisma', 'schema.base.prisma'), 'utf8');
const providers = ['sqlite', 'mysql'];

export function derive(text, provider) {
  const header =
    `// GENERATED from prisma/schema.base.prisma by scripts/derive-schemas.mjs for ${provider}. Do not edit.\n` +
    '// Edit the base schema and run `pnpm --filter @billkit/db derive-schemas`.\n\n';
  const body = text
    .replaceAll('{{provider}}', provider)
    .replace(/[ \t]*@(sqlite|mysql)\.(\S+)/g, (_match, target, attribute) =>
      target === provider ? ` @${attribute}` : '',
    )
    .replace(/[ \t]+$/gm, '');
  return header + body;
}

const check = process.argv.includes('--check');
let drift = false;
for (const provider of providers) {
  const file = join(root, 'prisma', provider, 'schema.prisma');
  const expected = derive(source, provider);
  if (check) {
    const actual = existsSync(file) ? readFileSync(file, 'utf8') : '';
    if (actual !== expected) {
      console.error(`drift: ${file} differs from prisma/schema.base.prisma; run scripts/derive-schemas.mjs`);
      drift = true;
    }
  } else {
    if (existsSync(file) && readFileSync(file, 'utf8') === expected) continue;
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, expected);
    console.log(`wrote ${file}`);
  }
}
if (drift) process.exit(1);
if (check) console.log('per-provider schemas match prisma/schema.base.prisma');

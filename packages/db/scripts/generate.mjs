#!/usr/bin/env node
// Derives the per-provider schemas and generates both Prisma clients (src/generated/sqlite, src/generated/mysql).
// Runs offline and non-interactively: client generation runs in Wasm, but the Prisma CLI insists on finding a
// native schema-engine binary first, so PRISMA_SCHEMA_ENGINE_BINARY is pointed at an existing file when unset.
//   node scripts/generate.mjs               derive + generate
//   node scripts/generate.mjs --if-stale    skip a client that is newer than its schema
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const ifStale = process.argv.includes('--if-stale');
execFileSync(process.execPath, [join(root, 'scripts', 'derive-schemas.mjs')], { stdio: 'inherit' });

const prismaCli = createRequire(join(root, 'package.json')).resolve('prisma/build/index.js');
const env = { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: '1', CHECKPOINT_DISABLE: '1' };
if (!env.PRISMA_SCHEMA_ENGINE_BINARY)
  env.PRISMA_SCHEMA_ENGINE_BINARY = join(root, 'prisma', 'schema.base.prisma');

for (const provider of ['sqlite', 'mysql']) {
  const schema = join(root, 'prisma', provider, 'schema.prisma');
  const client = join(root, 'src', 'generated', provider, 'client.ts');
  if (ifStale && existsSync(client) && statSync(client).mtimeMs >= statSync(schema).mtimeMs) continue;
  execFileSync(process.execPath, [prismaCli, 'generate', '--schema', schema], {
    cwd: root,
    env,
    stdio: 'inherit',
  });
}

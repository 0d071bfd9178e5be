#!/usr/bin/env node
// Helper of backup-billing-db.sh / restore-billing-db.sh. Resolves DATABASE_URL_BILLING the way
// @billkit/db does and either prints the target as shell-safe KEY=VALUE lines or copies SQLite files
// through SQLite's online backup API (a consistent copy even while the application writes).
//   node billing-db-target.mjs describe
//   node billing-db-target.mjs sqlite-copy FROM TO
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(join(dirname(fileURLToPath(import.meta.url)), '..', 'package.json'));
const [command, ...args] = process.argv.slice(2);

function describe() {
  const text = process.env.DATABASE_URL_BILLING ?? '';
  if (/^(mysql|mariadb):\/\//i.test(text)) {
    const url = new URL(text);
    return {
      PROVIDER: 'mysql',
      DB_HOST: url.hostname || 'localhost',
      DB_PORT: url.port || '3306',
      DB_USER: decodeURIComponent(url.username || 'root'),
      DB_PASSWORD: decodeURIComponent(url.password),
      DB_NAME: decodeURIComponent(url.pathname.replace(/^\//, '')),
    };
  }
  let file =
    text === '' ? join(process.env.BILLING_DATA_DIR ?? 'data', 'billing.db') : text.replace(/^file:/i, '');
  file = isAbsolute(file) ? file : resolve(file);
  return { PROVIDER: 'sqlite', DB_FILE: file };
}

if (command === 'describe') {
  for (const [key, value] of Object.entries(describe())) {
    if (/[\n\0]/.test(value)) throw new Error(`${key} contains a newline`);
    process.stdout.write(`${key}=${value}\n`);
  }
} else if (command === 'sqlite-copy') {
  const [from, to] = args;
  const Database = require('better-sqlite3');
  mkdirSync(dirname(resolve(to)), { recursive: true });
  const source = new Database(from, { fileMustExist: true, timeout: 10_000 });
  await source.backup(to);
  source.close();
} else {
  console.error('usage: billing-db-target.mjs describe | sqlite-copy FROM TO');
  process.exit(2);
}

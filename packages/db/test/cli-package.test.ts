import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// What the published package must hold for `billkit-db` and the backup scripts to work once installed
// (tests/adoption runs them from a real install; this catches the manifest mistakes early).
const root = join(import.meta.dirname, '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  bin: Record<string, string>;
  files: string[];
};
const shipped = (path: string) =>
  manifest.files.some((entry) => path === entry || path.startsWith(`${entry.replace(/\/$/, '')}/`));

describe('the published @billkit/db', () => {
  it('links billkit-db to a committed file, so npm creates the bin before anything is built', () => {
    const bin = manifest.bin['billkit-db'] as string;
    expect(bin).toBe('./bin/billkit-db.js');
    const text = readFileSync(join(root, bin), 'utf8');
    expect(text.startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(text).toContain("import '../dist/cli.js'");
    expect(statSync(join(root, bin)).mode & 0o111).not.toBe(0);
    expect(shipped('bin/billkit-db.js')).toBe(true);
  });

  it.each(['scripts/backup-billing-db.sh', 'scripts/restore-billing-db.sh'])(
    '%s ships as a bin (pnpm publishes only bins executable) and needs nothing outside "files"',
    (script) => {
      expect(shipped(script)).toBe(true);
      expect(Object.values(manifest.bin)).toContain(`./${script}`);
      const text = readFileSync(join(root, script), 'utf8');
      // Every package file the script runs, e.g. "$root/bin/billkit-db.js".
      const needed = [...text.matchAll(/"\$root\/([^"]+)"/g)]
        .map((m) => m[1] as string)
        .filter((path) => !path.startsWith('src/') && !path.startsWith('node_modules/'));
      expect(needed).toContain('bin/billkit-db.js');
      for (const path of needed) {
        expect(shipped(path), `${path} is in "files"`).toBe(true);
        expect(existsSync(join(root, path)), `${path} exists`).toBe(true);
      }
    },
  );
});

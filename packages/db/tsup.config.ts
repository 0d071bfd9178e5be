import { defineConfig } from 'tsup';

export default defineConfig({
  // The generated Prisma clients (src/generated/*) are bundled in; @prisma/client's runtime stays a dependency.
  entry: ['src/index.ts', 'src/cli.ts'],
  format: ['esm', 'cjs'],
  dts: { entry: 'src/index.ts' },
  clean: true,
  sourcemap: false,
  target: 'node20',
  // import.meta.url locates prisma/<provider>/migrations next to dist/ in the CJS build too.
  shims: true,
  // canonicalize ships ESM only (no `require` export): bundled, so the CJS build can load it.
  noExternal: ['canonicalize'],
});

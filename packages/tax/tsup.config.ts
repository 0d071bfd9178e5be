import { defineConfig } from 'tsup';

export default defineConfig({
  // `internal` is billing-core's door (see src/internal.ts); one shared chunk, so both entries share
  // one copy of every class (instanceof holds) in the CJS build too.
  entry: ['src/index.ts', 'src/internal.ts'],
  splitting: true,
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: false,
  target: 'node20',
});

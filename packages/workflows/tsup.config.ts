import { defineConfig } from 'tsup';

export default defineConfig({
  // The second entry is the `billkit-worker` bin; only the library has type declarations.
  entry: ['src/index.ts', 'src/worker-cli.ts'],
  format: ['esm', 'cjs'],
  dts: { entry: 'src/index.ts' },
  clean: true,
  sourcemap: false,
  target: 'node20',
});

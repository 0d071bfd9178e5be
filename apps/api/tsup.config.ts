import { defineConfig } from 'tsup';

// The production server: the app's own code bundled into dist/main.js (dependencies stay in
// node_modules), so it runs on plain `node` without a TypeScript loader in the process.
export default defineConfig({
  entry: { main: 'src/main.ts' },
  format: ['esm'],
  target: 'node20',
  platform: 'node',
  outDir: 'dist',
  clean: true,
  sourcemap: true,
  dts: false,
});

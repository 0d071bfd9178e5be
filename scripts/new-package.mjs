// One-off scaffolder kept for adding packages consistently: node scripts/new-package.mjs <dir> <name> "<description>"
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [dir, name, description] = process.argv.slice(2);
if (!dir || !name || !description) {
  console.error('usage: node scripts/new-package.mjs <dir> <name> "<description>"');
  process.exit(2);
}
const write = (file, text) => {
  const path = join(dir, file);
  if (!existsSync(path)) writeFileSync(path, text);
};
mkdirSync(join(dir, 'src'), { recursive: true });
mkdirSync(join(dir, 'test'), { recursive: true });
write(
  'package.json',
  `${JSON.stringify(
    {
      name,
      version: '0.0.0',
      description,
      license: 'MIT',
      type: 'module',
      sideEffects: false,
      engines: { node: '^20.19.0 || ^22.12.0 || ^24.0.0' },
      repository: { type: 'git', url: 'git+https://github.com/billkit/billkit.git', directory: dir },
      exports: {
        '.': {
          import: { types: './dist/index.d.ts', default: './dist/index.js' },
          require: { types: './dist/index.d.cts', default: './dist/index.cjs' },
        },
        './package.json': './package.json',
      },
      main: './dist/index.cjs',
      module: './dist/index.js',
      types: './dist/index.d.cts',
      files: ['dist', 'README.md', 'CHANGELOG.md', 'LICENSE'],
      scripts: {
        build: 'tsup',
        test: 'vitest run',
        typecheck: 'tsc -p tsconfig.json',
      },
      publishConfig: { access: 'public' },
    },
    null,
    2,
  )}\n`,
);
write(
  'tsconfig.json',
  `${JSON.stringify({ extends: '../../tsconfig.base.json', include: ['src', 'test', '*.config.ts'] }, null, 2)}\n`,
);
write(
  'tsup.config.ts',
  `import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: false,
  target: 'node20',
});
`,
);

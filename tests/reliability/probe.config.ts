import { defineConfig } from 'vitest/config';
export default defineConfig({ test: { include: ['probe/**/*.test.ts'], testTimeout: 400_000, hookTimeout: 400_000 } });

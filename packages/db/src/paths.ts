import { fileURLToPath } from 'node:url';
import type { Provider } from './client.js';

// src/*.ts and dist/*.js both sit one level below the package root, next to `prisma/`.
const packageRoot = fileURLToPath(new URL('..', import.meta.url));

/** The committed migrations of one provider: `prisma/<provider>/migrations`. */
export function migrationsDirectory(provider: Provider): string {
  return `${packageRoot}prisma/${provider}/migrations`;
}

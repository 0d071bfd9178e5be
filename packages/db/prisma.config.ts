import { defineConfig } from 'prisma/config';

// For running the Prisma CLI itself (`prisma migrate deploy`, `migrate status`, `migrate diff`) where its native
// schema engine is available. The provider follows DATABASE_URL_BILLING exactly as openDatabase() does:
// mysql:// or mariadb:// → prisma/mysql, anything else → prisma/sqlite (default file data/billing.db).
const url = process.env.DATABASE_URL_BILLING ?? '';
const provider = /^(mysql|mariadb):\/\//i.test(url) ? 'mysql' : 'sqlite';

export default defineConfig({
  schema: `prisma/${provider}/schema.prisma`,
  migrations: { path: `prisma/${provider}/migrations` },
  datasource: {
    url:
      provider === 'mysql'
        ? url.replace(/^mariadb:/i, 'mysql:')
        : `file:${url.replace(/^file:/i, '') || 'data/billing.db'}`,
  },
});

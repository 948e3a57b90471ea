// Configuration for the Prisma CLI (`prisma generate`; `prisma migrate …` wherever its native
// engine is installed). Migrations here normally run through src/migrate.ts instead.
//
// DATABASE_URL is read as is, not with `env()`: Prisma 7 loads no .env file, and `env()` throws
// when the variable is unset — even for `prisma generate`, which does not need a database.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'schema.prisma',
  migrations: { path: 'migrations' },
  datasource: { url: process.env['DATABASE_URL'] },
});

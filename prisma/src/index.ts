// @secret-api/prisma: the Secret API's database — schema, committed migrations, the generated
// client, and a migration runner that needs no Prisma engine download.
export { createDatabase, DEFAULT_PGLITE_DIR } from './client.js';
export type { CreateDatabaseOptions, Database, DatabaseOptions } from './client.js';
export { applyMigrations, markMigrationRolledBack } from './migrate.js';
export type { ApplyMigrationsOptions, ApplyMigrationsResult, MigrationTarget } from './migrate.js';
export { MigrationError } from './errors.js';
export type { MigrationErrorCode } from './errors.js';
export { defaultMigrationsDir as migrationsDir, schemaPath } from './engine/migrations-dir.js';

// The generated client and model types.
export { Prisma, PrismaClient } from './generated/prisma/client.js';
export type { App, AppRoleBinding, AuditEvent, Cluster, SecretVersion } from './generated/prisma/client.js';

// Dev only — `npm run new-migration -w @secret-api/prisma -- <name>`: writes the next migration
// folder from the difference between prisma/migrations and schema.prisma, as `prisma migrate dev
// --create-only` would, through the WASM engine. When DATABASE_URL is set, works in two scratch
// databases on that server (created and dropped; the named database is not touched); otherwise
// in in-memory PGlite (no server needed, ≈ 10 s slower). The SQL is the same either way.
import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import { MigrationError } from '../errors.js';
import { createMigration } from '../new-migration.js';

const USAGE = `Usage: new-migration <name> [--draft]

Writes prisma/migrations/<timestamp>_<name>/migration.sql for the changes in schema.prisma.
  --draft   write an empty migration even when the schema has not changed (for hand-written SQL)
`;

const out = (text: string): void => void process.stdout.write(`${text}\n`);
const err = (text: string): void => void process.stderr.write(`new-migration: ${text}\n`);

async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  let name: string;
  let draft: boolean;
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { draft: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
    if (values.help) {
      out(USAGE);
      return 0;
    }
    if (positionals.length !== 1 || !positionals[0]) throw new Error('expected exactly one migration name');
    name = positionals[0];
    draft = values.draft ?? false;
  } catch (error) {
    err(`${(error as Error).message}\n\n${USAGE}`);
    return 1;
  }

  const url = env['DATABASE_URL'] || undefined;
  try {
    const result = await createMigration({ name, draft, ...(url && { url }) });
    if (!result.path) {
      out('schema.prisma matches the migrations: nothing to write.');
      return 0;
    }
    out(`Wrote ${relative(process.cwd(), result.path)}. Review it, then apply it with \`npm run db:migrate\`.`);
    return 0;
  } catch (error) {
    err(error instanceof MigrationError || error instanceof Error ? error.message : String(error));
    return error instanceof MigrationError && error.code === 'INVALID_INPUT' ? 1 : 2;
  }
}

process.exitCode = await main(process.argv.slice(2), process.env);

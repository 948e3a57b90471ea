/**
 * A usage error raised before any command runs (an unknown command, flags before the command): printed as every
 * command prints one — the `--json` error document on stdout when the arguments ask for JSON, else one line on
 * stderr — and exit 1 (product.md §5).
 */
import { Errors } from '@oclif/core';
import { UsageError, errorJson } from '../errors.js';

export function failUsage(message: string, argv: readonly string[]): never {
  if (argv.includes('--json')) process.stdout.write(`${JSON.stringify(errorJson(new UsageError(message)), null, 2)}\n`);
  else process.stderr.write(`Error: ${message}\n`);
  throw new Errors.ExitError(1);
}

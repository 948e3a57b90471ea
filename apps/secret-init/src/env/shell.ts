/**
 * POSIX shell quoting. A single-quoted word keeps every byte literally — `$`, backquotes,
 * backslashes, newlines — except `'` itself, which is written as `'\''` (close, escaped quote,
 * reopen). NUL cannot be carried by a shell variable at all, so it is refused.
 */
import { FetchError } from '../errors.js';

export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** `export NAME='value'`; the caller has checked NAME. */
export function shellExport(name: string, value: string): string {
  if (value.includes('\0')) throw new FetchError(`${name}: the value contains a NUL byte, which a shell cannot hold`);
  return `export ${name}=${shellQuote(value)}`;
}

/** The env file: one export per line, sorted by name so reruns give the same file. */
export function envFileContent(values: ReadonlyMap<string, string>): string {
  const names = [...values.keys()].sort();
  for (const n of names) {
    // Named as the pod's spec names it, like every other error of the SECRET_<NAME> convention.
    if (values.get(n)!.includes('\0')) {
      throw new FetchError(`SECRET_${n}: the value contains a NUL byte, which a shell cannot hold`);
    }
  }
  const lines = names.map((n) => shellExport(n, values.get(n)!));
  return `# Written by secret-init; source this file to set the variables.\n${lines.join('\n')}\n`;
}

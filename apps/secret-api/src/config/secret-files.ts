/**
 * NAME_FILE=<path> for the secret variables: the value is read from a file, the way Docker and
 * Kubernetes hand secrets to a container (a mounted secret, a volume an init job wrote), so the
 * secret never sits in the process's environment as given, nor in a compose file or a pod spec.
 */
import { readFile } from 'node:fs/promises';
import { ConfigError } from './env.js';

/** The variables that may come from files. */
export const FILE_VARIABLES = ['VAULT_TOKEN', 'VAULT_ROLE_ID', 'VAULT_SECRET_ID', 'HISTORY_HMAC_KEY'] as const;

/** A secret file is a token or a key: anything larger is the wrong file. */
const MAX_BYTES = 64 * 1024;

/** The environment with each NAME_FILE replaced by NAME (the file's content, trailing newline dropped). */
export async function readSecretFiles(
  env: Readonly<Record<string, string | undefined>>,
): Promise<Record<string, string | undefined>> {
  const out: Record<string, string | undefined> = { ...env };
  const problems: { variable: string; message: string }[] = [];
  for (const name of FILE_VARIABLES) {
    const path = env[`${name}_FILE`];
    delete out[`${name}_FILE`];
    if (path === undefined || path.trim() === '') continue;
    if (env[name] !== undefined && env[name] !== '') {
      problems.push({ variable: `${name}_FILE`, message: `set either ${name} or ${name}_FILE, not both` });
      continue;
    }
    try {
      const bytes = await readFile(path);
      if (bytes.length > MAX_BYTES) throw new Error(`larger than ${MAX_BYTES} bytes`);
      out[name] = bytes.toString('utf8').replace(/\r?\n$/, '');
      if (out[name] === '') problems.push({ variable: `${name}_FILE`, message: `${path} is empty` });
    } catch (err) {
      const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      problems.push({ variable: `${name}_FILE`, message: `cannot read ${path} (${reason})` });
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return out;
}

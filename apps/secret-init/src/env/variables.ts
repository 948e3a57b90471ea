/**
 * The `SECRET_<NAME>=<vault path>[#field]` convention (kube-vault-auth-init): each such variable
 * names a Vault path to read; NAME gets the field's value (default field `value`; KV v2 answers
 * are looked into automatically). `SECRET_INIT_*` variables configure secret-init itself and
 * are not part of the convention, and neither are the variables Kubernetes adds for a Service
 * named `secret-…` (`SECRET_DB_SERVICE_HOST=10.0.0.11`).
 */
import { isServiceLinkVariable, reservedNameProblem } from '@secret-api/pod-env';
import { ConfigError } from '../errors.js';
import { vaultPathProblem } from '../vault/paths.js';

export interface SecretVariable {
  /** The variable to set, e.g. `DB_PASSWORD` for `SECRET_DB_PASSWORD`. */
  name: string;
  /** The variable it came from, for messages. */
  source: string;
  path: string;
  field: string;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function parseSecretVariables(env: Record<string, string | undefined>): SecretVariable[] {
  const out: SecretVariable[] = [];
  for (const [key, raw] of Object.entries(env)) {
    if (!key.startsWith('SECRET_') || key.startsWith('SECRET_INIT_') || raw === undefined) continue;
    if (isServiceLinkVariable(key, raw)) continue;
    const name = key.slice('SECRET_'.length);
    if (!NAME.test(name)) throw new ConfigError(`${key}: the name after SECRET_ must be a shell variable name`);
    const reserved = reservedNameProblem(name);
    if (reserved) throw new ConfigError(`${key}: ${reserved}`);
    const value = raw.trim();
    const hash = value.indexOf('#');
    const path = hash < 0 ? value : value.slice(0, hash);
    const field = hash < 0 ? 'value' : value.slice(hash + 1);
    const problem = vaultPathProblem(path);
    if (problem) throw new ConfigError(`${key}: the Vault path ${problem} (form: <path>[#field])`);
    if (field === '' || field.includes('#') || /[\s\0]/.test(field)) {
      throw new ConfigError(`${key}: the field after "#" must be one word`);
    }
    out.push({ name, source: key, path, field });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** What a read answered, as the string a variable holds. */
export function variableText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value ?? null);
}

/**
 * Mount paths (VAULT_KV_MOUNT, VAULT_APPROLE_MOUNT, the template's mounts).
 * They become the first segments of policy paths, so they get the same
 * treatment as names: an allow-list of characters, no `.`/`..` segments, and
 * none of Vault's own system mounts.
 */
import { InvalidNameError, quoteValue, type NameField, type NameProblem } from './errors.js';

const SEGMENT = /^[A-Za-z0-9_.-]+$/;
const MAX_LENGTH = 128;

/** Vault's built-in mounts: a template pointing a secrets engine at them would grant system access. */
export const SYSTEM_MOUNTS: readonly string[] = ['auth', 'cubbyhole', 'identity', 'sys'];

/**
 * Why a mount path is unusable, or null. Placeholders (`{cloud}`) are allowed
 * as whole segments when `placeholders` lists them.
 */
export function mountPathProblem(
  value: string,
  placeholders: readonly string[] = [],
): { problem: NameProblem; detail: string } | null {
  const chars = (detail: string) => ({ problem: 'invalid_chars' as const, detail });
  if (value === '') return { problem: 'empty', detail: 'must not be empty' };
  if (value.length > MAX_LENGTH) {
    return { problem: 'too_long', detail: `is ${value.length} characters long; at most ${MAX_LENGTH} are allowed` };
  }
  if (value.startsWith('/') || value.endsWith('/')) return chars('must not start or end with "/"');
  const segments = value.split('/');
  for (const [i, segment] of segments.entries()) {
    if (segment === '') return chars('must not contain an empty segment ("//")');
    if (segment === '.' || segment === '..') return chars('must not contain "." or ".." segments');
    if (/^\{[a-z]+\}$/.test(segment)) {
      if (!placeholders.includes(segment.slice(1, -1))) {
        return chars(`uses unknown placeholder ${JSON.stringify(segment)}`);
      }
      // A cluster named `sys.x` must not turn `{cloud}/...` into a system path.
      if (i === 0) return chars('must start with a fixed segment, not a placeholder');
      continue;
    }
    if (!SEGMENT.test(segment))
      return chars('may contain only letters, digits, "_", ".", "-" and "/" between segments');
  }
  const first = segments[0]!.toLowerCase();
  if (SYSTEM_MOUNTS.includes(first)) {
    return { problem: 'reserved', detail: `must not be under Vault's system mount ${JSON.stringify(first + '/')}` };
  }
  return null;
}

/** Validates a mount path given at run time (trailing `/` tolerated, as Vault prints mounts with one). */
export function validateMountPath(value: unknown, field: NameField): string {
  if (typeof value !== 'string') throw new InvalidNameError(field, 'not_string', `${field} must be a string`);
  const trimmed = value.endsWith('/') ? value.slice(0, -1) : value;
  const bad = mountPathProblem(trimmed);
  if (bad) throw new InvalidNameError(field, bad.problem, `${field} ${quoteValue(value)} ${bad.detail}`);
  return trimmed;
}

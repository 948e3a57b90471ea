/**
 * Path patterns in a template, like `{kv}/data/{app}/*`. A template is
 * configuration, not code, but it decides what every app may read, so its
 * patterns are held to a grammar that keeps each rule inside the app's scope:
 *
 * - a placeholder fills a whole segment (`{app}*` would also match `myapp2`);
 * - a rule starts at one of the template's secrets-engine mounts;
 * - no `..`, `.` or empty segments, no `+` wildcards, `*` only as the last
 *   segment and at least two segments below the mount;
 * - under the KV mount, the segment after `data/` or `metadata/` is `{app}`
 *   or a shared scope (`global`, `project/{cloud}`, `cluster/{cloud}/{env}`):
 *   a `{cloud}` right there would reach the secrets of an app that happens to
 *   be named `aws`, and `project/*` every cloud's shared secrets.
 */
import { VaultPolicyError } from './errors.js';
import { RESERVED_APP_NAMES } from './names.js';

/** Placeholders naming the mount a rule lives under; only valid as the first segment. */
export const MOUNT_PLACEHOLDERS = ['kv', 'aws', 'database', 'pki'] as const;
/** Placeholders for the app and its cluster. */
export const NAME_PLACEHOLDERS = ['app', 'cloud', 'env', 'cluster', 'role'] as const;

export type MountPlaceholder = (typeof MOUNT_PLACEHOLDERS)[number];
export type NamePlaceholder = (typeof NAME_PLACEHOLDERS)[number];
export type PlaceholderValues = Record<MountPlaceholder | NamePlaceholder, string>;

const LITERAL = /^[A-Za-z0-9_.-]+$/;
const PLACEHOLDER = /^\{([a-z]+)\}$/;
const MAX_LENGTH = 512;

const isMount = (name: string): name is MountPlaceholder => (MOUNT_PLACEHOLDERS as readonly string[]).includes(name);
const isName = (name: string): name is NamePlaceholder => (NAME_PLACEHOLDERS as readonly string[]).includes(name);

/** Why a rule path pattern is unacceptable, or null. */
export function rulePathProblem(pattern: string): string | null {
  if (pattern === '') return 'must not be empty';
  if (pattern.length > MAX_LENGTH) return `is ${pattern.length} characters long; at most ${MAX_LENGTH} are allowed`;
  if (pattern.startsWith('/') || pattern.endsWith('/')) return 'must not start or end with "/"';
  const segments = pattern.split('/');
  for (const [i, segment] of segments.entries()) {
    const last = i === segments.length - 1;
    if (segment === '') return 'must not contain an empty segment ("//")';
    if (segment === '.' || segment === '..') return 'must not contain "." or ".." segments';
    if (segment === '*') {
      if (!last) return '"*" is allowed only as the last segment';
      continue;
    }
    const placeholder = PLACEHOLDER.exec(segment)?.[1];
    if (placeholder !== undefined) {
      if (isMount(placeholder)) {
        if (i !== 0) return `${segment} may only be the first segment`;
      } else if (!isName(placeholder)) {
        return `unknown placeholder ${JSON.stringify(segment)}; known: ${[...MOUNT_PLACEHOLDERS, ...NAME_PLACEHOLDERS]
          .map((p) => `{${p}}`)
          .join(', ')}`;
      }
      continue;
    }
    if (segment.includes('{') || segment.includes('}')) {
      return `placeholders must fill a whole segment, not part of ${JSON.stringify(segment)}`;
    }
    if (segment.includes('*')) return '"*" is allowed only as a whole last segment ("…/*")';
    if (segment.includes('+')) return '"+" segment wildcards are not allowed';
    if (!LITERAL.test(segment))
      return `segment ${JSON.stringify(segment)} may contain only letters, digits, "_", ".", "-"`;
  }
  const mount = PLACEHOLDER.exec(segments[0]!)?.[1];
  if (mount === undefined || !isMount(mount)) {
    return `must start with a secrets-engine mount placeholder (${MOUNT_PLACEHOLDERS.map((p) => `{${p}}`).join(', ')})`;
  }
  if (segments[segments.length - 1] === '*' && segments.length < 4) {
    return '"*" must come at least two segments below the mount, so one rule cannot cover a whole engine';
  }
  if (mount === 'kv' && segments.length > 2) {
    const scope = segments[2]!;
    if (scope !== '{app}' && !RESERVED_APP_NAMES.includes(scope)) {
      return `under {kv}, the segment after ${JSON.stringify(segments[1])} must be {app} or a shared scope (${RESERVED_APP_NAMES.join(', ')}), not ${JSON.stringify(scope)}`;
    }
    // Shared scopes are per cloud and per cluster: another cloud's or cluster's must stay out of reach.
    const required = scope === 'project' ? ['{cloud}'] : scope === 'cluster' ? ['{cloud}', '{env}'] : [];
    if (required.some((want, k) => segments[3 + k] !== want)) {
      return `under {kv}, the ${scope} scope must be followed by ${required.join('/')}`;
    }
  }
  return null;
}

/** Substitutes already-validated values into a pattern that passed rulePathProblem (or a mount pattern). */
export function substitute(pattern: string, values: Partial<PlaceholderValues>): string {
  return pattern
    .split('/')
    .map((segment) => {
      const name = PLACEHOLDER.exec(segment)?.[1];
      if (name === undefined) return segment;
      const value = (values as Record<string, string | undefined>)[name];
      if (value === undefined) throw new VaultPolicyError(`no value for placeholder {${name}}`);
      return value;
    })
    .join('/');
}

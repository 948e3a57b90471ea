/**
 * Which names a role allows, after Vault's builtin/logical/pki
 * issuing/cert_util validateNames: wildcards, hostname syntax, allow_any_name,
 * localhost, and allowed_domains with the bare / sub / glob rules.
 */
import type { PkiRole } from './store.js';

const LABEL = '[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?';
const HOSTNAME = new RegExp(`^(\\*\\.)?(${LABEL}\\.)*${LABEL}\\.?$`);
const WILDCARD_LABEL = /^(\*|\*[^*]+|[^*]+\*|[^*]+\*[^*]+)$/;

/** The first name the role does not allow, or undefined when all pass. */
export function firstDisallowedName(role: PkiRole, names: readonly string[]): string | undefined {
  return names.find((name) => !nameAllowed(role, name));
}

function nameAllowed(role: PkiRole, name: string): boolean {
  if (name === '') return false;
  let sanitized = name;
  let isEmail = false;
  const at = name.split('@');
  if (at.length === 2) {
    sanitized = at[1] as string;
    isEmail = true;
  }
  let reduced = sanitized;
  let isWildcard = false;
  if (sanitized.includes('*')) {
    if (!role.allowWildcardCertificates || isEmail) return false;
    const first = sanitized.split('.')[0] as string;
    if ((sanitized.match(/\*/g) ?? []).length !== 1 || !first.includes('*') || !WILDCARD_LABEL.test(first)) {
      return false;
    }
    isWildcard = true;
    const dot = sanitized.indexOf('.');
    reduced = dot === -1 ? '' : sanitized.slice(dot + 1);
  }
  if (role.enforceHostnames) {
    let ascii: string;
    try {
      ascii = new URL(`http://${reduced}`).hostname;
    } catch {
      return false;
    }
    if (reduced === '' || !HOSTNAME.test(ascii)) return false;
  }
  if (role.allowAnyName) return true;
  if (role.allowLocalhost) {
    if (['localhost', 'localdomain'].includes(reduced) && !isWildcard) return true;
    if (role.allowSubdomains && (reduced.endsWith('.localhost') || reduced.endsWith('.localdomain'))) return true;
  }
  for (const domain of role.allowedDomains) {
    if (domain === '') continue;
    if (role.allowBareDomains && !isWildcard && sanitized.toLowerCase() === domain.toLowerCase()) return true;
    if (role.allowSubdomains) {
      if (reduced.endsWith(`.${domain}`) || (isWildcard && reduced === domain)) return true;
    }
    if (role.allowGlobDomains && domain.includes('*')) {
      const re = new RegExp(`^${domain.toLowerCase().split('*').map(escape).join('.*')}$`);
      if (re.test(sanitized.toLowerCase())) return true;
    }
  }
  return false;
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

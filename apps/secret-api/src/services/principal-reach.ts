/**
 * Whether a controller subject or a deployer pattern can ever name a caller. Every principal is an issuer's
 * subjectPrefix followed by its token's `sub` (auth/issuers.ts); when every trusted issuer has a prefix (several
 * issuers, or the embedded stack's `dev:` and `k8s:<cluster>:`), a subject that starts with none of them matches
 * nobody, and the pod or CI job it was meant for is refused later with a 403 that does not say why. Such values are
 * kept (the issuer may be added to AUTH_ISSUERS next), but the answer warns, as the Kubernetes API server does: a
 * `Warning: 299 - "…"` header that `deployer` (like kubectl) prints.
 */
/** Whether glob `pattern` (`*` matches any run of characters) matches some principal that starts with `prefix`. */
function reaches(pattern: string, prefix: string): boolean {
  const star = pattern.indexOf('*');
  if (star === -1) return pattern.startsWith(prefix);
  const literal = pattern.slice(0, star);
  return literal.startsWith(prefix) || prefix.startsWith(literal);
}

/** The values of `field` no principal can match, each said as a warning naming the prefixes a principal has. */
function unreachablePrincipalWarnings(
  issuers: readonly { subjectPrefix?: string | undefined }[],
  field: 'controller subject' | 'deployer pattern',
  values: readonly string[],
): string[] {
  const prefixes = [...new Set(issuers.map((i) => i.subjectPrefix ?? ''))];
  if (prefixes.includes('')) return [];
  const named = prefixes.map((p) => `'${p}'`).join(', ');
  return values
    .filter((v) => !prefixes.some((p) => reaches(v, p)))
    .map(
      (v) =>
        `${field} '${v}' can never match a caller: every principal this Secret API accepts starts with one of ` +
        `${named} (the issuer's subject prefix; see GET /v1/whoami's principal)`,
    );
}

/** The `Warning` header for these texts (RFC 7234 §5.5 warn-code 299, as Kubernetes sends), or none. */
function warningHeader(texts: readonly string[]): { Warning: string } | Record<string, never> {
  if (texts.length === 0) return {};
  return { Warning: texts.map((t) => `299 - "${t.replace(/["\\]/g, '\\$&')}"`).join(', ') };
}

/** The `Warning` header for the values of `field` no principal can match (none when all can). */
export function unreachablePrincipalsHeader(
  issuers: readonly { subjectPrefix?: string | undefined }[],
  field: 'controller subject' | 'deployer pattern',
  values: readonly string[],
): { Warning: string } | Record<string, never> {
  return warningHeader(unreachablePrincipalWarnings(issuers, field, values));
}

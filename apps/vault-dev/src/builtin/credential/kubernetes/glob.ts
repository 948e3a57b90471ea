/**
 * strutil.StrListContainsGlob (go-secure-stdlib, over ryanuber/go-glob): an
 * entry matches exactly, or with each `*` standing for any run of characters.
 *
 * The database engine has the same helper; both could move to sdk/strutil.
 */
export function listContainsGlob(patterns: readonly string[], value: string): boolean {
  return patterns.some((pattern) => globMatch(pattern, value));
}

function globMatch(pattern: string, value: string): boolean {
  if (!pattern.includes('*')) return pattern === value;
  const parts = pattern.split('*');
  const first = parts[0] ?? '';
  const last = parts[parts.length - 1] ?? '';
  if (!value.startsWith(first)) return false;
  let at = first.length;
  // Middle parts in order, each as early as possible; the last part must end the value.
  for (const part of parts.slice(1, -1)) {
    const found = value.indexOf(part, at);
    if (found < 0) return false;
    at = found + part.length;
  }
  return value.length - last.length >= at && value.endsWith(last);
}

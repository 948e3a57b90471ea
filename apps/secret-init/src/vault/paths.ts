/**
 * Checks on Vault paths that come from templates and SECRET_ variables, before any request is
 * built: a path must not climb (`..`), carry a query, or hide control characters, so what a
 * template asks for is exactly the path that is read.
 */
const SEGMENT = /^[A-Za-z0-9_.@:=+,~-]+$/;

/** Returns a problem ("must not contain ..") or null when `path` is a usable relative API path. */
export function vaultPathProblem(path: string): string | null {
  if (path === '') return 'must not be empty';
  if (path.length > 1024) return 'must be at most 1024 characters';
  if (path.startsWith('/')) return 'must be relative, like "secret/data/myapp/KEY" (no leading "/")';
  const segments = path.split('/');
  for (const segment of segments) {
    if (segment === '') return 'must not contain empty segments ("//" or a trailing "/")';
    if (segment === '.' || segment === '..') return 'must not contain "." or ".." segments';
    if (!SEGMENT.test(segment)) return 'may contain only letters, digits, "/" and _ . @ : = + , ~ -';
  }
  return null;
}

/** Percent-encodes each segment of a checked path for the URL. */
export function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

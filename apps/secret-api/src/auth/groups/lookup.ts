/** What a directory knows about one user: their groups, or that it has no such user. */
export type LookupResult = { readonly found: true; readonly groups: readonly string[] } | { readonly found: false };

/**
 * Reads one user's groups from a directory, uncached. `email` is lower-case. Throws GroupsUnavailableError for every
 * failure; "no such user" is a result, not an error.
 */
export type DirectoryLookup = (email: string) => Promise<LookupResult>;

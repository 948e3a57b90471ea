import { ZGroupsSource } from './config.js';
import type { TGroupsSource, TGroupsSourceInput } from './config.js';
import { CachingGroupsSource } from './caching-groups-source.js';
import { GoogleDirectory } from './google-directory.js';
import { readServiceAccountKey } from './service-account-key.js';

export { GroupsUnavailableError } from './errors.js';

/** Who to find groups for: what a verified token says about the caller. */
export interface GroupsUser {
  /** The token's `sub`. */
  readonly subject: string;
  /** The token's `email`, if any. */
  readonly email?: string;
  /** The token's `email_verified`. Only a verified email is looked up. */
  readonly emailVerified?: boolean;
}

/**
 * Where an issuer's users get their groups when the token carries none (Google ID tokens). The verifier calls this
 * after the signature and claims are verified.
 */
export interface GroupsSource {
  /**
   * The user's groups (group email addresses, lower-case). Empty when the user has none, is unknown to the
   * directory, or has no verified email in the configured domain. Throws GroupsUnavailableError when the directory
   * cannot answer — never an empty list in its place.
   */
  groupsOf(user: GroupsUser): Promise<readonly string[]>;
}

export interface GroupsSourceDeps {
  /** Clock for the caches (ms since the epoch). Default Date.now. */
  now?: () => number;
}

/**
 * Builds the groups source an issuer's config describes. Reads and checks the credentials file now, so a missing or
 * broken key stops start-up with a message naming the file (never its content); the directory itself is first
 * contacted on the first lookup.
 */
export function createGroupsSource(
  config: TGroupsSource | TGroupsSourceInput,
  deps: GroupsSourceDeps = {},
): GroupsSource {
  const parsed = ZGroupsSource.safeParse(config);
  if (!parsed.success) {
    throw new Error(`invalid groupsSource: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  }
  const source = parsed.data;
  switch (source.type) {
    case 'google-directory': {
      const directory = new GoogleDirectory(source, readServiceAccountKey(source.credentialsFile));
      return new CachingGroupsSource(directory.lookup, {
        sourceName: 'Google Directory',
        domain: source.domain,
        cacheTtlMs: source.cacheTtlSeconds * 1000,
        negativeCacheTtlMs: source.negativeCacheTtlSeconds * 1000,
        maxCacheEntries: source.maxCacheEntries,
        now: deps.now ?? Date.now,
      });
    }
  }
}

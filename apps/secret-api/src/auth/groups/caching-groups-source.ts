import { ZGroupName } from '@secret-api/contract';
import { GroupsUnavailableError } from './errors.js';
import type { GroupsSource, GroupsUser } from './groups-source.js';
import type { DirectoryLookup } from './lookup.js';
import { TtlLru } from './ttl-lru.js';

export interface CachingOptions {
  /** Display name of the directory, for error messages. */
  sourceName: string;
  /** Only users with a verified email in this domain are looked up (lower-case); undefined = any verified email. */
  domain: string | undefined;
  cacheTtlMs: number;
  negativeCacheTtlMs: number;
  /** Bound of each cache (positive and negative separately). */
  maxCacheEntries: number;
  now: () => number;
}

/** The verifier keeps at most this many groups per identity; a longer list is cut the same way here. */
const MAX_GROUPS = 1000;
const NO_GROUPS: readonly string[] = Object.freeze([]);
/** RFC 5321 caps an address at 254 characters; anything longer, or without exactly one "@", is no mailbox. */
const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,253}$/;

/**
 * Puts the directory behind per-user caches and single-flight:
 * - found users are cached for cacheTtl, unknown users (404) for negativeCacheTtl, each in its own bounded LRU;
 * - concurrent lookups of one uncached user share one directory call;
 * - failures are **not cached**: every request after a failure tries the directory again (single-flight still folds
 *   the concurrent ones into one call), so recovery is immediate and a blip never pins a 503 for a TTL.
 */
export class CachingGroupsSource implements GroupsSource {
  private readonly found: TtlLru<readonly string[]>;
  private readonly notFound: TtlLru<true>;
  private readonly inFlight = new Map<string, Promise<readonly string[]>>();

  constructor(
    private readonly lookup: DirectoryLookup,
    private readonly options: CachingOptions,
  ) {
    this.found = new TtlLru(options.maxCacheEntries, options.now);
    this.notFound = new TtlLru(options.maxCacheEntries, options.now);
  }

  async groupsOf(user: GroupsUser): Promise<readonly string[]> {
    const email = this.eligibleEmail(user);
    if (email === undefined) return NO_GROUPS;
    const cached = this.found.get(email);
    if (cached !== undefined) return cached;
    if (this.notFound.get(email) === true) return NO_GROUPS;
    let pending = this.inFlight.get(email);
    if (pending === undefined) {
      pending = this.fetch(email).finally(() => this.inFlight.delete(email));
      this.inFlight.set(email, pending);
    }
    return pending;
  }

  /**
   * The lower-cased address to look up, or undefined when the user gets no groups: no email, an email the issuer
   * did not verify (anyone can put any address on an unverified account), or one outside the configured domain.
   */
  private eligibleEmail(user: GroupsUser): string | undefined {
    if (user.emailVerified !== true || typeof user.email !== 'string') return undefined;
    const email = user.email.trim().toLowerCase();
    if (email.length > 254 || !EMAIL.test(email)) return undefined;
    const domain = this.options.domain;
    if (domain !== undefined && email.slice(email.indexOf('@') + 1) !== domain) return undefined;
    return email;
  }

  private async fetch(email: string): Promise<readonly string[]> {
    let result;
    try {
      result = await this.lookup(email);
    } catch (err) {
      if (err instanceof GroupsUnavailableError) throw err;
      // A bug or an unexpected library error is still not "no groups". Only its name is kept: library errors can
      // carry request headers (the access token) in their properties.
      const name = err instanceof Error ? err.name : typeof err;
      throw new GroupsUnavailableError(this.options.sourceName, `unexpected ${name} during the lookup`);
    }
    if (!result.found) {
      this.notFound.set(email, true, this.options.negativeCacheTtlMs);
      return NO_GROUPS;
    }
    const groups = Object.freeze(
      [...new Set(result.groups)].filter((g) => ZGroupName.safeParse(g).success).slice(0, MAX_GROUPS),
    );
    this.found.set(email, groups, this.options.cacheTtlMs);
    this.notFound.delete(email);
    return groups;
  }
}

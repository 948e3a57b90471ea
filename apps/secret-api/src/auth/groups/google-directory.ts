import { admin } from '@googleapis/admin';
import type { admin_directory_v1 } from '@googleapis/admin';
import { gaxios, JWT } from 'google-auth-library';
import { z } from 'zod';
import { DIRECTORY_GROUP_READONLY_SCOPE } from './config.js';
import type { TGoogleDirectoryGroupsSource } from './config.js';
import { GroupsUnavailableError } from './errors.js';
import type { DirectoryLookup, LookupResult } from './lookup.js';
import { GOOGLE_TOKEN_URI } from './service-account-key.js';
import type { ServiceAccountKey } from './service-account-key.js';

const DEFAULT_ROOT_URL = 'https://admin.googleapis.com/';
/** The largest page groups.list serves. */
const PAGE_SIZE = 200;
/** 50 pages of 200: a user in more groups than that is refused (503) rather than given a partial list. */
const MAX_PAGES = 50;
const SOURCE_NAME = 'Google Directory';

const ZGroupsPage = z.object({
  groups: z.array(z.object({ email: z.string().optional() })).optional(),
  nextPageToken: z.string().optional(),
});

/**
 * The groups of a Workspace user, read with the Admin SDK Directory API: `groups.list?userKey=<email>`, all pages,
 * as the service account impersonating the delegated admin (domain-wide delegation).
 *
 * Memberships are **direct** only: groups.list does not expand nesting, so a member of eng@ (itself a member of
 * staff@) gets eng@ and not staff@. Name the groups people are directly in (ADMIN_GROUPS, ownerGroups), or switch to
 * Cloud Identity's groups.memberships.searchTransitiveGroups, which expands nesting (see README "Google groups").
 *
 * Failure is closed: "user not found" (404) is the only error that means "no groups"; anything else — token endpoint
 * refusing the service account, 403 from a broken delegation, 5xx, a timeout, an odd answer — is a
 * GroupsUnavailableError.
 */
export class GoogleDirectory {
  private readonly api: admin_directory_v1.Admin;
  private readonly tokenUri: string;

  constructor(
    private readonly config: TGoogleDirectoryGroupsSource,
    key: ServiceAccountKey,
  ) {
    this.tokenUri = key.tokenUri;
    const rootUrl = config.rootUrl ?? DEFAULT_ROOT_URL;
    const transporter = new gaxios.Gaxios({
      // Bounds each HTTP exchange, including the token request, which our per-lookup signal cannot reach.
      timeout: config.timeoutMs,
      // No retries: a failed lookup is a 503 the client can retry; retries here would only stretch the latency.
      retryConfig: { retry: 0 },
      adapter: egressGuard(key.tokenUri, new URL('/admin/directory/v1/', rootUrl).href),
    });
    const auth = new JWT({
      email: key.clientEmail,
      key: key.privateKey,
      keyId: key.privateKeyId,
      scopes: [DIRECTORY_GROUP_READONLY_SCOPE],
      subject: config.delegatedSubject,
      // The assertion's audience is the token URI it is sent to (Google's, unless the key file names another).
      additionalClaims: { aud: key.tokenUri },
      transporter,
    });
    this.api = admin({ version: 'directory_v1', auth, rootUrl });
  }

  readonly lookup: DirectoryLookup = async (email) => {
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new GroupsUnavailableError(SOURCE_NAME, `no answer within ${this.config.timeoutMs} ms`));
      }, this.config.timeoutMs);
    });
    const work = this.listAll(email, controller.signal);
    // The token request cannot be aborted by our signal; when the deadline wins, its late failure is dropped here.
    work.catch(() => undefined);
    try {
      return await Promise.race([work, deadline]);
    } finally {
      clearTimeout(timer);
    }
  };

  private async listAll(email: string, signal: AbortSignal): Promise<LookupResult> {
    const groups = new Set<string>();
    const seenTokens = new Set<string>();
    let pageToken: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      let data: unknown;
      try {
        const response = await this.api.groups.list(
          { userKey: email, maxResults: PAGE_SIZE, ...(pageToken === undefined ? {} : { pageToken }) },
          { signal, retry: false },
        );
        data = response.data;
      } catch (err) {
        if (signal.aborted) throw new GroupsUnavailableError(SOURCE_NAME, 'lookup aborted');
        if (this.isUserNotFound(err)) return { found: false };
        throw this.unavailable(err);
      }
      const parsed = ZGroupsPage.safeParse(data);
      if (!parsed.success)
        throw new GroupsUnavailableError(SOURCE_NAME, 'the Directory API answered an unexpected page');
      for (const group of parsed.data.groups ?? []) {
        if (group.email !== undefined && group.email !== '') groups.add(group.email.toLowerCase());
      }
      pageToken = parsed.data.nextPageToken === '' ? undefined : parsed.data.nextPageToken;
      if (pageToken === undefined) return { found: true, groups: [...groups] };
      if (seenTokens.has(pageToken)) {
        throw new GroupsUnavailableError(SOURCE_NAME, 'the Directory API repeated a page token');
      }
      seenTokens.add(pageToken);
    }
    throw new GroupsUnavailableError(SOURCE_NAME, `the user is in more than ${MAX_PAGES * PAGE_SIZE} groups`);
  }

  private isTokenRequest(err: unknown): boolean {
    const url = (err as { config?: { url?: unknown } }).config?.url;
    const href = url instanceof URL ? url.href : typeof url === 'string' ? url : '';
    return href === GOOGLE_TOKEN_URI || href === this.tokenUri;
  }

  private isUserNotFound(err: unknown): boolean {
    return httpStatus(err) === 404 && !this.isTokenRequest(err);
  }

  /** A GroupsUnavailableError with a detail safe to log: status and the server's error text, never headers. */
  private unavailable(err: unknown): GroupsUnavailableError {
    const status = httpStatus(err);
    const message = clip(err instanceof Error ? err.message : String(err));
    if (this.isTokenRequest(err)) {
      const origin = new URL(this.tokenUri).origin;
      return new GroupsUnavailableError(
        SOURCE_NAME,
        status === undefined
          ? `token request to ${origin} failed: ${message}`
          : `token endpoint ${origin} answered HTTP ${status}: ${message}`,
      );
    }
    return new GroupsUnavailableError(
      SOURCE_NAME,
      status === undefined ? `request failed: ${message}` : `the Directory API answered HTTP ${status}: ${message}`,
    );
  }
}

/**
 * The one place this client's HTTP requests pass through. google-auth-library 10 (via gtoken 8) ignores a key file's
 * `token_uri` and always posts the JWT-bearer grant to Google's token endpoint; this sends it to the key's
 * `token_uri` instead. Anything that is neither the token URI nor the Directory API is refused, so the client can
 * never talk to a host the configuration did not name.
 */
function egressGuard(tokenUri: string, directoryPrefix: string): gaxios.GaxiosOptions['adapter'] {
  return (options, defaultAdapter) => {
    const href = options.url.href;
    if (href === GOOGLE_TOKEN_URI || href === tokenUri) return defaultAdapter({ ...options, url: new URL(tokenUri) });
    if (href.startsWith(directoryPrefix)) return defaultAdapter(options);
    return Promise.reject(
      new Error(`refused a request to ${options.url.origin}: only the token URI and the Directory API are allowed`),
    );
  };
}

function httpStatus(err: unknown): number | undefined {
  const candidate = err as { status?: unknown; response?: { status?: unknown } } | null;
  const status = candidate?.status ?? candidate?.response?.status;
  return typeof status === 'number' ? status : undefined;
}

function clip(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > 200 ? `${oneLine.slice(0, 200)}…` : oneLine;
}

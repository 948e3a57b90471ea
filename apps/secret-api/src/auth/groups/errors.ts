/**
 * The caller's groups cannot be read right now (directory down, slow, refusing our service account). The API
 * answers 503 problem type `groups_unavailable`: the caller may well have groups, so this is never "no groups".
 * The message names the source and what went wrong, and is safe to log (no tokens, no key material); it is written
 * for operators, so the API should show the client only the problem type.
 */
export class GroupsUnavailableError extends Error {
  override name = 'GroupsUnavailableError';

  constructor(
    readonly source: string,
    readonly detail: string,
  ) {
    super(`groups from ${source} are unavailable: ${detail}`);
  }
}

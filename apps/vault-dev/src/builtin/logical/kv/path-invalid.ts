/**
 * The catch-all of a KV v2 mount (backend.go pathInvalid): any path that is
 * not one of the versioned endpoints answers 404 with a hint in `warnings`.
 */
import type { PathSpec } from '../../../sdk/framework.js';
import { respondWithStatus, type Operation, type Request } from '../../../sdk/logical.js';

export const WARN_ROOT_NON_LIST = 'Non-listing operations on the root of a K/V v2 mount are not supported.';

const ROOT_PATHS = new Set(['metadata', 'data', 'delete', 'undelete', 'destroy']);

const SUBCOMMANDS: Partial<Record<Operation, string>> = {
  create: 'put',
  update: 'put',
  patch: 'patch',
  read: 'get',
  list: 'list',
  delete: 'delete',
};

export const invalidPathWarning = (subCommand: string): string =>
  `Invalid path for a versioned K/V secrets engine. See the API docs for the appropriate API endpoints to use. If using the Vault CLI, use 'vault kv ${subCommand}' for this operation.`;

function invalid(req: Request) {
  if (ROOT_PATHS.has(req.relativePath)) {
    return respondWithStatus(req, 404, { data: null, warnings: [WARN_ROOT_NON_LIST] });
  }
  const subCommand = SUBCOMMANDS[req.operation] ?? '';
  return respondWithStatus(req, 404, { data: null, warnings: [invalidPathWarning(subCommand)] });
}

/** Must stay last: it matches everything. */
export function pathInvalid(): PathSpec {
  return {
    pattern: '.*$',
    takesArbitraryInput: true,
    operations: { create: invalid, update: invalid, patch: invalid, read: invalid, delete: invalid, list: invalid },
  };
}

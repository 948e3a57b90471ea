/**
 * `auth/token/accessors` (LIST, sudo) and `auth/token/tidy`, after Vault's
 * tokenStoreAccessorList and handleTidy.
 */
import type { PathSpec } from '../../../sdk/framework.js';
import type { Response } from '../../../sdk/logical.js';
import type { TokenContext } from './context.js';

export const TIDY_STARTED_WARNING =
  "Tidy operation successfully started. Any information from the operation will be printed to Vault's server logs.";

function listAccessors(ctx: TokenContext): Response {
  const keys: string[] = [];
  for (const accessor of ctx.core.tokens.accessors()) {
    const entry = ctx.core.tokens.lookupByAccessor(accessor);
    if (entry && entry.type === 'service') keys.push(accessor);
  }
  return { data: { keys: keys.sort() } };
}

function tidy(ctx: TokenContext): Response {
  // Vault tidies in the background and answers 202 at once; the in-memory sweep is instant.
  ctx.core.tokens.sweepExpired();
  return { status: 202, warnings: [TIDY_STARTED_WARNING] };
}

export function miscPaths(ctx: TokenContext): PathSpec[] {
  return [
    { pattern: 'accessors/?$', operations: { list: () => listAccessors(ctx) } },
    { pattern: 'tidy$', operations: { update: () => tidy(ctx) } },
  ];
}

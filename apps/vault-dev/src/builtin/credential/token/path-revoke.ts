/**
 * `auth/token/revoke`, `revoke-self`, `revoke-accessor` and `revoke-orphan`,
 * after Vault's handleRevokeTree / handleRevokeSelf / revokeCommon /
 * handleUpdateRevokeAccessor / handleRevokeOrphan. Revoking a token revokes
 * its whole tree (children first) and, through the store's revocation
 * listeners, everything leased to those tokens; revoke-orphan revokes only
 * the token and leaves its children as orphans.
 */
import { errorResponse, VaultError } from '../../../sdk/errors.js';
import type { FieldData, PathSpec } from '../../../sdk/framework.js';
import type { Request, Response } from '../../../sdk/logical.js';
import type { TokenContext } from './context.js';
import { lookupByAccessor } from './path-lookup.js';

/** revokeCommon: unknown tokens are not an error (204). */
function revokeCommon(ctx: TokenContext, id: string): Response | null {
  const entry = ctx.core.tokens.lookup(id);
  if (!entry) return null;
  if (entry.type === 'batch') return errorResponse('batch tokens cannot be revoked');
  ctx.core.tokens.revokeTree(entry.id);
  return null;
}

function revokeTree(ctx: TokenContext, data: FieldData): Response | null {
  const id = data.get<string>('token');
  if (id === '') return errorResponse('missing token ID');
  return revokeCommon(ctx, id);
}

function revokeAccessor(ctx: TokenContext, data: FieldData): Response | null {
  const accessor = data.get<string>('accessor');
  if (accessor === '') throw new VaultError('missing accessor', 'bad-request');
  const entry = lookupByAccessor(ctx, accessor);
  if (!entry) return { warnings: ['No token found with this accessor'] };
  ctx.core.tokens.revokeTree(entry.id);
  return null;
}

function revokeOrphan(ctx: TokenContext, req: Request, data: FieldData): Response | null {
  const id = data.get<string>('token');
  if (id === '') return errorResponse('missing token ID');
  // The root path is `revoke-orphan/*`, so the bare path is checked here, as in Vault.
  if (req.hasSudo !== true) return errorResponse('root or sudo privileges required to revoke and orphan');
  const entry = ctx.core.tokens.lookup(id);
  if (!entry) return errorResponse('token to revoke not found');
  if (entry.type === 'batch') return errorResponse('batch tokens cannot be revoked');
  ctx.core.tokens.revokeOrphan(entry.id);
  return null;
}

export function revokePaths(ctx: TokenContext): PathSpec[] {
  return [
    {
      pattern: 'revoke-accessor$',
      fields: { accessor: { type: 'string', description: 'Accessor of the token (request body)' } },
      operations: { update: (_req, d) => revokeAccessor(ctx, d) },
    },
    {
      pattern: 'revoke-self$',
      operations: { update: (req) => revokeCommon(ctx, req.clientToken) },
    },
    {
      pattern: 'revoke$',
      fields: { token: { type: 'string', description: 'Token to revoke (request body)' } },
      operations: { update: (_req, d) => revokeTree(ctx, d) },
    },
    {
      pattern: 'revoke-orphan$',
      fields: { token: { type: 'string', description: 'Token to revoke (request body)' } },
      operations: { update: (req, d) => revokeOrphan(ctx, req, d) },
    },
  ];
}

/**
 * `sys/wrapping/{wrap,unwrap,lookup,rewrap}`, after Vault's wrapping handlers.
 * The core validates a wrapping token before any token check, so a spent or
 * unknown one is a 400 here, never a 403.
 */
import { ERR_INVALID_WRAPPING_TOKEN, errorResponse } from '../../sdk/errors.js';
import type { FieldData, PathSpec } from '../../sdk/framework.js';
import type { Request, Response } from '../../sdk/logical.js';
import type { Core } from '../core.js';

/** The wrapping token named in the body, else the one presented as the client token. */
function wrappingTokenOf(req: Request, d: FieldData): string {
  return d.get<string>('token') || req.clientToken;
}

const invalid = (): Response => errorResponse(ERR_INVALID_WRAPPING_TOKEN, 400);

/** What `sys/wrapping/lookup` tells about a wrapping token, without consuming it. */
function lookupAnswer(core: Core, token: string): Response {
  const info = core.wrapper.lookup(token);
  if (!info) return invalid();
  return {
    data: { creation_path: info.creation_path, creation_time: info.creation_time, creation_ttl: info.creation_ttl },
  };
}

export function wrappingPaths(core: Core): PathSpec[] {
  return [
    {
      pattern: 'wrapping/wrap$',
      takesArbitraryInput: true,
      operations: {
        update: (req) => {
          if (!req.wrap || req.wrap.ttl <= 0) return errorResponse('endpoint requires response wrapping to be used');
          if (req.wrap.format === 'jwt') return errorResponse('the JWT format is not supported for this endpoint');
          // The core wraps this answer because the request asked for wrapping.
          return { data: { ...(req.data ?? {}) } };
        },
      },
    },
    {
      pattern: 'wrapping/unwrap$',
      fields: { token: { type: 'string' } },
      operations: {
        update: (req, d) => {
          const answer = core.wrapper.unwrap(wrappingTokenOf(req, d));
          if (!answer) return invalid();
          return {
            raw: answer.body === undefined ? { status: answer.status } : { status: answer.status, body: answer.body },
          };
        },
      },
    },
    {
      pattern: 'wrapping/lookup$',
      fields: { token: { type: 'string' } },
      operations: {
        update: (req, d) => {
          const token = wrappingTokenOf(req, d);
          return token ? lookupAnswer(core, token) : errorResponse('missing "token" value in input');
        },
        read: (req, d) => lookupAnswer(core, wrappingTokenOf(req, d)),
      },
    },
    {
      pattern: 'wrapping/rewrap$',
      fields: { token: { type: 'string' } },
      operations: {
        update: (req, d) => {
          const answer = core.wrapper.rewrap(wrappingTokenOf(req, d));
          if (!answer) return invalid();
          return { raw: { status: answer.status, body: answer.body } };
        },
      },
    },
  ];
}

export const WRAPPING_UNAUTHENTICATED_PATHS = ['wrapping/lookup', 'wrapping/pubkey'];

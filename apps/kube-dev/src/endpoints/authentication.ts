/**
 * authentication.k8s.io: TokenRequest (`serviceaccounts/{name}/token`), TokenReview,
 * SelfSubjectReview, and the public OIDC discovery documents of the issuer.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { errors } from '../api/errors.js';
import { formatTime } from '../api/meta.js';
import type { Authenticator, UserInfo } from '../auth/authenticator.js';
import type { TokenIssuer } from '../auth/service-account-tokens.js';
import type { Registry } from '../registry/generic.js';
import { pods, secrets, serviceAccounts } from '../registry/index.js';
import { parseJson, readBody, sendJson } from './http.js';

export interface AuthContext {
  registry: Registry;
  issuer: TokenIssuer;
  authenticator: Authenticator;
  apiAudiences: string[];
  node: { name: string; uid: string };
}

const TokenRequestSchema = z.object({
  spec: z
    .object({
      audiences: z.array(z.string()).nullish(),
      expirationSeconds: z.number().int().nullish(),
      boundObjectRef: z
        .object({ kind: z.string(), apiVersion: z.string().optional(), name: z.string(), uid: z.string().optional() })
        .nullish(),
    })
    .default({}),
});

const TokenReviewSchema = z.object({
  spec: z.object({ token: z.string().default(''), audiences: z.array(z.string()).nullish() }).default({ token: '' }),
});

export async function serveTokenRequest(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: AuthContext,
  namespace: string,
  name: string,
): Promise<void> {
  const parsed = TokenRequestSchema.safeParse(parseJson(await readBody(req)) ?? {});
  if (!parsed.success)
    throw errors.badRequest(`error decoding TokenRequest: ${parsed.error.issues[0]?.message ?? 'invalid body'}`);
  const spec = parsed.data.spec;
  const sa = ctx.registry.get(serviceAccounts, namespace, name);
  const expirationSeconds = spec.expirationSeconds ?? 3600;
  if (expirationSeconds < 600) {
    throw errors.invalid('TokenRequest', 'authentication.k8s.io', name, [
      {
        field: 'spec.expirationSeconds',
        type: 'Invalid value',
        detail: 'may not specify a duration less than 10 minutes',
      },
    ]);
  }
  if (expirationSeconds > 2 ** 32) {
    throw errors.invalid('TokenRequest', 'authentication.k8s.io', name, [
      {
        field: 'spec.expirationSeconds',
        type: 'Invalid value',
        detail: 'may not specify a duration larger than 2^32 seconds',
      },
    ]);
  }
  const audiences = spec.audiences && spec.audiences.length > 0 ? spec.audiences : ctx.apiAudiences;
  let bound: { kind: 'Pod' | 'Secret' | 'Node'; name: string; uid: string } | undefined;
  const ref = spec.boundObjectRef;
  if (ref) {
    if (ref.kind === 'Pod') {
      const pod = ctx.registry.get(pods, namespace, ref.name);
      if (ref.uid && ref.uid !== pod.metadata.uid) {
        throw errors.conflict(
          pods,
          ref.name,
          `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`,
        );
      }
      const podSa = (pod['spec'] as Record<string, unknown> | undefined)?.['serviceAccountName'];
      if (podSa !== name)
        throw errors.badRequest(
          `cannot bind token for serviceaccount "${name}" to pod running with different serviceaccount name.`,
        );
      bound = { kind: 'Pod', name: ref.name, uid: pod.metadata.uid as string };
    } else if (ref.kind === 'Secret') {
      const secret = ctx.registry.get(secrets, namespace, ref.name);
      if (ref.uid && ref.uid !== secret.metadata.uid)
        throw errors.conflict(
          secrets,
          ref.name,
          'the UID in the bound object reference does not match the UID in record',
        );
      bound = { kind: 'Secret', name: ref.name, uid: secret.metadata.uid as string };
    } else if (ref.kind === 'Node') {
      if (ref.name !== ctx.node.name) throw errors.notFound({ group: '', resource: 'nodes' }, ref.name);
      bound = { kind: 'Node', ...ctx.node };
    } else {
      throw errors.badRequest(`cannot bind token to object of type ${ref.kind}`);
    }
  }
  const now = ctx.registry.now();
  const { token, expiresAt } = await ctx.issuer.issue({
    namespace,
    serviceAccount: { name, uid: sa.metadata.uid as string },
    audiences,
    expirationSeconds,
    ...(bound ? { bound } : {}),
    ...(bound?.kind === 'Pod' ? { node: ctx.node } : {}),
    now,
  });
  sendJson(res, 201, {
    kind: 'TokenRequest',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { name, namespace, creationTimestamp: null },
    spec: { audiences, expirationSeconds, boundObjectRef: ref ?? null },
    status: { token, expirationTimestamp: formatTime(expiresAt) },
  });
}

/** A bad token still gets 201, with `authenticated: false` and the reason. */
export async function serveTokenReview(req: IncomingMessage, res: ServerResponse, ctx: AuthContext): Promise<void> {
  const parsed = TokenReviewSchema.safeParse(parseJson(await readBody(req)) ?? {});
  if (!parsed.success)
    throw errors.badRequest(`error decoding TokenReview: ${parsed.error.issues[0]?.message ?? 'invalid body'}`);
  const spec = parsed.data.spec;
  // pkg/registry/authentication/tokenreview/storage.go
  if (spec.token === '') throw errors.badRequest('token is required for TokenReview in authentication');
  const result = await ctx.authenticator.authenticate(spec.token, spec.audiences ?? [], ctx.registry.now());
  const status =
    'error' in result
      ? { user: {}, error: result.error }
      : { authenticated: true, user: result.user, audiences: result.audiences };
  sendJson(res, 201, {
    kind: 'TokenReview',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { creationTimestamp: null },
    spec: { token: spec.token, ...(spec.audiences ? { audiences: spec.audiences } : {}) },
    status,
  });
}

/** `kubectl auth whoami`. */
export function serveSelfSubjectReview(res: ServerResponse, user: UserInfo): void {
  sendJson(res, 201, {
    kind: 'SelfSubjectReview',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { creationTimestamp: null },
    status: { userInfo: user },
  });
}

export async function serveOidc(
  res: ServerResponse,
  pathname: string,
  ctx: AuthContext,
  jwksUri: string,
): Promise<boolean> {
  if (pathname === '/.well-known/openid-configuration') {
    sendJson(res, 200, {
      issuer: ctx.issuer.issuer,
      jwks_uri: jwksUri,
      response_types_supported: ['id_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
    });
    return true;
  }
  if (pathname === '/openid/v1/jwks') {
    sendJson(res, 200, await ctx.issuer.jwks(), 'application/jwk-set+json');
    return true;
  }
  return false;
}

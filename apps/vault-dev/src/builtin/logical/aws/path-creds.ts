/**
 * `creds/:name` and `sts/:name` (GET or POST), after Vault's
 * builtin/logical/aws/path_user.go and secret_access_keys.go. No AWS is
 * reachable: an iam_user gets a recorded user and a long-term `AKIA` key under
 * a renewable lease; STS types get temporary `ASIA` keys with a session token
 * under a non-renewable lease that ends when they would.
 */
import { errorResponse } from '../../../sdk/errors.js';
import type { FieldData, PathSpec } from '../../../sdk/framework.js';
import { goQuote } from '../../../sdk/go-text.js';
import type { Request, Response } from '../../../sdk/logical.js';
import type { LeaseHandler } from '../../../vault/expiration.js';
import { calculateTTL } from '../../../vault/ttl.js';
import { AWS_NAME, type AwsContext } from './context.js';
import { accessKeyId, iamUserName, secretAccessKey, sessionToken, stsName } from './keys.js';
import type { AwsRole } from './store.js';

export const SECRET_ACCESS_KEYS_TYPE = 'access_keys';
const DEFAULT_STS_TTL = 3600;

export function credsPaths(ctx: AwsContext): PathSpec[] {
  const fields = {
    name: { type: 'string' as const, description: 'Name of the role' },
    role_arn: { type: 'string' as const, description: 'ARN of role to assume when credential_type is assumed_role' },
    role_session_name: { type: 'string' as const, description: 'Session name to use when assuming role.' },
    ttl: { type: 'durationSecond' as const, default: DEFAULT_STS_TTL, description: 'Lifetime of the STS credentials.' },
    mfa_code: { type: 'string' as const, description: 'MFA code to provide for session tokens' },
  };
  return ['creds', 'sts'].map((prefix) => ({
    pattern: `${prefix}/${AWS_NAME}$`,
    fields,
    operations: {
      read: (req: Request, data: FieldData) => issue(ctx, req, data),
      update: (req: Request, data: FieldData) => issue(ctx, req, data),
    },
  }));
}

function issue(ctx: AwsContext, req: Request, data: FieldData): Response {
  const name = data.get<string>('name');
  const role = ctx.store.role(name);
  if (!role) return errorResponse(`Role ${goQuote(name)} not found`);
  return role.credentialType === 'iam_user' ? issueIamUser(ctx, req, name) : issueSts(ctx, req, name, role, data);
}

function issueIamUser(ctx: AwsContext, req: Request, roleName: string): Response {
  const now = ctx.now();
  const username = iamUserName(req.tokenEntry?.displayName ?? '', roleName, now);
  const accessKey = accessKeyId(false);
  ctx.store.putUser(username, { accessKey, role: roleName, createdAt: now });
  const lease = ctx.store.leaseConfig;
  const { ttl, warnings } = calculateTTL(ctx.system, {
    increment: 0,
    backendTTL: lease?.lease ?? 0,
    period: 0,
    backendMaxTTL: lease?.leaseMax ?? 0,
    explicitMaxTTL: 0,
    issueTime: now,
    now,
  });
  const registered = ctx.expiration.register({
    path: req.path,
    mountPoint: ctx.mountPoint,
    secretType: SECRET_ACCESS_KEYS_TYPE,
    internalData: { username, policy: roleName, is_sts: false },
    token: req.tokenEntry,
    ttl,
    renewable: true,
  });
  return {
    data: { access_key: accessKey, secret_key: secretAccessKey(), security_token: null, session_token: null },
    secret: { ttl, maxTTL: lease?.leaseMax ?? 0, renewable: true },
    leaseId: registered.leaseId,
    ...(warnings.length > 0 ? { warnings } : {}),
  };
}

function issueSts(ctx: AwsContext, req: Request, roleName: string, role: AwsRole, data: FieldData): Response {
  let roleArn = '';
  if (role.credentialType === 'assumed_role') {
    const requested = data.get<string>('role_arn');
    if (requested === '') {
      if (role.roleArns.length !== 1)
        return errorResponse('did not supply a role_arn parameter and unable to determine one');
      roleArn = role.roleArns[0] as string;
    } else if (!role.roleArns.includes(requested)) {
      return errorResponse(
        `role_arn ${goQuote(requested)} not in allowed role arns for Vault role ${goQuote(roleName)}`,
      );
    } else {
      roleArn = requested;
    }
  }
  if (role.credentialType === 'federation_token' && role.policyArns.length === 0 && role.policyDocument === '') {
    return errorResponse(
      'must specify at least one of policy_arns or policy_document with federation_token credential_type',
    );
  }
  const requestedSession = data.get<string>('role_session_name');
  if (requestedSession.length > 64) return errorResponse('role_session_name cannot be longer than 64 characters');

  let ttl = data.has('ttl') ? data.get<number>('ttl') : role.defaultSTSTTL || DEFAULT_STS_TTL;
  const max = role.maxSTSTTL || ctx.system.maxLeaseTTL();
  if (ttl > max) ttl = max;
  const now = ctx.now();
  const out: Record<string, unknown> = {
    access_key: accessKeyId(true),
    secret_key: secretAccessKey(),
  };
  const token = sessionToken();
  out['security_token'] = token;
  out['session_token'] = token;
  out['ttl'] = ttl;
  if (roleArn !== '') {
    const session = (requestedSession || stsName(now)).replace(/[^\w+=,.@-]/g, '_');
    const account = /^arn:[\w-]+:iam::(\d{12}):/.exec(roleArn)?.[1] ?? '000000000000';
    const roleResource = roleArn.split('/').pop() ?? roleArn;
    out['arn'] = `arn:aws:sts::${account}:assumed-role/${roleResource}/${session}`;
  }
  const registered = ctx.expiration.register({
    path: req.path,
    mountPoint: ctx.mountPoint,
    secretType: SECRET_ACCESS_KEYS_TYPE,
    internalData: { is_sts: true },
    token: req.tokenEntry,
    ttl,
    renewable: false,
  });
  return { data: out, secret: { ttl, maxTTL: 0, renewable: false }, leaseId: registered.leaseId };
}

/** Revoking an iam_user lease deletes the user; STS keys just run out. Renewal follows config/lease. */
export function accessKeysLeaseHandler(ctx: AwsContext): LeaseHandler {
  return {
    revoke(lease) {
      if (lease.internalData['is_sts'] !== true) ctx.store.deleteUser(String(lease.internalData['username']));
      return Promise.resolve();
    },
    renew(lease, increment) {
      const config = ctx.store.leaseConfig;
      const result = calculateTTL(ctx.system, {
        increment,
        backendTTL: config?.lease ?? 0,
        period: 0,
        backendMaxTTL: config?.leaseMax ?? 0,
        explicitMaxTTL: 0,
        issueTime: lease.issueTime,
        now: ctx.now(),
      });
      return Promise.resolve(result);
    },
  };
}

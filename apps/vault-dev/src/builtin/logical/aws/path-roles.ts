/**
 * `roles/:name` (write 204, read, delete) and `roles/` (LIST), after Vault's
 * builtin/logical/aws/path_roles.go: one credential type per role, and
 * Vault's validation, reported together.
 */
import { errorResponse, multierror } from '../../../sdk/errors.js';
import type { FieldData, FieldSchemas, PathSpec } from '../../../sdk/framework.js';
import { goQuote } from '../../../sdk/go-text.js';
import type { Response } from '../../../sdk/logical.js';
import { AWS_NAME, type AwsContext } from './context.js';
import { CREDENTIAL_TYPES, type AwsRole, type CredentialType } from './store.js';

const ROLE_FIELDS: FieldSchemas = {
  name: { type: 'string', description: 'Name of the role' },
  credential_type: { type: 'string', description: 'Type of IAM credential to be used when retrieving credentials.' },
  policy_arns: { type: 'commaStringSlice', description: 'ARNs of AWS policies.' },
  policy_document: { type: 'string', description: 'JSON-encoded IAM policy document.' },
  role_arns: { type: 'commaStringSlice', description: 'ARNs of AWS roles allowed to be assumed.' },
  iam_groups: { type: 'commaStringSlice', description: 'Names of IAM groups.' },
  iam_tags: { type: 'kvPairs', description: 'IAM tags to be set for the user.' },
  default_sts_ttl: { type: 'durationSecond', description: 'Default TTL for STS credentials.' },
  max_sts_ttl: { type: 'durationSecond', description: 'Max allowed TTL for STS credentials.' },
  user_path: { type: 'string', default: '/', description: 'Path for IAM User.' },
  permissions_boundary_arn: { type: 'string', description: 'ARN of an IAM policy used as the permissions boundary.' },
  mfa_serial_number: { type: 'string', description: 'Identification number or ARN of the MFA device.' },
};

const USER_PATH = /^\/([\x21-\x7F]{0,510}\/)?$/;
const POLICY_ARN = /^arn:[\w-]+:iam::(\d{12}|aws):policy\/.+$/;
const STS_TYPES: CredentialType[] = ['assumed_role', 'federation_token', 'session_token'];

export function rolePaths(ctx: AwsContext): PathSpec[] {
  return [
    {
      pattern: 'roles/?$',
      operations: {
        list: () => {
          const keys = ctx.store.roleNames();
          return keys.length === 0 ? null : { data: { keys } };
        },
      },
    },
    {
      pattern: `roles/${AWS_NAME}$`,
      fields: ROLE_FIELDS,
      operations: {
        update: (_req, data) => writeRole(ctx, data),
        read: (_req, data) => {
          const role = ctx.store.role(data.get<string>('name'));
          return role ? { data: roleData(role) } : null;
        },
        delete: (_req, data) => {
          ctx.store.deleteRole(data.get<string>('name'));
          return null;
        },
      },
    },
  ];
}

function writeRole(ctx: AwsContext, data: FieldData): Response | null {
  const name = data.get<string>('name');
  const existing = ctx.store.role(name);
  const typeRaw = data.has('credential_type') ? data.get<string>('credential_type') : existing?.credentialType;
  if (!typeRaw) return errorResponse('did not supply credential_type');
  let policyDocument = existing?.policyDocument ?? '';
  if (data.has('policy_document')) {
    const raw = data.get<string>('policy_document');
    if (raw === '') policyDocument = '';
    else {
      try {
        policyDocument = JSON.stringify(JSON.parse(raw));
      } catch {
        return errorResponse(`cannot parse policy document: ${goQuote(raw)}`);
      }
    }
  }
  const pick = <T>(field: string, current: T | undefined, fallback: T): T =>
    data.has(field) ? data.get<T>(field) : (current ?? fallback);
  const role: AwsRole = {
    credentialType: typeRaw as CredentialType,
    policyArns: pick('policy_arns', existing?.policyArns, []),
    policyDocument,
    roleArns: pick('role_arns', existing?.roleArns, []),
    iamGroups: pick('iam_groups', existing?.iamGroups, []),
    iamTags: pick('iam_tags', existing?.iamTags, {}),
    defaultSTSTTL: pick('default_sts_ttl', existing?.defaultSTSTTL, 0),
    maxSTSTTL: pick('max_sts_ttl', existing?.maxSTSTTL, 0),
    userPath: pick('user_path', existing?.userPath, '/'),
    permissionsBoundaryArn: pick('permissions_boundary_arn', existing?.permissionsBoundaryArn, ''),
    mfaSerialNumber: pick('mfa_serial_number', existing?.mfaSerialNumber, ''),
  };
  const problems = validate(role, typeRaw);
  if (problems.length > 0) {
    return errorResponse(`error(s) validating supplied role data: ${goQuote(multierror(problems))}`);
  }
  ctx.store.putRole(name, role);
  return null;
}

/** awsRoleEntry.validate: every problem, in Vault's order. */
function validate(role: AwsRole, typeRaw: string): string[] {
  const problems: string[] = [];
  const type = role.credentialType;
  if (!(CREDENTIAL_TYPES as readonly string[]).includes(typeRaw)) {
    problems.push(`unrecognized credential type: ${typeRaw}`);
  }
  if (type !== 'iam_user' && role.userPath !== '/') {
    problems.push('user_path parameter only valid for iam_user credential type');
  }
  if (!USER_PATH.test(role.userPath)) {
    problems.push(`the specified value for user_path is invalid. It must match "${USER_PATH.source}" regexp`);
  }
  if (!STS_TYPES.includes(type) && (role.defaultSTSTTL !== 0 || role.maxSTSTTL !== 0)) {
    problems.push(
      'default_sts_ttl and max_sts_ttl parameters only valid for assumed_role, federation_token and session_token credential types',
    );
  }
  if (role.maxSTSTTL > 0 && role.defaultSTSTTL > role.maxSTSTTL) {
    problems.push('default_sts_ttl parameter cannot be greater than max_sts_ttl');
  }
  if (type !== 'assumed_role' && role.roleArns.length > 0) {
    problems.push("cannot supply role_arns when credential_type isn't assumed_role");
  }
  if (type === 'session_token' && role.policyArns.length > 0) {
    problems.push('cannot supply policy_arns when credential_type is session_token');
  }
  if (role.permissionsBoundaryArn !== '') {
    if (type !== 'iam_user')
      problems.push("cannot supply permissions_boundary_arn when credential_type isn't iam_user");
    else if (!POLICY_ARN.test(role.permissionsBoundaryArn)) {
      problems.push(`invalid permissions_boundary_arn parameter ${goQuote(role.permissionsBoundaryArn)}`);
    }
  }
  return problems;
}

function roleData(role: AwsRole): Record<string, unknown> {
  return {
    credential_type: role.credentialType,
    default_sts_ttl: role.defaultSTSTTL,
    external_id: '',
    iam_groups: role.iamGroups,
    iam_tags: role.iamTags,
    max_sts_ttl: role.maxSTSTTL,
    mfa_serial_number: role.mfaSerialNumber,
    permissions_boundary_arn: role.permissionsBoundaryArn,
    policy_arns: role.policyArns,
    policy_document: role.policyDocument,
    role_arns: role.roleArns,
    session_tags: {},
    user_path: role.userPath,
  };
}

/**
 * `sys/policies/acl`, legacy `sys/policy`, and the capabilities endpoints,
 * after Vault's logical_system.go policy handlers.
 */
import { PolicyParseError } from '../../policy/policy.js';
import { errorResponse } from '../../sdk/errors.js';
import type { FieldData, PathSpec } from '../../sdk/framework.js';
import { goQuote } from '../../sdk/go-text.js';
import type { Request, Response } from '../../sdk/logical.js';
import type { Core } from '../core.js';

const IMMUTABLE = new Set(['root', 'response-wrapping', 'control-group']);

/** Vault accepts the policy document base64-encoded and decodes it when it decodes cleanly. */
function decodePolicyText(text: string): string {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text) || text.length % 4 !== 0) return text;
  const decoded = Buffer.from(text, 'base64');
  return decoded.toString('base64') === text ? decoded.toString('utf8') : text;
}

function writePolicy(core: Core, legacy: boolean) {
  return (_req: Request, d: FieldData): Response | null => {
    const name = d.get<string>('name').toLowerCase();
    let text = d.get<string>('policy');
    const warnings: string[] = [];
    if (legacy && text === '' && d.has('rules')) {
      text = d.get<string>('rules');
      warnings.push(`'rules' is deprecated, please use 'policy' instead`);
    }
    if (text === '') return errorResponse(`'policy' parameter not supplied or empty`);
    if (IMMUTABLE.has(name)) return errorResponse(`cannot update ${goQuote(name)} policy`);
    try {
      core.policies.set(name, decodePolicyText(text));
    } catch (err) {
      if (err instanceof PolicyParseError) return errorResponse(`failed to parse policy: ${err.message}`);
      throw err;
    }
    return warnings.length > 0 ? { warnings } : null;
  };
}

function deletePolicy(core: Core) {
  return (_req: Request, d: FieldData): Response | null => {
    const name = d.get<string>('name').toLowerCase();
    if (name === 'default') return errorResponse('cannot delete default policy');
    if (name === 'root') return errorResponse(`cannot delete "root" policy`);
    if (IMMUTABLE.has(name)) return errorResponse(`cannot delete ${goQuote(name)} policy`);
    core.policies.delete(name);
    return null;
  };
}

function readPolicy(core: Core, textKey: 'policy' | 'rules') {
  return (_req: Request, d: FieldData): Response | null => {
    const name = d.get<string>('name').toLowerCase();
    if (name === 'root') return { data: { name: 'root', [textKey]: '' } };
    if (IMMUTABLE.has(name)) return null;
    const policy = core.policies.get(name);
    return policy ? { data: { name: policy.name, [textKey]: policy.raw } } : null;
  };
}

const POLICY_FIELDS = { name: { type: 'string' }, policy: { type: 'string' } } as const;

function pathsOf(d: FieldData): string[] {
  const paths = d.get<string[]>('paths');
  const single = d.get<string>('path');
  return paths.length > 0 ? paths : single ? [single] : [];
}

function capabilitiesResponse(core: Core, policies: readonly string[], paths: string[]): Response {
  const acl = core.policies.acl(policies);
  const data: Record<string, unknown> = {};
  for (const path of paths) data[path] = acl.capabilities(path.replace(/^\/+/, ''));
  if (paths.length === 1) data['capabilities'] = data[paths[0] as string];
  return { data };
}

const CAPABILITY_FIELDS = {
  token: { type: 'string' },
  accessor: { type: 'string' },
  path: { type: 'string' },
  paths: { type: 'commaStringSlice' },
} as const;

export function policyPaths(core: Core): PathSpec[] {
  return [
    {
      pattern: 'policies/acl/?$',
      operations: { list: () => ({ data: { keys: core.policies.listNames() } }) },
    },
    {
      pattern: 'policies/acl/(?<name>.+)',
      fields: POLICY_FIELDS,
      operations: {
        read: readPolicy(core, 'policy'),
        update: writePolicy(core, false),
        delete: deletePolicy(core),
      },
    },
    {
      pattern: 'policy/?$',
      operations: {
        read: () => {
          const names = core.policies.listNames();
          return { data: { keys: names, policies: names } };
        },
      },
    },
    {
      pattern: 'policy/(?<name>.+)',
      fields: { ...POLICY_FIELDS, rules: { type: 'string' } },
      operations: {
        read: readPolicy(core, 'rules'),
        update: writePolicy(core, true),
        delete: deletePolicy(core),
      },
    },
    {
      pattern: 'capabilities-self$',
      fields: CAPABILITY_FIELDS,
      operations: {
        update: (req, d) => {
          const paths = pathsOf(d);
          if (paths.length === 0) return errorResponse('paths must be supplied');
          return capabilitiesResponse(core, req.tokenEntry?.policies ?? [], paths);
        },
      },
    },
    {
      pattern: 'capabilities$',
      fields: CAPABILITY_FIELDS,
      operations: {
        update: (_req, d) => {
          const paths = pathsOf(d);
          if (paths.length === 0) return errorResponse('paths must be supplied');
          const token = core.tokens.lookup(d.get<string>('token'));
          if (!token) return errorResponse('invalid token', 400);
          return capabilitiesResponse(core, token.policies, paths);
        },
      },
    },
    {
      pattern: 'capabilities-accessor$',
      fields: CAPABILITY_FIELDS,
      operations: {
        update: (_req, d) => {
          const paths = pathsOf(d);
          if (paths.length === 0) return errorResponse('paths must be supplied');
          if (!d.get<string>('accessor')) return errorResponse(`missing accessor`);
          const token = core.tokens.lookupByAccessor(d.get<string>('accessor'));
          if (!token) return errorResponse('invalid accessor', 400);
          return capabilitiesResponse(core, token.policies, paths);
        },
      },
    },
  ];
}

import { describe, expect, it } from 'vitest';
import {
  ERROR_CODES,
  ERROR_TABLE,
  ZCreateAppBody,
  ZProblem,
  errorCodeFromType,
  errorStatus,
  errorType,
  parseProblem,
  problem,
  toPointer,
  validationProblem,
  zodErrorToProblemErrors,
} from './index.js';

describe('the error table', () => {
  it('maps each code to the status product.md §4 names', () => {
    expect(errorStatus('validation')).toBe(400);
    expect(errorStatus('unauthenticated')).toBe(401);
    expect(errorStatus('forbidden')).toBe(403);
    expect(errorStatus('not_found')).toBe(404);
    expect(errorStatus('conflict')).toBe(409);
    expect(errorStatus('cas_mismatch')).toBe(409);
    expect(errorStatus('precondition_failed')).toBe(412);
    expect(errorStatus('payload_too_large')).toBe(413);
    expect(errorStatus('vault_unavailable')).toBe(503);
    expect(errorStatus('database_unavailable')).toBe(503);
    expect(errorStatus('internal')).toBe(500);
  });

  it('gives each code a distinct type URI that maps back to the code', () => {
    const types = ERROR_CODES.map(errorType);
    expect(new Set(types).size).toBe(types.length);
    for (const code of ERROR_CODES) expect(errorCodeFromType(errorType(code))).toBe(code);
    expect(errorCodeFromType('about:blank')).toBeUndefined();
    expect(errorCodeFromType('urn:secret-api:problem:toString')).toBeUndefined();
  });

  it('builds problems that parse as problems', () => {
    for (const code of ERROR_CODES) {
      const p = problem(code, 'detail', { requestId: 'r1' });
      expect(ZProblem.parse(p)).toEqual(p);
      expect(p.status).toBe(ERROR_TABLE[code].status);
    }
  });
});

describe('validation problems', () => {
  it('list each offending field with a JSON-pointer path', () => {
    const r = ZCreateAppBody.safeParse({ name: 'A', ownerGroups: ['ok', 'bad*'], extra: true });
    expect(r.success).toBe(false);
    if (r.success) return;
    const p = validationProblem(r.error, { prefix: '/body', requestId: 'r1', instance: '/v1/apps' });
    expect(p).toMatchObject({ status: 400, type: errorType('validation'), requestId: 'r1', instance: '/v1/apps' });
    expect(p.errors?.map((e) => e.path)).toEqual(['/body/name', '/body/ownerGroups/1', '/body/extra']);
    expect(p.errors?.[2]?.message).toBe("unknown field 'extra'");
    expect(p.detail).toBe('3 fields are invalid');
  });

  it('says which field in the detail when there is one', () => {
    const r = ZCreateAppBody.safeParse({ name: 'global', ownerGroups: ['g'] });
    if (r.success) throw new Error('expected failure');
    expect(validationProblem(r.error).detail).toMatch(/^\/name: app name "global" is reserved/);
    expect(zodErrorToProblemErrors(r.error)).toHaveLength(1);
  });

  it('escapes pointer segments', () => {
    expect(toPointer(['a/b', 'c~d', 0], '/body')).toBe('/body/a~1b/c~0d/0');
    expect(toPointer([])).toBe('');
  });
});

describe('the client re-parses error bodies', () => {
  it('accepts a problem and strips what it does not know', () => {
    const body = { ...problem('not_found', 'no such app'), stack: 'Error: at ...' };
    expect(parseProblem(body)).toEqual(problem('not_found', 'no such app'));
  });

  it('rejects what is not a problem', () => {
    expect(parseProblem('<html>')).toBeUndefined();
    expect(parseProblem({ message: 'nope' })).toBeUndefined();
    expect(parseProblem({ type: 't', title: 't', status: 200, detail: 'd' })).toBeUndefined();
  });
});

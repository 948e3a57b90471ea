import { describe, expect, it } from 'vitest';
import { VaultPolicyError } from './errors.js';
import { normalizeRules, renderPolicyHcl } from './hcl.js';

describe('policy HCL', () => {
  it('renders each rule as a commented path block, blank-line separated, ending in a newline', () => {
    const hcl = renderPolicyHcl(
      [
        { path: 'secret/data/b/*', capabilities: ['read'], description: 'B' },
        { path: 'secret/data/a/*', capabilities: ['list', 'read'], description: '' },
      ],
      ['header line'],
    );
    expect(hcl).toBe(
      [
        '# header line',
        '',
        'path "secret/data/a/*" {',
        '  capabilities = ["read", "list"]',
        '}',
        '',
        '# B',
        'path "secret/data/b/*" {',
        '  capabilities = ["read"]',
        '}',
        '',
      ].join('\n'),
    );
  });

  it('is the same text whatever order the rules and capabilities come in', () => {
    const rules = [
      { path: 'x/a', capabilities: ['update', 'create'] as const, description: 'a' },
      { path: 'x/b', capabilities: ['read'] as const, description: 'b' },
      { path: 'x/c', capabilities: ['list', 'read'] as const, description: 'c' },
    ].map((r) => ({ ...r, capabilities: [...r.capabilities] }));
    const shuffled = [rules[2]!, rules[0]!, rules[1]!].map((r) => ({
      ...r,
      capabilities: [...r.capabilities].reverse(),
    }));
    expect(renderPolicyHcl(shuffled)).toBe(renderPolicyHcl(rules));
  });

  it('merges rules that land on the same path, as Vault would', () => {
    expect(
      normalizeRules([
        { path: 'p', capabilities: ['read'], description: 'second' },
        { path: 'p', capabilities: ['list'], description: 'first' },
      ]),
    ).toEqual([{ path: 'p', capabilities: ['read', 'list'], description: 'first; second' }]);
  });

  it.each(['a" {\n}\npath "sys/*', 'a b', 'a\\b', ''])('refuses to write the unsafe path %j', (path) => {
    const render = () => renderPolicyHcl([{ path, capabilities: ['read'], description: '' }]);
    expect(render).toThrow(VaultPolicyError);
    expect(render).toThrow(/unsafe policy path/);
  });

  it('refuses a comment that would end its line and start HCL of its own', () => {
    expect(() =>
      renderPolicyHcl([
        { path: 'p', capabilities: ['read'], description: 'x\npath "sys/*" { capabilities = ["sudo"] }' },
      ]),
    ).toThrow(/multi-line/);
  });
});

/**
 * Structured policy rules → HCL text, the way terraform-provider-vault's
 * policy document does it: one `path` block per rule, its description as a
 * `#` comment above it, blocks separated by a blank line. Output depends only
 * on the set of rules, never on their input order, so the text can be
 * compared byte for byte with what Vault stores.
 */
import { canonicalCapabilities, type Capability } from './capabilities.js';
import { VaultPolicyError } from './errors.js';

export interface PolicyRule {
  /** A concrete Vault path pattern (placeholders already substituted). */
  path: string;
  capabilities: Capability[];
  /** One line; rendered as a `#` comment. */
  description: string;
}

// Anything that could close the string or the comment early, and so inject HCL, is refused.
const UNSAFE_PATH = /["\\\s{}]/;
const UNSAFE_COMMENT = /[\r\n\u2028\u2029]/;

/**
 * Sorts by path and merges rules that ended up on the same path (Vault would
 * union them anyway): capabilities unioned, descriptions joined.
 */
export function normalizeRules(rules: readonly PolicyRule[]): PolicyRule[] {
  const byPath = new Map<string, { caps: Set<Capability>; descriptions: string[] }>();
  for (const rule of rules) {
    const entry = byPath.get(rule.path) ?? { caps: new Set<Capability>(), descriptions: [] };
    rule.capabilities.forEach((c) => entry.caps.add(c));
    if (rule.description !== '' && !entry.descriptions.includes(rule.description)) {
      entry.descriptions.push(rule.description);
    }
    byPath.set(rule.path, entry);
  }
  return [...byPath.keys()].sort(compareCodePoints).map((path) => {
    const entry = byPath.get(path)!;
    return {
      path,
      capabilities: canonicalCapabilities(entry.caps),
      description: [...entry.descriptions].sort(compareCodePoints).join('; '),
    };
  });
}

/** Renders a policy document. `header` lines become leading comments. */
export function renderPolicyHcl(rules: readonly PolicyRule[], header: readonly string[] = []): string {
  const blocks: string[] = [];
  if (header.length > 0) blocks.push(header.map((line) => comment(line)).join(''));
  for (const rule of normalizeRules(rules)) {
    if (UNSAFE_PATH.test(rule.path) || rule.path === '') {
      throw new VaultPolicyError(`refusing to render unsafe policy path ${JSON.stringify(rule.path)}`);
    }
    const caps = rule.capabilities.map((c) => `"${c}"`).join(', ');
    blocks.push(
      `${rule.description ? comment(rule.description) : ''}path "${rule.path}" {\n  capabilities = [${caps}]\n}\n`,
    );
  }
  return blocks.join('\n');
}

function comment(text: string): string {
  if (UNSAFE_COMMENT.test(text)) throw new VaultPolicyError('refusing to render a multi-line policy comment');
  return `# ${text}\n`;
}

/** Locale-independent ordering: the same on every machine. */
function compareCodePoints(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

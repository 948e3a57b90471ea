/**
 * Policy capabilities in Vault's canonical order: the bit order of
 * vault/policy.go (deny, create, read, update, delete, list, sudo, patch),
 * then subscribe, added later. Sorting by it makes rendered HCL independent
 * of the order a template lists them in.
 */

export const CAPABILITIES = [
  'deny',
  'create',
  'read',
  'update',
  'delete',
  'list',
  'sudo',
  'patch',
  'subscribe',
] as const;

export type Capability = (typeof CAPABILITIES)[number];

export function isCapability(value: string): value is Capability {
  return (CAPABILITIES as readonly string[]).includes(value);
}

/**
 * De-duplicated, in canonical order. `deny` drops every other capability, as
 * Vault does when it parses the stanza, so what we render is what Vault enforces.
 */
export function canonicalCapabilities(caps: Iterable<Capability>): Capability[] {
  const set = new Set(caps);
  if (set.has('deny')) return ['deny'];
  return CAPABILITIES.filter((c) => set.has(c));
}

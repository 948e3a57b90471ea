/**
 * Vault's built-in ACL policies, as `vault/policy_store.go` defines them
 * (current Vault; the texts match what `GET sys/policies/acl/default` returns
 * on a fresh 1.15+ server, leading newline included).
 *
 * - `default` is attached to every token unless `no_default_policy` is set.
 *   It is stored like any other policy: it can be edited but not deleted.
 * - `root` is virtual: not stored, immutable, and grants everything.
 * - `response-wrapping` is the policy of response-wrapping tokens (hidden
 *   from listings, immutable).
 * - `control-group` is the policy of control-group tokens (Enterprise feature;
 *   hidden, immutable).
 *
 * The lists of sudo-protected paths belong to the backends, not here.
 */

export const DEFAULT_POLICY_NAME = 'default';
export const ROOT_POLICY_NAME = 'root';
export const RESPONSE_WRAPPING_POLICY_NAME = 'response-wrapping';
export const CONTROL_GROUP_POLICY_NAME = 'control-group';

/**
 * The `default` policy. The identity paths use templating and only apply to
 * tokens with an identity entity (none here), so this module's ACL ignores them.
 */
export const DEFAULT_POLICY_HCL = `
# Allow tokens to look up their own properties
path "auth/token/lookup-self" {
    capabilities = ["read"]
}

# Allow tokens to renew themselves
path "auth/token/renew-self" {
    capabilities = ["update"]
}

# Allow tokens to revoke themselves
path "auth/token/revoke-self" {
    capabilities = ["update"]
}

# Allow a token to look up its own capabilities on a path
path "sys/capabilities-self" {
    capabilities = ["update"]
}

# Allow a token to look up its own entity by id or name
path "identity/entity/id/{{identity.entity.id}}" {
  capabilities = ["read"]
}
path "identity/entity/name/{{identity.entity.name}}" {
  capabilities = ["read"]
}


# Allow a token to look up its resultant ACL from all policies. This is useful
# for UIs. It is an internal path because the format may change at any time
# based on how the internal ACL features and capabilities change.
path "sys/internal/ui/resultant-acl" {
    capabilities = ["read"]
}

# Allow a token to renew a lease via lease_id in the request body; old path for
# old clients, new path for newer
path "sys/renew" {
    capabilities = ["update"]
}
path "sys/leases/renew" {
    capabilities = ["update"]
}

# Allow looking up lease properties. This requires knowing the lease ID ahead
# of time and does not divulge any sensitive information.
path "sys/leases/lookup" {
    capabilities = ["update"]
}

# Allow a token to manage its own cubbyhole
path "cubbyhole/*" {
    capabilities = ["create", "read", "update", "delete", "list"]
}

# Allow a token to wrap arbitrary values in a response-wrapping token
path "sys/wrapping/wrap" {
    capabilities = ["update"]
}

# Allow a token to look up the creation time and TTL of a given
# response-wrapping token
path "sys/wrapping/lookup" {
    capabilities = ["update"]
}

# Allow a token to unwrap a response-wrapping token. This is a convenience to
# avoid client token swapping since this is also part of the response wrapping
# policy.
path "sys/wrapping/unwrap" {
    capabilities = ["update"]
}

# Allow general purpose tools
path "sys/tools/hash" {
    capabilities = ["update"]
}
path "sys/tools/hash/*" {
    capabilities = ["update"]
}

# Allow checking the status of a Control Group request if the user has the
# accessor
path "sys/control-group/request" {
    capabilities = ["update"]
}

# Allow a token to make requests to the Authorization Endpoint for OIDC providers.
path "identity/oidc/provider/+/authorize" {
    capabilities = ["read", "update"]
}
`;

/** Lets a response-wrapping token store and hand out its wrapped response. */
export const RESPONSE_WRAPPING_POLICY_HCL = `
path "cubbyhole/response" {
    capabilities = ["create", "read"]
}

path "sys/wrapping/unwrap" {
    capabilities = ["update"]
}
`;

/** Lets a control-group token commit its request (Enterprise). */
export const CONTROL_GROUP_POLICY_HCL = `
path "cubbyhole/control-group" {
    capabilities = ["update", "create", "read"]
}

path "sys/wrapping/unwrap" {
    capabilities = ["update"]
}
`;

/** Policies that cannot be written or deleted through the API. */
export const IMMUTABLE_POLICY_NAMES: readonly string[] = [
  ROOT_POLICY_NAME,
  RESPONSE_WRAPPING_POLICY_NAME,
  CONTROL_GROUP_POLICY_NAME,
];

/** Policies left out of `LIST sys/policies/acl` and not assignable to tokens. */
export const NON_ASSIGNABLE_POLICY_NAMES: readonly string[] = [
  RESPONSE_WRAPPING_POLICY_NAME,
  CONTROL_GROUP_POLICY_NAME,
];

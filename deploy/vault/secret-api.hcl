# Policy "secret-api": the Secret API's own Vault token, and nothing more.
#
# Per role <cloud>.<env>.<app> (e.g. aws.stg.myapp) the API keeps two policies, an AppRole
# and a token role in Vault, hands out RoleIDs, wrapped SecretIDs and SecretID-minting tokens,
# and stores the apps' values in KV v2. Whatever is not granted below is denied by default.
# The token must also carry "default": that is where lookup-self and renew-self come from.
#
# Written for KV v2 at secret/, AppRole at approle/, and the database, aws and pki/<cloud>/<env>
# engines at the template's default mounts; other mounts need these paths edited.
#
# What this cannot stop: the API writes the text of the secret-api/read-* policies and may put
# them on AppRoles, so a stolen token can grant itself whatever such a policy could say. Vault
# policies cannot inspect policy text. The constraints below close the direct routes (root or
# this policy on an AppRole, orphan or root tokens, other policies, mounts and auth methods).

# The two per-role policies: read to plan, write to ensure, delete with the app. Vault has no
# existence check on sys/policies/acl/<name>, so a first write is an update and create is
# not needed. Every other policy, "default" and this one included, stays out of reach.
path "sys/policies/acl/secret-api/read-*" {
  capabilities = ["read", "update", "delete"]
  allowed_parameters = {
    "policy" = []
  }
}

path "sys/policies/acl/secret-api/getsecretid-*" {
  capabilities = ["read", "update", "delete"]
  allowed_parameters = {
    "policy" = []
  }
}

# The app's AppRole. Whoever writes a role chooses the policies of its logins, so
# token_policies may hold only "default" and the read policies the API renders, and
# bind_secret_id must stay true so that a RoleID alone (which deployers get) never logs in.
# Fields not listed are refused: the legacy policies/period aliases, role_id (taking over
# a RoleID), token_type, token_no_default_policy, local_secret_ids. Numbers cannot be pinned
# to a value (Vault compares a request's numbers as json.Number), so they are only allowed.
path "auth/approle/role/+" {
  capabilities = ["create", "read", "update", "delete"]
  allowed_parameters = {
    "bind_secret_id"        = [true]
    "secret_id_bound_cidrs" = []
    "secret_id_num_uses"    = []
    "secret_id_ttl"         = []
    "token_bound_cidrs"     = []
    "token_max_ttl"         = []
    "token_num_uses"        = []
    "token_period"          = []
    "token_policies"        = ["default", "secret-api/read-*"]
    "token_ttl"             = []
    # Written only to put back a default changed by hand (an ensure repairs that drift).
    "token_explicit_max_ttl"  = []
    "token_no_default_policy" = [false]
    "token_type"              = ["default"]
  }
  # "policies": the allow-list already refuses it; the explicit deny keeps the legacy alias
  # (which also sets token_policies) closed should someone widen the list with "*".
  # "*,*" (any string holding a comma): Vault matches the whole string against the globs
  # before splitting it, so "secret-api/read-x,admin" would pass "secret-api/read-*".
  denied_parameters = {
    "policies"       = []
    "token_policies" = ["*,*"]
  }
}

# Deploys get the RoleID; the API only reads it, never sets it.
path "auth/approle/role/+/role-id" {
  capabilities = ["read"]
}

# SecretIDs only response-wrapped, for at most the 60 s the API asks for, so the API only
# ever holds a single-use wrapping token and a SecretID never appears in its responses or
# logs. No ttl or num_uses: a SecretID keeps the role's limits (one use, five minutes).
path "auth/approle/role/+/secret-id" {
  capabilities     = ["update"]
  min_wrapping_ttl = "1s"
  max_wrapping_ttl = "60s"
  allowed_parameters = {
    "cidr_list" = []
    "metadata"  = []
  }
}

# If the API logs in with an AppRole named secret-api on this same mount, it must not
# reconfigure that role or mint SecretIDs for it. Role names without dots are never app
# roles. Better still, keep the API's own AppRole on another mount.
path "auth/approle/role/secret-api" {
  capabilities = ["deny"]
}

path "auth/approle/role/secret-api/*" {
  capabilities = ["deny"]
}

# The controller's token role. A role token's policies come from the role's allowed list, so
# that list is pinned to the getsecretid policies; orphan must stay false, so those tokens die
# with this one (a role can make orphans without sudo); the *_glob, period, type, path_suffix
# and entity-alias fields are refused. required_parameters cannot be used here: Vault checks
# it on reads too, and the API reads the role to plan.
path "auth/token/roles/getsecretid-*" {
  capabilities = ["create", "read", "update", "delete"]
  allowed_parameters = {
    "allowed_policies"       = ["secret-api/getsecretid-*"]
    "disallowed_policies"    = ["root"]
    "orphan"                 = [false]
    "renewable"              = []
    "token_explicit_max_ttl" = []
    "token_num_uses"         = []
  }
  # Refuses comma-separated strings, which would pass the glob above whole (see the AppRole).
  denied_parameters = {
    "allowed_policies" = ["*,*"]
  }
}

# Tokens for cluster controllers: only through those roles, only with a getsecretid policy and
# without "default" (the controller needs nothing else for its 60 s). display_name and meta
# only label the token in Vault's audit log (which app, cluster and controller asked).
# "policies" is required because, without it, a role that lost its allowed_policies would
# give the controller a copy of this token's own policies.
path "auth/token/create/getsecretid-*" {
  capabilities        = ["update"]
  required_parameters = ["policies"]
  allowed_parameters = {
    "policies"          = ["secret-api/getsecretid-*"]
    "no_default_policy" = [true]
    "ttl"               = []
    "num_uses"          = []
    "display_name"      = []
    "meta"              = []
  }
  # Refuses comma-separated strings, which would pass the glob above whole (see the AppRole).
  denied_parameters = {
    "policies" = ["*,*"]
  }
}

# The apps' dynamic-credential roles (database, AWS, PKI), written from the profiles an admin
# attached to the app and named after its AppRole (<cloud>.<env>.<app>), which is the only
# role the app's read policy can draw credentials from. Read to plan, write to ensure, delete
# when detached or with the app. Vault's globs cannot say "a name with two dots", so "+" is
# any role name on these mounts: keep hand-made roles on other mounts. Only the fields the
# API renders are allowed. The API never reads creds itself, nor touches the engines' config.
#
# What this cannot stop: creation statements are SQL run by the connection's user, and an AWS
# policy document is whatever IAM allows. Limit each database/config connection's
# allowed_roles to app roles (e.g. "*.*.*" or "aws.stg.*") and its user to what apps need, and
# the AWS engine's IAM user to the policies apps may get.
#
# database/roles has an existence check: the first write is a create, later ones updates.
path "database/roles/+" {
  capabilities = ["create", "read", "update", "delete"]
  allowed_parameters = {
    "db_name"               = []
    "creation_statements"   = []
    "revocation_statements" = []
    "default_ttl"           = []
    "max_ttl"               = []
  }
}

# aws/roles and pki/.../roles have no existence check: every write is an update.
path "aws/roles/+" {
  capabilities = ["read", "update", "delete"]
  allowed_parameters = {
    "credential_type" = ["iam_user", "assumed_role", "federation_token"]
    "policy_arns"     = []
    "policy_document" = []
    "role_arns"       = []
    "default_sts_ttl" = []
    "max_sts_ttl"     = []
  }
}

# One PKI engine per cluster at pki/<cloud>/<env>. A PKI role write replaces the whole role, so
# the fields not allowed here (allow_any_name, allow_glob_domains, ...) keep Vault's defaults,
# which refuse names outside allowed_domains.
path "pki/+/+/roles/+" {
  capabilities = ["read", "update", "delete"]
  allowed_parameters = {
    "allowed_domains"    = []
    "allow_subdomains"   = []
    "allow_bare_domains" = []
    "key_type"           = ["rsa", "ec"]
    "key_bits"           = []
    "ttl"                = []
    "max_ttl"            = []
  }
}

# KV v2 values: an app's are secret/data/<app>/<KEY>, shared ones secret/data/global/<KEY>,
# secret/data/project/<cloud>/<KEY> and secret/data/cluster/<cloud>/<env>/<KEY>. A KEY is one
# segment, so "+" pins the depth: nothing deeper, and nothing at the mount's root (config,
# the listing of every app), is reachable. "+/+" covers global/<KEY> as well.
# Writes are create (new key) or update (existing key); delete soft-deletes the latest version.
path "secret/data/+/+" {
  capabilities = ["create", "read", "update", "delete"]
}

path "secret/data/project/+/+" {
  capabilities = ["create", "read", "update", "delete"]
}

path "secret/data/cluster/+/+/+" {
  capabilities = ["create", "read", "update", "delete"]
}

# A key's versions (history, crash repair) and removing a key with all its versions.
path "secret/metadata/+/+" {
  capabilities = ["read", "delete"]
}

path "secret/metadata/project/+/+" {
  capabilities = ["read", "delete"]
}

path "secret/metadata/cluster/+/+/+" {
  capabilities = ["read", "delete"]
}

# Listing one app's or scope's keys. The trailing "/" matters: "+" also matches an empty
# segment, so a rule "secret/metadata/+" would grant LIST secret/metadata/ and with it every
# app name on the mount.
path "secret/metadata/+/" {
  capabilities = ["list"]
}

path "secret/metadata/project/+/" {
  capabilities = ["list"]
}

path "secret/metadata/cluster/+/+/" {
  capabilities = ["list"]
}

# Soft-deleting, undeleting and destroying given versions (rollback and history repair).
path "secret/delete/+/+" {
  capabilities = ["update"]
}

path "secret/delete/project/+/+" {
  capabilities = ["update"]
}

path "secret/delete/cluster/+/+/+" {
  capabilities = ["update"]
}

path "secret/undelete/+/+" {
  capabilities = ["update"]
}

path "secret/undelete/project/+/+" {
  capabilities = ["update"]
}

path "secret/undelete/cluster/+/+/+" {
  capabilities = ["update"]
}

path "secret/destroy/+/+" {
  capabilities = ["update"]
}

path "secret/destroy/project/+/+" {
  capabilities = ["update"]
}

path "secret/destroy/cluster/+/+/+" {
  capabilities = ["update"]
}

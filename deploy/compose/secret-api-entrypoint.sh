#!/bin/sh
# Entrypoint of the secret-api service in docker-compose.yml: for each NAME below, NAME_FILE=<path>
# sets NAME to the file's content, then the command runs. vault-init writes the API's RoleID and
# SecretID to a volume at run time, after the container's environment is fixed, and the Secret API
# reads credentials only from its environment. Once the API reads NAME_FILE itself, drop this.
set -eu

for name in VAULT_ROLE_ID VAULT_SECRET_ID VAULT_TOKEN HISTORY_HMAC_KEY; do
  eval "file=\${${name}_FILE:-}"
  [ -n "$file" ] || continue
  eval "already=\${${name}:-}"
  if [ -n "$already" ]; then
    echo "secret-api-entrypoint: set either $name or ${name}_FILE, not both" >&2
    exit 1
  fi
  if [ ! -r "$file" ]; then
    echo "secret-api-entrypoint: ${name}_FILE: cannot read $file" >&2
    exit 1
  fi
  # $(...) drops the trailing newline an editor may have added.
  value=$(cat "$file")
  export "$name=$value"
  unset "${name}_FILE"
done

exec "$@"

#!/bin/sh
# One-shot job of docker-compose.yml (service vault-init), run on every `docker compose up`.
# Everything it does is idempotent, so a rerun repairs a half-finished earlier run:
#
#   1. initialises Vault the first time (one unseal key) and unseals it after every restart;
#   2. enables AppRole at approle/ and KV v2 at secret/ (the mounts deploy/vault/secret-api.hcl names);
#   3. writes the policy "secret-api" from deploy/vault/secret-api.hcl;
#   4. creates the Secret API's own AppRole and leaves its RoleID and a SecretID on the
#      secret-api-vault-credentials volume, readable only by the API's user.
#
# FOR TRYING IT ONLY: the unseal key and the root token sit on the vault-init-keys volume next to
# the data they protect. A production Vault is initialised by its operators (keys split among
# people, root token revoked), unseals itself through a KMS or HSM seal, and is configured by
# whatever manages the rest of your Vault (Terraform, a pipeline) with steps 2-4 below.
set -eu

KEYS_FILE=/vault-init/keys/init.txt
POLICY_FILE=/vault-init/secret-api.hcl
OUT_DIR=/vault-init/credentials
ROLE=secret-api
# The Dockerfile's USER (node). The files are 0400, so this is the only user that can read them.
API_UID="${SECRET_API_UID:-1000}"

log() { printf 'vault-init: %s\n' "$*"; }
fail() {
  printf 'vault-init: %s\n' "$*" >&2
  exit 1
}

# `vault status` exits 0 when unsealed, 2 when sealed or uninitialised, 1 when unreachable.
status_code() {
  code=0
  vault status >/dev/null 2>&1 || code=$?
  echo "$code"
}

tries=0
while [ "$(status_code)" = 1 ]; do
  tries=$((tries + 1))
  [ "$tries" -lt 60 ] || fail "Vault at $VAULT_ADDR did not answer within 60 s"
  sleep 1
done

init_code=0
vault operator init -status >/dev/null 2>&1 || init_code=$?
if [ "$init_code" = 2 ]; then
  log 'initialising Vault (1 unseal key; for trying it only)'
  # umask: the file holds the root token; written whole, then moved, so a crash leaves no half file.
  (umask 077 && vault operator init -key-shares=1 -key-threshold=1 >"$KEYS_FILE.tmp")
  mv "$KEYS_FILE.tmp" "$KEYS_FILE"
elif [ "$init_code" != 0 ]; then
  fail 'cannot tell whether Vault is initialised'
fi

[ -s "$KEYS_FILE" ] ||
  fail "Vault is initialised but $KEYS_FILE is missing: this stack did not initialise it (or the vault-init-keys volume was removed). Unseal it yourself, or remove the vault-data volume to start over."
UNSEAL_KEY=$(awk '/^Unseal Key 1:/ { print $4 }' "$KEYS_FILE")
VAULT_TOKEN=$(awk '/^Initial Root Token:/ { print $4 }' "$KEYS_FILE")
if [ -z "$UNSEAL_KEY" ] || [ -z "$VAULT_TOKEN" ]; then fail "$KEYS_FILE has no unseal key or root token"; fi
export VAULT_TOKEN

if [ "$(status_code)" = 2 ]; then
  log 'unsealing Vault'
  vault operator unseal "$UNSEAL_KEY" >/dev/null
fi

# Unsealed is not yet writable: the raft node must elect itself leader first.
tries=0
until vault token lookup >/dev/null 2>&1; do
  tries=$((tries + 1))
  [ "$tries" -lt 60 ] || fail 'Vault did not become active within 60 s of unsealing'
  sleep 1
done

if ! vault auth list -format=json | grep -q '"approle/"'; then
  vault auth enable approle >/dev/null
  log 'enabled AppRole at approle/'
fi
if ! vault secrets list -format=json | grep -q '"secret/"'; then
  vault secrets enable -path=secret -version=2 kv >/dev/null
  log 'enabled KV v2 at secret/'
fi

vault policy write "$ROLE" "$POLICY_FILE" >/dev/null
log "wrote policy $ROLE from deploy/vault/secret-api.hcl"

# The API's login. token_period: its token lives as long as the API keeps renewing it.
# SecretID without use limit or TTL: the API logs in again with the same SecretID after a restart
# or a lost token, and nothing in this stack could hand it a fresh one. It is therefore a
# long-lived credential, like a token: it never leaves the credentials volume. Where something
# can deliver SecretIDs at start (a CI job, an orchestrator), use secret_id_num_uses=1 and a short
# secret_id_ttl instead, as deploy/vault/README.md shows.
vault write "auth/approle/role/$ROLE" \
  token_policies="$ROLE" \
  token_period=24h \
  token_ttl=0 \
  token_max_ttl=0 \
  token_num_uses=0 \
  secret_id_num_uses=0 \
  secret_id_ttl=0 \
  bind_secret_id=true >/dev/null

# Written to a temporary name, made readable by the API's user only, then renamed into place, so the
# API never reads a half-written or wrongly-owned file.
publish() {
  name=$1
  tmp="$OUT_DIR/.$name.tmp"
  (umask 077 && cat >"$tmp")
  chown "$API_UID" "$tmp"
  chmod 0400 "$tmp"
  mv -f "$tmp" "$OUT_DIR/$name"
}

# Captured first (set -e stops on a failed read), then piped from the printf builtin: a value in a
# pipe, unlike one in argv, is invisible to other processes.
role_id=$(vault read -field=role_id "auth/approle/role/$ROLE/role-id")
printf '%s' "$role_id" | publish role_id

# Keep a SecretID that Vault still knows (a rerun must not pile up SecretIDs); issue a new one when
# there is none or when Vault no longer has it (its data volume was reset).
secret_id_valid=no
if [ -s "$OUT_DIR/secret_id" ]; then
  # key=@file: the SecretID never appears on a command line.
  if vault write -format=json "auth/approle/role/$ROLE/secret-id/lookup" secret_id=@"$OUT_DIR/secret_id" 2>/dev/null |
    grep -q '"secret_id_accessor"'; then
    secret_id_valid=yes
  fi
fi
if [ "$secret_id_valid" = no ]; then
  secret_id=$(vault write -f -field=secret_id "auth/approle/role/$ROLE/secret-id")
  printf '%s' "$secret_id" | publish secret_id
  log "issued a SecretID for AppRole $ROLE"
fi

log "ready: the Secret API logs in with AppRole $ROLE (policies: $ROLE, default)"

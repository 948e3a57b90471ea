# Vault server configuration for docker-compose.yml: a real server (not -dev), so secrets, policies
# and AppRoles survive restarts and the API meets the same seal, storage and ACL behaviour as in
# production.

ui = true

# Integrated storage (raft) on the vault-data volume: what HashiCorp recommends for new clusters,
# and no second service to run. One node here; production runs three or five.
storage "raft" {
  path    = "/vault/file"
  node_id = "vault-1"
}

# Raft keeps its data in memory-mapped files, where mlock does more harm than good; HashiCorp's
# guidance for integrated storage is to disable it (and to disable swap on the host instead).
disable_mlock = true

# TLS is off only because the listener is reachable on the compose network and, published, on the
# host's loopback. Production: set tls_cert_file/tls_key_file here and use https:// in VAULT_ADDR.
listener "tcp" {
  address         = "0.0.0.0:8200"
  cluster_address = "0.0.0.0:8201"
  tls_disable     = true
}

# Raft requires both; they must be addresses other nodes (and clients) can reach.
api_addr     = "http://vault:8200"
cluster_addr = "http://vault:8201"

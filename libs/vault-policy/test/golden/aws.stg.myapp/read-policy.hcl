# secret-api/read-aws.stg.myapp: managed by secret-api for app "myapp" in cluster "aws.stg".
# Rendered from the policy template; manual edits are overwritten by the next ensure.

# Dynamic AWS credentials for this app in this cluster
path "aws/creds/aws.stg.myapp" {
  capabilities = ["read"]
}

# Dynamic database credentials for this app in this cluster
path "database/creds/aws.stg.myapp" {
  capabilities = ["read"]
}

# Read the cluster CA chain
path "pki/aws/stg/ca_chain" {
  capabilities = ["read"]
}

# Read the cluster CA certificate
path "pki/aws/stg/cert/ca" {
  capabilities = ["read"]
}

# Issue this app's TLS certificates from the cluster CA (issuing is an update)
path "pki/aws/stg/issue/aws.stg.myapp" {
  capabilities = ["update"]
}

# Read secrets shared by every app in this cluster
path "secret/data/cluster/aws/stg/*" {
  capabilities = ["read"]
}

# Read secrets shared by every app
path "secret/data/global/*" {
  capabilities = ["read"]
}

# Read the app's own secrets
path "secret/data/myapp/*" {
  capabilities = ["read"]
}

# Read secrets shared by every app in this cloud
path "secret/data/project/aws/*" {
  capabilities = ["read"]
}

# List the app's own secret keys
path "secret/metadata/myapp/*" {
  capabilities = ["list"]
}

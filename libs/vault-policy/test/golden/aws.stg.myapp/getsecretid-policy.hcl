# secret-api/getsecretid-aws.stg.myapp: managed by secret-api for app "myapp" in cluster "aws.stg".
# Rendered from the policy template; manual edits are overwritten by the next ensure.

# Generate SecretIDs for this app's AppRole, nothing else
path "auth/approle/role/aws.stg.myapp/secret-id" {
  capabilities = ["create", "update"]
}

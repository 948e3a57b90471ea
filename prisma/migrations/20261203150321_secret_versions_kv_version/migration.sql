-- AlterTable
ALTER TABLE "secret_versions" ADD COLUMN     "kv_created_time" TEXT,
ADD COLUMN     "kv_version" INTEGER;

-- Until now the history's version was the KV v2 version. Rows keep both numbers equal; their
-- `kv_created_time` stays null and is filled in by repair once it has checked the version in Vault.
UPDATE "secret_versions" SET "kv_version" = "version";

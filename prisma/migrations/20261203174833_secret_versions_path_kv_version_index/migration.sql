-- CreateIndex
CREATE INDEX "secret_versions_path_kv_version_idx" ON "secret_versions"("path", "kv_version");

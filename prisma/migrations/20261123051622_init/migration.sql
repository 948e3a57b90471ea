-- CreateTable
CREATE TABLE "apps" (
    "name" TEXT NOT NULL,
    "owner_groups" TEXT[],
    "deployers" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "reveal_groups" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "created_by" TEXT NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "apps_pkey" PRIMARY KEY ("name")
);

-- CreateTable
CREATE TABLE "clusters" (
    "name" TEXT NOT NULL,
    "cloud" TEXT NOT NULL,
    "env" TEXT NOT NULL,
    "controller_subjects" TEXT[],
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "created_by" TEXT NOT NULL,

    CONSTRAINT "clusters_pkey" PRIMARY KEY ("name")
);

-- CreateTable
CREATE TABLE "app_role_bindings" (
    "app_name" TEXT NOT NULL,
    "cluster_name" TEXT NOT NULL,
    "role_name" TEXT NOT NULL,
    "role_id" TEXT NOT NULL,
    "template_hash" TEXT NOT NULL,
    "ensured_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "ensured_by" TEXT NOT NULL,

    CONSTRAINT "app_role_bindings_pkey" PRIMARY KEY ("app_name","cluster_name")
);

-- CreateIndex
CREATE UNIQUE INDEX "clusters_cloud_env_key" ON "clusters"("cloud", "env");

-- CreateIndex
CREATE UNIQUE INDEX "app_role_bindings_role_name_key" ON "app_role_bindings"("role_name");

-- CreateIndex
CREATE INDEX "app_role_bindings_cluster_name_idx" ON "app_role_bindings"("cluster_name");

-- AddForeignKey
ALTER TABLE "app_role_bindings" ADD CONSTRAINT "app_role_bindings_app_name_fkey" FOREIGN KEY ("app_name") REFERENCES "apps"("name") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "app_role_bindings" ADD CONSTRAINT "app_role_bindings_cluster_name_fkey" FOREIGN KEY ("cluster_name") REFERENCES "clusters"("name") ON DELETE RESTRICT ON UPDATE CASCADE;

-- CreateTable
CREATE TABLE "secret_versions" (
    "id" BIGSERIAL NOT NULL,
    "path" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "actor" TEXT NOT NULL,
    "comment" TEXT,
    "fingerprint" TEXT NOT NULL,
    "confirmed" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "secret_versions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_events" (
    "id" BIGSERIAL NOT NULL,
    "time" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "target" TEXT NOT NULL,
    "app" TEXT,
    "result" TEXT NOT NULL,
    "request_id" TEXT NOT NULL,

    CONSTRAINT "audit_events_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "secret_versions_confirmed_created_at_idx" ON "secret_versions"("confirmed", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "secret_versions_path_version_key" ON "secret_versions"("path", "version");

-- CreateIndex
CREATE INDEX "audit_events_app_id_idx" ON "audit_events"("app", "id");

-- CreateIndex
CREATE INDEX "audit_events_actor_id_idx" ON "audit_events"("actor", "id");

-- CreateIndex
CREATE INDEX "audit_events_time_idx" ON "audit_events"("time");

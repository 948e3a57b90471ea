-- CreateTable
CREATE TABLE "app_dynamic_profiles" (
    "app_name" TEXT NOT NULL,
    "database" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "aws" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "pki" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "namespace" TEXT,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    "updated_by" TEXT NOT NULL,

    CONSTRAINT "app_dynamic_profiles_pkey" PRIMARY KEY ("app_name")
);

-- AddForeignKey
ALTER TABLE "app_dynamic_profiles" ADD CONSTRAINT "app_dynamic_profiles_app_name_fkey" FOREIGN KEY ("app_name") REFERENCES "apps"("name") ON DELETE CASCADE ON UPDATE CASCADE;

-- CreateTable
CREATE TABLE "deleted_names" (
    "kind" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "deleted_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "deleted_names_pkey" PRIMARY KEY ("kind","name")
);

-- Billing-run claims get a lease: a claim left open by a worker that died is taken over once `leaseUntil`
-- has passed, instead of blocking its subscription period forever. `attempts` counts the workers that held
-- the claim. SQLite cannot add a column with a non-constant default, so the table is rebuilt (Prisma's
-- RedefineTables; nothing references BillingRunClaim). Claims written before leases existed get
-- `leaseUntil` = `claimedAt`: their lease has run out, and the next claimer takes over an open one at once.

-- RedefineTables
CREATE TABLE "new_BillingRunClaim" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "tenantId" TEXT NOT NULL,
    "subscriptionId" TEXT NOT NULL,
    "periodStart" DATETIME NOT NULL,
    "workerId" TEXT NOT NULL,
    "claimedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "leaseUntil" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "attempts" INTEGER NOT NULL DEFAULT 1,
    "completedAt" DATETIME,
    "invoiceId" TEXT,
    CONSTRAINT "BillingRunClaim_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "BillingRunClaim_subscriptionId_fkey" FOREIGN KEY ("subscriptionId") REFERENCES "Subscription" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_BillingRunClaim" ("id", "tenantId", "subscriptionId", "periodStart", "workerId", "claimedAt", "leaseUntil", "attempts", "completedAt", "invoiceId")
SELECT "id", "tenantId", "subscriptionId", "periodStart", "workerId", "claimedAt", "claimedAt", 1, "completedAt", "invoiceId" FROM "BillingRunClaim";
DROP TABLE "BillingRunClaim";
ALTER TABLE "new_BillingRunClaim" RENAME TO "BillingRunClaim";

-- CreateIndex
CREATE INDEX "BillingRunClaim_tenantId_workerId_idx" ON "BillingRunClaim"("tenantId", "workerId");

-- CreateIndex
CREATE UNIQUE INDEX "BillingRunClaim_subscriptionId_periodStart_key" ON "BillingRunClaim"("subscriptionId", "periodStart");

-- CreateIndex: the open claims of a tenant whose lease has run out.
CREATE INDEX "BillingRunClaim_tenantId_completedAt_leaseUntil_idx" ON "BillingRunClaim"("tenantId", "completedAt", "leaseUntil");

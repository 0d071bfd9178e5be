-- Billing-run claims get a lease: a claim left open by a worker that died is taken over once `leaseUntil`
-- has passed, instead of blocking its subscription period forever. `attempts` counts the workers that held
-- the claim. One column per ALTER, so that a failure part-way is undone column by column.

-- AlterTable
ALTER TABLE `BillingRunClaim` ADD COLUMN `leaseUntil` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3);

-- AlterTable
ALTER TABLE `BillingRunClaim` ADD COLUMN `attempts` INTEGER NOT NULL DEFAULT 1;

-- CreateIndex: the open claims of a tenant whose lease has run out.
CREATE INDEX `BillingRunClaim_tenantId_completedAt_leaseUntil_idx` ON `BillingRunClaim`(`tenantId`, `completedAt`, `leaseUntil`);

-- Claims written before leases existed: their lease ran out when they were claimed (CURRENT_TIMESTAMP is
-- the session's time zone, the columns hold UTC), so the next claimer takes over an open one at once.
UPDATE `BillingRunClaim` SET `leaseUntil` = `claimedAt`;

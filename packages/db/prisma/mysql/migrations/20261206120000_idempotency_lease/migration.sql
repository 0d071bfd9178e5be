-- Idempotency claims get a lease: a claim whose request is still running is its holder's until
-- `leaseUntil`, which the holder keeps extending; a claim left by a process that died is taken over by the
-- next retry once its lease has run out, instead of answering "in progress" until the record expires (24 h).
-- Claims made before leases existed keep NULL: their lease is `createdAt` plus the default lease.

-- AlterTable
ALTER TABLE `IdempotencyRecord` ADD COLUMN `leaseUntil` DATETIME(3) NULL;

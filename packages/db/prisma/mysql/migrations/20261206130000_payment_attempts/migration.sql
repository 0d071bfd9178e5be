-- Payments become the workflows' payment attempts: reserved under the invoice's row lock before the
-- gateway is called. `paymentMethodId` is what a resumed attempt charges, `leaseUntil` the holder's lease
-- while it is pending, and `inFlightInvoiceId` (the invoice while the attempt is pending or processing,
-- else NULL) is unique per tenant: at most one attempt in flight per invoice. One column per ALTER, so that
-- a failure part-way is undone column by column. Rows written before hold no attempt in flight.

-- AlterTable
ALTER TABLE `Payment` ADD COLUMN `paymentMethodId` VARCHAR(191) NULL;

-- AlterTable
ALTER TABLE `Payment` ADD COLUMN `leaseUntil` DATETIME(3) NULL;

-- AlterTable
ALTER TABLE `Payment` ADD COLUMN `inFlightInvoiceId` VARCHAR(191) NULL;

-- CreateIndex
CREATE UNIQUE INDEX `Payment_tenantId_inFlightInvoiceId_key` ON `Payment`(`tenantId`, `inFlightInvoiceId`);

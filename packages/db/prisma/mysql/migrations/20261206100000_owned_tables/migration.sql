-- billing_db owns what the API kept in its run-time `ApiDocument` table: metadata, an invoice's payment
-- tracking, a credit note's memo, instants as the client spelled them, the tax rate table and billing runs;
-- plus a customer balance ledger and what is left of a credit discount. One column per ALTER, so that a
-- failure part-way is undone column by column. (TEXT defaults are written as expressions, as MySQL 8 wants.)

-- AlterTable
ALTER TABLE `Customer` ADD COLUMN `metadata` TEXT NOT NULL DEFAULT ('{}');

-- AlterTable
ALTER TABLE `Product` ADD COLUMN `metadata` TEXT NOT NULL DEFAULT ('{}');

-- AlterTable
ALTER TABLE `Subscription` ADD COLUMN `metadata` TEXT NOT NULL DEFAULT ('{}');

-- AlterTable
ALTER TABLE `Subscription` ADD COLUMN `instantSpellings` TEXT NULL;

-- AlterTable
ALTER TABLE `SubscriptionDiscount` ADD COLUMN `creditRemaining` BIGINT NULL;

-- AlterTable
ALTER TABLE `Invoice` ADD COLUMN `paymentIntentId` VARCHAR(191) NULL;

-- AlterTable
ALTER TABLE `Invoice` ADD COLUMN `lastPaymentError` TEXT NULL;

-- AlterTable
ALTER TABLE `Invoice` ADD COLUMN `paymentAttempts` INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE `Invoice` ADD COLUMN `paymentMethodId` VARCHAR(191) NULL;

-- AlterTable
ALTER TABLE `Invoice` ADD COLUMN `gatewayCustomerId` VARCHAR(191) NULL;

-- AlterTable
ALTER TABLE `Invoice` ADD COLUMN `instantSpellings` TEXT NULL;

-- AlterTable
ALTER TABLE `CreditNote` ADD COLUMN `memo` TEXT NULL;

-- AlterTable
ALTER TABLE `CreditNote` ADD COLUMN `instantSpellings` TEXT NULL;

-- AlterTable
ALTER TABLE `CreditNote` ADD COLUMN `updatedAt` DATETIME(3) NULL;

-- CreateTable
CREATE TABLE `TaxRateTable` (
    `tenantId` VARCHAR(191) NOT NULL,
    `definition` LONGTEXT NOT NULL,
    `version` INTEGER NOT NULL DEFAULT 1,
    `createdAt` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    `updatedAt` DATETIME(3) NOT NULL,
    PRIMARY KEY (`tenantId`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `BillingRun` (
    `id` VARCHAR(191) NOT NULL,
    `tenantId` VARCHAR(191) NOT NULL,
    `upTo` DATETIME(3) NOT NULL,
    `status` VARCHAR(191) NOT NULL,
    `considered` INTEGER NOT NULL DEFAULT 0,
    `renewed` INTEGER NOT NULL DEFAULT 0,
    `skipped` INTEGER NOT NULL DEFAULT 0,
    `failed` INTEGER NOT NULL DEFAULT 0,
    `invoiceIds` LONGTEXT NOT NULL,
    `errors` LONGTEXT NOT NULL,
    `createdAt` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    `completedAt` DATETIME(3) NULL,
    `updatedAt` DATETIME(3) NOT NULL,
    `version` INTEGER NOT NULL DEFAULT 0,
    INDEX `BillingRun_tenantId_id_idx`(`tenantId`, `id`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `CustomerBalanceTransaction` (
    `id` VARCHAR(191) NOT NULL,
    `tenantId` VARCHAR(191) NOT NULL,
    `customerId` VARCHAR(191) NOT NULL,
    `type` VARCHAR(191) NOT NULL,
    `amount` BIGINT NOT NULL,
    `currency` CHAR(3) NOT NULL,
    `endingBalance` BIGINT NOT NULL,
    `invoiceId` VARCHAR(191) NULL,
    `creditNoteId` VARCHAR(191) NULL,
    `description` TEXT NULL,
    `metadata` TEXT NOT NULL DEFAULT ('{}'),
    `createdAt` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    INDEX `CustomerBalanceTransaction_tenantId_customerId_id_idx`(`tenantId`, `customerId`, `id`),
    INDEX `CustomerBalanceTransaction_customerId_idx`(`customerId`),
    INDEX `CustomerBalanceTransaction_invoiceId_idx`(`invoiceId`),
    INDEX `CustomerBalanceTransaction_creditNoteId_idx`(`creditNoteId`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- AddForeignKey
ALTER TABLE `TaxRateTable` ADD CONSTRAINT `TaxRateTable_tenantId_fkey` FOREIGN KEY (`tenantId`) REFERENCES `Tenant`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE `BillingRun` ADD CONSTRAINT `BillingRun_tenantId_fkey` FOREIGN KEY (`tenantId`) REFERENCES `Tenant`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE `CustomerBalanceTransaction` ADD CONSTRAINT `CustomerBalanceTransaction_tenantId_fkey` FOREIGN KEY (`tenantId`) REFERENCES `Tenant`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE `CustomerBalanceTransaction` ADD CONSTRAINT `CustomerBalanceTransaction_customerId_fkey` FOREIGN KEY (`customerId`) REFERENCES `Customer`(`id`) ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE `CustomerBalanceTransaction` ADD CONSTRAINT `CustomerBalanceTransaction_invoiceId_fkey` FOREIGN KEY (`invoiceId`) REFERENCES `Invoice`(`id`) ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE `CustomerBalanceTransaction` ADD CONSTRAINT `CustomerBalanceTransaction_creditNoteId_fkey` FOREIGN KEY (`creditNoteId`) REFERENCES `CreditNote`(`id`) ON DELETE SET NULL ON UPDATE CASCADE;

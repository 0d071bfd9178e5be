-- CreateTable
CREATE TABLE `AuditChainHead` (
    `tenantId` VARCHAR(191) NOT NULL,
    `seq` INTEGER NOT NULL,
    `hash` CHAR(64) NOT NULL,
    PRIMARY KEY (`tenantId`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- AddForeignKey
ALTER TABLE `AuditChainHead` ADD CONSTRAINT `AuditChainHead_tenantId_fkey` FOREIGN KEY (`tenantId`) REFERENCES `Tenant`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;

-- CreateTable
CREATE TABLE `GatewayCredential` (
    `id` VARCHAR(191) NOT NULL,
    `tenantId` VARCHAR(191) NOT NULL,
    `provider` VARCHAR(191) NOT NULL,
    `accountId` VARCHAR(191) NOT NULL,
    `encryptedSecretKey` TEXT NOT NULL,
    `encryptedWebhookSecrets` TEXT NOT NULL,
    `sandbox` BOOLEAN NOT NULL,
    `encryptionKeyId` VARCHAR(191) NOT NULL,
    `createdAt` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    `updatedAt` DATETIME(3) NOT NULL,
    UNIQUE INDEX `GatewayCredential_tenantId_provider_key`(`tenantId`, `provider`),
    UNIQUE INDEX `GatewayCredential_provider_accountId_key`(`provider`, `accountId`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- AddForeignKey
ALTER TABLE `GatewayCredential` ADD CONSTRAINT `GatewayCredential_tenantId_fkey` FOREIGN KEY (`tenantId`) REFERENCES `Tenant`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;

-- CreateTable
CREATE TABLE "GatewayCredential" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "tenantId" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "encryptedSecretKey" TEXT NOT NULL,
    "encryptedWebhookSecrets" TEXT NOT NULL,
    "sandbox" BOOLEAN NOT NULL,
    "encryptionKeyId" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "GatewayCredential_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE UNIQUE INDEX "GatewayCredential_tenantId_provider_key" ON "GatewayCredential"("tenantId", "provider");

-- CreateIndex
CREATE UNIQUE INDEX "GatewayCredential_provider_accountId_key" ON "GatewayCredential"("provider", "accountId");

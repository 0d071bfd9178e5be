-- billing_db owns what the API kept in its run-time `ApiDocument` table: metadata, an invoice's payment
-- tracking, a credit note's memo, instants as the client spelled them, the tax rate table and billing runs;
-- plus a customer balance ledger and what is left of a credit discount.

-- AlterTable
ALTER TABLE "Customer" ADD COLUMN "metadata" TEXT NOT NULL DEFAULT '{}';

-- AlterTable
ALTER TABLE "Product" ADD COLUMN "metadata" TEXT NOT NULL DEFAULT '{}';

-- AlterTable
ALTER TABLE "Subscription" ADD COLUMN "metadata" TEXT NOT NULL DEFAULT '{}';

-- AlterTable
ALTER TABLE "Subscription" ADD COLUMN "instantSpellings" TEXT;

-- AlterTable
ALTER TABLE "SubscriptionDiscount" ADD COLUMN "creditRemaining" BIGINT;

-- AlterTable
ALTER TABLE "Invoice" ADD COLUMN "paymentIntentId" TEXT;

-- AlterTable
ALTER TABLE "Invoice" ADD COLUMN "lastPaymentError" TEXT;

-- AlterTable
ALTER TABLE "Invoice" ADD COLUMN "paymentAttempts" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "Invoice" ADD COLUMN "paymentMethodId" TEXT;

-- AlterTable
ALTER TABLE "Invoice" ADD COLUMN "gatewayCustomerId" TEXT;

-- AlterTable
ALTER TABLE "Invoice" ADD COLUMN "instantSpellings" TEXT;

-- AlterTable
ALTER TABLE "CreditNote" ADD COLUMN "memo" TEXT;

-- AlterTable
ALTER TABLE "CreditNote" ADD COLUMN "instantSpellings" TEXT;

-- AlterTable
ALTER TABLE "CreditNote" ADD COLUMN "updatedAt" DATETIME;

-- CreateTable
CREATE TABLE "TaxRateTable" (
    "tenantId" TEXT NOT NULL PRIMARY KEY,
    "definition" TEXT NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 1,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "TaxRateTable_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "BillingRun" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "tenantId" TEXT NOT NULL,
    "upTo" DATETIME NOT NULL,
    "status" TEXT NOT NULL,
    "considered" INTEGER NOT NULL DEFAULT 0,
    "renewed" INTEGER NOT NULL DEFAULT 0,
    "skipped" INTEGER NOT NULL DEFAULT 0,
    "failed" INTEGER NOT NULL DEFAULT 0,
    "invoiceIds" TEXT NOT NULL,
    "errors" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "completedAt" DATETIME,
    "updatedAt" DATETIME NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT "BillingRun_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "CustomerBalanceTransaction" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "tenantId" TEXT NOT NULL,
    "customerId" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "amount" BIGINT NOT NULL,
    "currency" TEXT NOT NULL,
    "endingBalance" BIGINT NOT NULL,
    "invoiceId" TEXT,
    "creditNoteId" TEXT,
    "description" TEXT,
    "metadata" TEXT NOT NULL DEFAULT '{}',
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "CustomerBalanceTransaction_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "CustomerBalanceTransaction_customerId_fkey" FOREIGN KEY ("customerId") REFERENCES "Customer" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "CustomerBalanceTransaction_invoiceId_fkey" FOREIGN KEY ("invoiceId") REFERENCES "Invoice" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "CustomerBalanceTransaction_creditNoteId_fkey" FOREIGN KEY ("creditNoteId") REFERENCES "CreditNote" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "BillingRun_tenantId_id_idx" ON "BillingRun"("tenantId", "id");

-- CreateIndex
CREATE INDEX "CustomerBalanceTransaction_tenantId_customerId_id_idx" ON "CustomerBalanceTransaction"("tenantId", "customerId", "id");

-- CreateIndex
CREATE INDEX "CustomerBalanceTransaction_customerId_idx" ON "CustomerBalanceTransaction"("customerId");

-- CreateIndex
CREATE INDEX "CustomerBalanceTransaction_invoiceId_idx" ON "CustomerBalanceTransaction"("invoiceId");

-- CreateIndex
CREATE INDEX "CustomerBalanceTransaction_creditNoteId_idx" ON "CustomerBalanceTransaction"("creditNoteId");

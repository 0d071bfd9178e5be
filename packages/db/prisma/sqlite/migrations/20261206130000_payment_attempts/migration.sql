-- Payments become the workflows' payment attempts: reserved under the invoice's row lock before the
-- gateway is called. `paymentMethodId` is what a resumed attempt charges, `leaseUntil` the holder's lease
-- while it is pending, and `inFlightInvoiceId` (the invoice while the attempt is pending or processing,
-- else NULL) is unique per tenant: at most one attempt in flight per invoice. Rows written before hold no
-- attempt in flight.

-- AlterTable
ALTER TABLE "Payment" ADD COLUMN "paymentMethodId" TEXT;

-- AlterTable
ALTER TABLE "Payment" ADD COLUMN "leaseUntil" DATETIME;

-- AlterTable
ALTER TABLE "Payment" ADD COLUMN "inFlightInvoiceId" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "Payment_tenantId_inFlightInvoiceId_key" ON "Payment"("tenantId", "inFlightInvoiceId");

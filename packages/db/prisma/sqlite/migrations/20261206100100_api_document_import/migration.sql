-- Moves what the API's run-time `ApiDocument` table held (an unreleased API; nothing creates that table any
-- more) into the columns and tables of `20261206100000_owned_tables`, then drops it. Side documents: metadata of
-- customers, products and subscriptions, instants as the client spelled them, an invoice's payment tracking,
-- a credit note's memo and last change. Whole records: the tenant's tax rate table and billing runs.
-- Instants are copied in the form the API wrote them (`toISOString()`); a row whose instant has another form
-- keeps the column's default (side documents) or is left out (billing runs). Records of the kinds an earlier
-- API moved into db's tables when it opened the database (`customer`, `product`, `price`, `discount`,
-- `subscription`, `invoice`, `credit_note`) are not copied: every API version that wrote them moved them at
-- its next start.

-- The table is created when absent (a database the API never opened), so that the statements below read an
-- empty table instead of failing.
CREATE TABLE IF NOT EXISTS "ApiDocument" (
    "tenantId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 0,
    "body" TEXT NOT NULL,
    "createdAt" TEXT NOT NULL,
    "updatedAt" TEXT NOT NULL,
    PRIMARY KEY ("tenantId", "kind", "id")
);

UPDATE "Customer"
SET "metadata" = COALESCE(json_extract(d."body", '$.metadata'), '{}')
FROM "ApiDocument" d
WHERE d."tenantId" = "Customer"."tenantId" AND d."kind" = 'customer_extra' AND d."id" = "Customer"."id";

UPDATE "Product"
SET "metadata" = COALESCE(json_extract(d."body", '$.metadata'), '{}')
FROM "ApiDocument" d
WHERE d."tenantId" = "Product"."tenantId" AND d."kind" = 'product_extra' AND d."id" = "Product"."id";

UPDATE "Subscription"
SET "metadata" = COALESCE(json_extract(d."body", '$.metadata'), '{}'),
    "instantSpellings" = json_extract(d."body", '$.instants')
FROM "ApiDocument" d
WHERE d."tenantId" = "Subscription"."tenantId" AND d."kind" = 'subscription_extra' AND d."id" = "Subscription"."id";

UPDATE "Invoice"
SET "paymentIntentId" = json_extract(d."body", '$.payment.paymentIntentId'),
    "lastPaymentError" = json_extract(d."body", '$.payment.lastPaymentError'),
    "paymentAttempts" = COALESCE(CAST(json_extract(d."body", '$.payment.paymentAttempts') AS INTEGER), 0),
    "paymentMethodId" = json_extract(d."body", '$.payment.paymentMethodId'),
    "gatewayCustomerId" = json_extract(d."body", '$.payment.gatewayCustomerId'),
    "instantSpellings" = json_extract(d."body", '$.instants')
FROM "ApiDocument" d
WHERE d."tenantId" = "Invoice"."tenantId" AND d."kind" = 'invoice_extra' AND d."id" = "Invoice"."id";

UPDATE "CreditNote"
SET "memo" = json_extract(d."body", '$.memo'),
    "instantSpellings" = json_extract(d."body", '$.instants'),
    "updatedAt" = CASE WHEN json_extract(d."body", '$.updatedAt') GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z' THEN substr(json_extract(d."body", '$.updatedAt'), 1, 23) || '+00:00' END
FROM "ApiDocument" d
WHERE d."tenantId" = "CreditNote"."tenantId" AND d."kind" = 'credit_note_extra' AND d."id" = "CreditNote"."id";

INSERT INTO "TaxRateTable" ("tenantId", "definition", "version", "createdAt", "updatedAt")
SELECT d."tenantId",
    json_extract(d."body", '$.table'),
    COALESCE(CAST(json_extract(d."body", '$.version') AS INTEGER), d."version"),
    COALESCE(CASE WHEN json_extract(d."body", '$.createdAt') GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z' THEN substr(json_extract(d."body", '$.createdAt'), 1, 23) || '+00:00' END, CASE WHEN d."createdAt" GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z' THEN substr(d."createdAt", 1, 23) || '+00:00' END, strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now')),
    COALESCE(CASE WHEN json_extract(d."body", '$.updatedAt') GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z' THEN substr(json_extract(d."body", '$.updatedAt'), 1, 23) || '+00:00' END, CASE WHEN d."updatedAt" GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z' THEN substr(d."updatedAt", 1, 23) || '+00:00' END, strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now'))
FROM "ApiDocument" d
WHERE d."kind" = 'tax_table' AND json_extract(d."body", '$.table') IS NOT NULL;

INSERT INTO "BillingRun" ("id", "tenantId", "upTo", "status", "considered", "renewed", "skipped", "failed", "invoiceIds", "errors", "createdAt", "completedAt", "updatedAt", "version")
SELECT d."id",
    d."tenantId",
    CASE WHEN json_extract(d."body", '$.upTo') GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z' THEN substr(json_extract(d."body", '$.upTo'), 1, 23) || '+00:00' END,
    COALESCE(json_extract(d."body", '$.status'), 'completed'),
    COALESCE(CAST(json_extract(d."body", '$.considered') AS INTEGER), 0),
    COALESCE(CAST(json_extract(d."body", '$.renewed') AS INTEGER), 0),
    COALESCE(CAST(json_extract(d."body", '$.skipped') AS INTEGER), 0),
    COALESCE(CAST(json_extract(d."body", '$.failed') AS INTEGER), 0),
    COALESCE(json_extract(d."body", '$.invoiceIds'), '[]'),
    COALESCE(json_extract(d."body", '$.errors'), '[]'),
    COALESCE(CASE WHEN json_extract(d."body", '$.createdAt') GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z' THEN substr(json_extract(d."body", '$.createdAt'), 1, 23) || '+00:00' END, strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now')),
    CASE WHEN json_extract(d."body", '$.completedAt') GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z' THEN substr(json_extract(d."body", '$.completedAt'), 1, 23) || '+00:00' END,
    COALESCE(CASE WHEN json_extract(d."body", '$.updatedAt') GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z' THEN substr(json_extract(d."body", '$.updatedAt'), 1, 23) || '+00:00' END, CASE WHEN json_extract(d."body", '$.createdAt') GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z' THEN substr(json_extract(d."body", '$.createdAt'), 1, 23) || '+00:00' END, strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now')),
    d."version"
FROM "ApiDocument" d
WHERE d."kind" = 'billing_run' AND CASE WHEN json_extract(d."body", '$.upTo') GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z' THEN substr(json_extract(d."body", '$.upTo'), 1, 23) || '+00:00' END IS NOT NULL;

DROP TABLE "ApiDocument";

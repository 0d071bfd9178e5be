-- Moves what the API's run-time `ApiDocument` table held (an unreleased API; nothing creates that table any
-- more) into the columns and tables of `20261206100000_owned_tables`, then drops it. Side documents: metadata of
-- customers, products and subscriptions, instants as the client spelled them, an invoice's payment tracking,
-- a credit note's memo and last change. Whole records: the tenant's tax rate table and billing runs.
-- Instants are copied in the form the API wrote them (`toISOString()`); a row whose instant has another form
-- keeps the column's default (side documents) or is left out (billing runs). Records of the kinds an earlier
-- API moved into db's tables when it opened the database (`customer`, `product`, `price`, `discount`,
-- `subscription`, `invoice`, `credit_note`) are not copied: every API version that wrote them moved them at
-- its next start. Data statements, kept in a migration of their own (they cannot be undone mechanically).

-- The table is created when absent (a database the API never opened), so that the statements below read an
-- empty table instead of failing.
CREATE TABLE IF NOT EXISTS `ApiDocument` (
    `tenantId` VARCHAR(191) NOT NULL,
    `kind` VARCHAR(32) NOT NULL,
    `id` VARCHAR(191) COLLATE utf8mb4_bin NOT NULL,
    `version` INT NOT NULL DEFAULT 0,
    `body` LONGTEXT NOT NULL,
    `createdAt` VARCHAR(32) NOT NULL,
    `updatedAt` VARCHAR(32) NOT NULL,
    PRIMARY KEY (`tenantId`, `kind`, `id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

UPDATE `Customer` c
JOIN `ApiDocument` d ON d.`tenantId` = c.`tenantId` AND d.`kind` = 'customer_extra' AND d.`id` = c.`id` COLLATE utf8mb4_bin
SET c.`metadata` = COALESCE(JSON_EXTRACT(d.`body`, '$.metadata'), '{}');

UPDATE `Product` p
JOIN `ApiDocument` d ON d.`tenantId` = p.`tenantId` AND d.`kind` = 'product_extra' AND d.`id` = p.`id` COLLATE utf8mb4_bin
SET p.`metadata` = COALESCE(JSON_EXTRACT(d.`body`, '$.metadata'), '{}');

UPDATE `Subscription` s
JOIN `ApiDocument` d ON d.`tenantId` = s.`tenantId` AND d.`kind` = 'subscription_extra' AND d.`id` = s.`id` COLLATE utf8mb4_bin
SET s.`metadata` = COALESCE(JSON_EXTRACT(d.`body`, '$.metadata'), '{}'),
    s.`instantSpellings` = JSON_EXTRACT(d.`body`, '$.instants');

UPDATE `Invoice` i
JOIN `ApiDocument` d ON d.`tenantId` = i.`tenantId` AND d.`kind` = 'invoice_extra' AND d.`id` = i.`id` COLLATE utf8mb4_bin
SET i.`paymentIntentId` = CASE WHEN JSON_TYPE(JSON_EXTRACT(d.`body`, '$.payment.paymentIntentId')) = 'NULL' THEN NULL ELSE JSON_UNQUOTE(JSON_EXTRACT(d.`body`, '$.payment.paymentIntentId')) END,
    i.`lastPaymentError` = CASE WHEN JSON_TYPE(JSON_EXTRACT(d.`body`, '$.payment.lastPaymentError')) = 'NULL' THEN NULL ELSE JSON_UNQUOTE(JSON_EXTRACT(d.`body`, '$.payment.lastPaymentError')) END,
    i.`paymentAttempts` = COALESCE(CAST(JSON_UNQUOTE(JSON_EXTRACT(d.`body`, '$.payment.paymentAttempts')) AS SIGNED), 0),
    i.`paymentMethodId` = CASE WHEN JSON_TYPE(JSON_EXTRACT(d.`body`, '$.payment.paymentMethodId')) = 'NULL' THEN NULL ELSE JSON_UNQUOTE(JSON_EXTRACT(d.`body`, '$.payment.paymentMethodId')) END,
    i.`gatewayCustomerId` = CASE WHEN JSON_TYPE(JSON_EXTRACT(d.`body`, '$.payment.gatewayCustomerId')) = 'NULL' THEN NULL ELSE JSON_UNQUOTE(JSON_EXTRACT(d.`body`, '$.payment.gatewayCustomerId')) END,
    i.`instantSpellings` = JSON_EXTRACT(d.`body`, '$.instants');

UPDATE `CreditNote` n
JOIN `ApiDocument` d ON d.`tenantId` = n.`tenantId` AND d.`kind` = 'credit_note_extra' AND d.`id` = n.`id` COLLATE utf8mb4_bin
SET n.`memo` = CASE WHEN JSON_TYPE(JSON_EXTRACT(d.`body`, '$.memo')) = 'NULL' THEN NULL ELSE JSON_UNQUOTE(JSON_EXTRACT(d.`body`, '$.memo')) END,
    n.`instantSpellings` = JSON_EXTRACT(d.`body`, '$.instants'),
    n.`updatedAt` = CASE WHEN JSON_UNQUOTE(JSON_EXTRACT(d.`body`, '$.updatedAt')) REGEXP '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[.][0-9]{3}Z$' THEN CAST(REPLACE(LEFT(JSON_UNQUOTE(JSON_EXTRACT(d.`body`, '$.updatedAt')), 23), 'T', ' ') AS DATETIME(3)) END;

INSERT INTO `TaxRateTable` (`tenantId`, `definition`, `version`, `createdAt`, `updatedAt`)
SELECT d.`tenantId`,
    JSON_EXTRACT(d.`body`, '$.table'),
    COALESCE(CAST(JSON_UNQUOTE(JSON_EXTRACT(d.`body`, '$.version')) AS SIGNED), d.`version`),
    COALESCE(CASE WHEN JSON_UNQUOTE(JSON_EXTRACT(d.`body`, '$.createdAt')) REGEXP '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[.][0-9]{3}Z$' THEN CAST(REPLACE(LEFT(JSON_UNQUOTE(JSON_EXTRACT(d.`body`, '$.createdAt')), 23), 'T', ' ') AS DATETIME(3)) END, CASE WHEN d.`createdAt` REGEXP '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[.][0-9]{3}Z$' THEN CAST(REPLACE(LEFT(d.`createdAt`, 23), 'T', ' ') AS DATETIME(3)) END, CURRENT_TIMESTAMP(3)),
    COALESCE(CASE WHEN JSON_UNQUOTE(JSON_EXTRACT(d.`body`, '$.updatedAt')) REGEXP '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[.][0-9]{3}Z$' THEN CAST(REPLACE(LEFT(JSON_UNQUOTE(JSON_EXTRACT(d.`body`, '$.updatedAt')), 23), 'T', ' ') AS DATETIME(3)) END, CASE WHEN d.`updatedAt` REGEXP '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[.][0-9]{3}Z$' THEN CAST(REPLACE(LEFT(d.`updatedAt`, 23), 'T', ' ') AS DATETIME(3)) END, CURRENT_TIMESTAMP(3))
FROM `ApiDocument` d
WHERE d.`kind` = 'tax_table' AND JSON_EXTRACT(d.`body`, '$.table') IS NOT NULL;

INSERT INTO `BillingRun` (`id`, `tenantId`, `upTo`, `status`, `considered`, `renewed`, `skipped`, `failed`, `invoiceIds`, `errors`, `createdAt`, `completedAt`, `updatedAt`, `version`)
SELECT d.`id`,
    d.`tenantId`,
    CASE WHEN JSON_UNQUOTE(JSON_EXTRACT(d.`body`, '$.upTo')) REGEXP '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[.][0-9]{3}Z$' THEN CAST(REPLACE(LEFT(JSON_UNQUOTE(JSON_EXTRACT(d.`body`, '$.upTo')), 23), 'T', ' ') AS DATETIME(3)) END,
    COALESCE(CASE WHEN JSON_TYPE(JSON_EXTRACT(d.`body`, '$.status')) = 'NULL' THEN NULL ELSE JSON_UNQUOTE(JSON_EXTRACT(d.`body`, '$.status')) END, 'completed'),
    COALESCE(CAST(JSON_UNQUOTE(JSON_EXTRACT(d.`body`, '$.considered')) AS SIGNED), 0),
    COALESCE(CAST(JSON_UNQUOTE(JSON_EXTRACT(d.`body`, '$.renewed')) AS SIGNED), 0),
    COALESCE(CAST(JSON_UNQUOTE(JSON_EXTRACT(d.`body`, '$.skipped')) AS SIGNED), 0),
    COALESCE(CAST(JSON_UNQUOTE(JSON_EXTRACT(d.`body`, '$.failed')) AS SIGNED), 0),
    COALESCE(JSON_EXTRACT(d.`body`, '$.invoiceIds'), '[]'),
    COALESCE(JSON_EXTRACT(d.`body`, '$.errors'), '[]'),
    COALESCE(CASE WHEN JSON_UNQUOTE(JSON_EXTRACT(d.`body`, '$.createdAt')) REGEXP '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[.][0-9]{3}Z$' THEN CAST(REPLACE(LEFT(JSON_UNQUOTE(JSON_EXTRACT(d.`body`, '$.createdAt')), 23), 'T', ' ') AS DATETIME(3)) END, CURRENT_TIMESTAMP(3)),
    CASE WHEN JSON_UNQUOTE(JSON_EXTRACT(d.`body`, '$.completedAt')) REGEXP '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[.][0-9]{3}Z$' THEN CAST(REPLACE(LEFT(JSON_UNQUOTE(JSON_EXTRACT(d.`body`, '$.completedAt')), 23), 'T', ' ') AS DATETIME(3)) END,
    COALESCE(CASE WHEN JSON_UNQUOTE(JSON_EXTRACT(d.`body`, '$.updatedAt')) REGEXP '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[.][0-9]{3}Z$' THEN CAST(REPLACE(LEFT(JSON_UNQUOTE(JSON_EXTRACT(d.`body`, '$.updatedAt')), 23), 'T', ' ') AS DATETIME(3)) END, CASE WHEN JSON_UNQUOTE(JSON_EXTRACT(d.`body`, '$.createdAt')) REGEXP '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[.][0-9]{3}Z$' THEN CAST(REPLACE(LEFT(JSON_UNQUOTE(JSON_EXTRACT(d.`body`, '$.createdAt')), 23), 'T', ' ') AS DATETIME(3)) END, CURRENT_TIMESTAMP(3)),
    d.`version`
FROM `ApiDocument` d
WHERE d.`kind` = 'billing_run' AND CASE WHEN JSON_UNQUOTE(JSON_EXTRACT(d.`body`, '$.upTo')) REGEXP '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[.][0-9]{3}Z$' THEN CAST(REPLACE(LEFT(JSON_UNQUOTE(JSON_EXTRACT(d.`body`, '$.upTo')), 23), 'T', ' ') AS DATETIME(3)) END IS NOT NULL;

DROP TABLE `ApiDocument`;

-- AlterTable: a subscription's billed lines and pending items grow with every mid-period change; TEXT
-- (64 KB) overflowed after about 75 changes in one period.
ALTER TABLE `Subscription` MODIFY `pendingInvoiceItems` LONGTEXT NOT NULL,
    MODIFY `billedLines` LONGTEXT NOT NULL;

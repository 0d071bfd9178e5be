-- Backfill: every tenant's chain head is its latest audit event (seq 0 and the genesis hash when it has none).
INSERT INTO "AuditChainHead" ("tenantId", "seq", "hash")
SELECT t."id", COALESCE(e."seq", 0), COALESCE(e."hash", '0000000000000000000000000000000000000000000000000000000000000000')
FROM "Tenant" t
LEFT JOIN (SELECT "tenantId", MAX("seq") AS "seq" FROM "AuditEvent" GROUP BY "tenantId") m ON m."tenantId" = t."id"
LEFT JOIN "AuditEvent" e ON e."tenantId" = m."tenantId" AND e."seq" = m."seq";

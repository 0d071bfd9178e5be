import type { PrismaClient as SqlitePrismaClient } from './generated/sqlite/client.js';

// Both generated clients come from the same models (prisma/schema.base.prisma), so their model delegates
// have the same shape. The repositories are typed against the SQLite client and receive either.

/** A Prisma client for billing_db (either provider). */
export type BillingPrismaClient = SqlitePrismaClient;
/** What repositories run against: the client itself or an interactive-transaction client. */
export type BillingClient = Omit<
  BillingPrismaClient,
  '$connect' | '$disconnect' | '$on' | '$transaction' | '$extends'
>;
export type Provider = 'sqlite' | 'mysql';

import type { FastifyInstance } from 'fastify';
import { apiKeyRoutes } from './api-keys.js';
import { auditRoutes } from './audit.js';
import { billingRunRoutes } from './billing-runs.js';
import { catalogRoutes } from './catalog.js';
import { type RouteContext, typed } from './context.js';
import { customerRoutes } from './customers.js';
import { discountRoutes } from './discounts.js';
import { dunningRoutes } from './dunning.js';
import { healthRoutes } from './health.js';
import { invoiceRoutes } from './invoices.js';
import { subscriptionRoutes } from './subscriptions.js';
import { taxRoutes } from './tax.js';
import { webhookRoutes } from './webhooks.js';

export async function registerRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  const api = typed(app);
  await healthRoutes(api, ctx);
  await customerRoutes(api, ctx);
  await catalogRoutes(api, ctx);
  await taxRoutes(api, ctx);
  await discountRoutes(api, ctx);
  await subscriptionRoutes(api, ctx);
  await invoiceRoutes(api, ctx);
  await billingRunRoutes(api, ctx);
  await dunningRoutes(api, ctx);
  await apiKeyRoutes(api, ctx);
  await auditRoutes(api, ctx);
  await webhookRoutes(app, ctx);
}

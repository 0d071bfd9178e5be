// The host's own HTTP server (Express), billing through @billkit/workflows. Each route parses its input,
// calls one workflow operation and answers with the result: what billkit's own API does with Fastify.

import { isWorkflowError } from '@billkit/workflows';
import express from 'express';

/**
 * @param {object} options
 * @param {import('@billkit/workflows').Billing} options.billing
 * @param {string} options.tenantId  the one tenant (merchant) this host bills for
 * @param {(accountId: string) => { tenantId: string, secrets: string[] } | null} options.tilledAccounts
 */
export function createServer({ billing, tenantId, tilledAccounts }) {
  const app = express();
  /** The webhooks this process received, for the scenario to wait on. */
  const received = [];
  const op = (req) => ({
    tenantId,
    actor: 'host-app',
    ...(req.get('idempotency-key') ? { idempotencyKey: req.get('idempotency-key') } : {}),
  });

  // Tilled signs the raw bytes: read this route's body as text, before any JSON parser.
  app.post('/webhooks/tilled', express.text({ type: '*/*' }), async (req, res) => {
    try {
      const receipt = await billing.gatewayEvents.receive({
        rawBody: req.body,
        signature: req.get('tilled-signature') ?? null,
        routing: tilledAccounts,
      });
      const applied = receipt.duplicate
        ? { applied: false }
        : await billing.gatewayEvents.apply(
            { tenantId: receipt.tenantId, actor: 'tilled' },
            receipt.stored.id,
          );
      received.push({ eventId: receipt.eventId, type: receipt.type, applied: applied.applied });
      res.json({ received: true, applied: applied.applied });
    } catch (error) {
      if (isWorkflowError(error) && error.code === 'WORKFLOW_GATEWAY_EVENT_REJECTED')
        return res.status(400).json({ code: error.code, reason: error.details.reason });
      throw error;
    }
  });

  app.use(express.json());

  app.post('/customers', async (req, res) => {
    res.status(201).json(await billing.customers.create(op(req), req.body));
  });
  app.post('/subscriptions', async (req, res) => {
    res.status(201).json(await billing.subscriptions.create(op(req), req.body));
  });
  app.post('/subscriptions/:id/change', async (req, res) => {
    res.json(await billing.subscriptions.change(op(req), req.params.id, req.body));
  });
  app.post('/invoices/:id/finalize', async (req, res) => {
    res.json(await billing.invoices.finalize(op(req), req.params.id, req.body ?? {}));
  });
  app.post('/invoices/:id/pay', async (req, res) => {
    res.json(await billing.invoices.pay(op(req), req.params.id, req.body));
  });
  app.get('/invoices/:id', async (req, res) => {
    res.json(await billing.invoices.retrieve(op(req), req.params.id));
  });
  app.get('/webhooks/received', (_req, res) => {
    res.json(received);
  });

  // Workflow errors carry a code and the offending fields: a 4xx the client can act on.
  app.use((error, _req, res, _next) => {
    if (!isWorkflowError(error) && !/^[A-Z]+_[A-Z_]+$/.test(String(error?.code))) {
      console.error(error);
      return res.status(500).json({ code: 'INTERNAL' });
    }
    const status = error.code.endsWith('NOT_FOUND') ? 404 : error.code.includes('CONFLICT') ? 409 : 422;
    res
      .status(status)
      .json({ code: error.code, message: error.message, fields: error.details?.fields ?? [] });
  });
  return app;
}

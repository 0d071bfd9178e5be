import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import openapiTS, { astToString } from 'openapi-typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { servedOpenApiDocument } from './support/openapi-document.js';

const TSC_BIN = createRequire(import.meta.url).resolve('typescript/bin/tsc');

// A client an integrator would write over the generated types: operations by their operationId, paths
// by their template. The @ts-expect-error lines prove the types are precise (they fail on `any`).
const CLIENT = `
import type { operations, paths } from './billkit-api.js';

type CreateCustomerBody = NonNullable<operations['createCustomer']['requestBody']>['content']['application/json'];
type Customer = paths['/v1/customers']['post']['responses'][201]['content']['application/json'];
type Problem = operations['createCustomer']['responses'][422]['content']['application/json'];
type InvoiceList = operations['listInvoices']['responses'][200]['content']['application/json'];
type PayInvoicePath = operations['payInvoice']['parameters']['path'];

/** The transport the client wraps (fetch in a real one). */
type Send = (method: string, path: string, body?: unknown) => Promise<{ status: number; json: unknown }>;

export async function createCustomer(send: Send, body: CreateCustomerBody): Promise<Customer> {
  const response = await send('POST', '/v1/customers', body);
  if (response.status !== 201) throw new Error((response.json as Problem).code);
  return response.json as Customer;
}

export async function firstInvoiceTotal(send: Send): Promise<number | undefined> {
  const list = (await send('GET', '/v1/invoices')).json as InvoiceList;
  return list.data[0]?.total.amount;
}

export const payPath = (path: PayInvoicePath): string => \`/v1/invoices/\${path.id}/pay\`;

export async function example(send: Send): Promise<string> {
  const customer = await createCustomer(send, { currency: 'USD', address: { country: 'US', region: 'IL' } });
  const balance: number = customer.balance;
  // @ts-expect-error currency is required
  const missingCurrency: CreateCustomerBody = { address: { country: 'US' } };
  // @ts-expect-error a customer's id is a string
  const wrongId: number = customer.id;
  return [customer.id, balance, missingCurrency, wrongId].join();
}
`;

describe('a client generated from the OpenAPI document by openapi-typescript', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'billkit-openapi-client-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('compiles with tsc --noEmit, typed by operationId and by path', async () => {
    const document = await servedOpenApiDocument();
    const types = astToString(await openapiTS(document as unknown as Parameters<typeof openapiTS>[0]));
    writeFileSync(join(dir, 'billkit-api.ts'), types);
    writeFileSync(join(dir, 'client.ts'), CLIENT);
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          lib: ['ES2023'],
          module: 'ESNext',
          moduleResolution: 'Bundler',
          strict: true,
          exactOptionalPropertyTypes: true,
          noUncheckedIndexedAccess: true,
          types: [],
          noEmit: true,
        },
        files: ['client.ts'],
      }),
    );
    const tsc = spawnSync(process.execPath, [TSC_BIN, '-p', dir], { encoding: 'utf8', timeout: 60_000 });
    expect(`${tsc.stdout}${tsc.stderr}`).toBe('');
    expect(tsc.status).toBe(0);
  }, 60_000);
});

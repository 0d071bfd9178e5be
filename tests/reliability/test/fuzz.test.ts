// biome-ignore-all lint/suspicious/noExplicitAny: generated payloads are loose JSON
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOpenInvoice, createSubscription, seedCatalog } from './support/fixtures.js';
import { type CallResult, isProblem } from './support/http.js';
import { checksumAllTables } from './support/mariadb.js';
import {
  allowedTypes,
  jsonType,
  mainBranch,
  minimalValid,
  type Operation,
  operationsOf,
  type Schema,
} from './support/openapi.js';
import { type Stack, startStack } from './support/stack.js';
import { tally } from './support/summary.js';

const SUITE = 'bad input';
const TOTAL_CASES = 2000;

/** Values of every JSON type, chosen to hurt: huge, negative, unicode, SQL-looking, deeply nested. */
const NASTY: Record<string, unknown[]> = {
  string: [
    "'; DROP TABLE Invoice; --",
    '" OR 1=1 --',
    '𝕏\u0000\u202e💣',
    '',
    '../../etc/passwd',
    '<script>alert(1)</script>',
    'usd',
    '9999-99-99T99:99:99Z',
    '0000-00-00T00:00:00Z',
    '1e400',
    'x'.repeat(5000),
  ],
  integer: [-1, -(2 ** 53) - 2, 2 ** 53 + 2, 2 ** 63, 0],
  number: [1.5, -0.0001, 1e308, -1e308],
  boolean: [true, false],
  null: [null],
  array: [[], [null], [[[[]]]], Array.from({ length: 3 }, () => "' OR '1'='1")],
  object: [{}, { __proto__: { admin: true } }, { $where: '1' }, nest(200)],
};

function nest(depth: number): unknown {
  let v: unknown = 'deep';
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
}

/** A value whose JSON type the schema does not allow, or undefined when it allows everything. */
function wrongType(schema: Schema, pick: number): unknown {
  const allowed = allowedTypes(schema);
  const candidates = Object.entries(NASTY)
    .filter(([type]) => !allowed.has(type) && !(type === 'integer' && allowed.has('number')))
    .flatMap(([, values]) => values);
  return candidates.length === 0 ? undefined : candidates[pick % candidates.length];
}

/** A value of the right type that breaks a bound, an enum or a pattern, if the schema has one. */
function outOfBounds(schema: Schema, pick: number): unknown {
  const s = mainBranch(schema);
  const options: unknown[] = [];
  if (typeof s.minimum === 'number' && s.minimum > -9007199254740991)
    options.push(s.minimum - 1, s.minimum - 1000);
  if (typeof s.maximum === 'number' && s.maximum < 9007199254740991) options.push(s.maximum + 1, 2 ** 53 + 2);
  if (s.type === 'integer') options.push(0.5, 1.0000001);
  if (Array.isArray(s.enum)) options.push('not_a_member', `${String(s.enum[0])} `);
  if (typeof s.maxLength === 'number') options.push('y'.repeat(s.maxLength + 1));
  if (typeof s.minLength === 'number' && s.minLength > 0) options.push('');
  if (s.pattern === '^[A-Z]{3}$') options.push('usd', 'XXXX', 'US', '€€€');
  if (s.format === 'date-time')
    options.push('2024-02-30T00:00:00Z', '99999-01-01T00:00:00Z', 'yesterday', '2024-13-01T00:00:00Z');
  if (typeof s.minItems === 'number' && s.minItems > 0) options.push([]);
  if (typeof s.maxItems === 'number') options.push(Array.from({ length: s.maxItems + 1 }, () => ({})));
  return options.length === 0 ? undefined : options[pick % options.length];
}

type Violation = (body: Record<string, unknown>, schema: Schema, pick: number) => boolean;

/** Each returns false when it cannot apply to this schema (the generator then tries another). */
const VIOLATIONS: Violation[] = [
  // unknown field, where the schema is closed
  (body, schema, pick) => {
    if (mainBranch(schema).additionalProperties !== false) return false;
    body[['__proto_x', 'amount_in_dollars', "id' OR 1=1", 'ünïcødé'][pick % 4]!] = 1;
    return true;
  },
  // a required field missing
  (body, schema, pick) => {
    const required: string[] = mainBranch(schema).required ?? [];
    if (required.length === 0 || schema.oneOf) return false;
    delete body[required[pick % required.length]!];
    return true;
  },
  // a field of the wrong JSON type
  (body, schema, pick) => {
    const props = Object.entries<Schema>(mainBranch(schema).properties ?? {});
    for (let i = 0; i < props.length; i++) {
      const [key, prop] = props[(pick + i) % props.length]!;
      const value = wrongType(prop, pick);
      if (value !== undefined) {
        body[key] = value;
        return true;
      }
    }
    return false;
  },
  // a field out of range / not in the enum / not matching the pattern
  (body, schema, pick) => {
    const props = Object.entries<Schema>(mainBranch(schema).properties ?? {});
    for (let i = 0; i < props.length; i++) {
      const [key, prop] = props[(pick + i) % props.length]!;
      const value = outOfBounds(prop, pick);
      if (value !== undefined) {
        body[key] = value;
        return true;
      }
    }
    return false;
  },
  // a negative or absurd quantity inside the first item
  (body, schema, pick) => {
    const items = mainBranch(schema).properties?.items ?? mainBranch(schema).properties?.lines;
    const itemSchema = items?.items;
    if (!itemSchema?.properties?.quantity && !itemSchema?.properties?.amount) return false;
    const field = itemSchema.properties.quantity ? 'quantity' : 'amount';
    const list = Array.isArray(body.items) ? body.items : Array.isArray(body.lines) ? body.lines : null;
    if (!list || typeof list[0] !== 'object' || list[0] === null) return false;
    (list[0] as Record<string, unknown>)[field] = [-1, -1000000, 1e21, '5', 1.25][pick % 5];
    return field === 'quantity' || (pick % 5 !== 0 && pick % 5 !== 1);
  },
];

let stack: Stack;
let ops: Operation[];
let refs: Record<string, string>;
let realIds: string[];
const BAD_IDS = [
  "' OR '1'='1",
  '1; DROP TABLE Invoice',
  '𝕏💣',
  '..%2F..%2Fetc',
  'in_' + 'z'.repeat(1500),
  '%00',
  ' ',
];

beforeAll(async () => {
  stack = await startStack('fuzz');
  const admin = stack.as('admin');
  const catalog = await seedCatalog(admin, 2);
  const sub = await createSubscription(admin, catalog, catalog.customerIds[0]!, 1);
  const invoice = await createOpenInvoice(admin, catalog, catalog.customerIds[1]!);
  refs = {
    customer: catalog.customerIds[0]!,
    price: catalog.monthlyPriceId,
    product: catalog.productId,
    invoice: invoice.id,
    invoice_line: invoice.lines[0].id,
    subscription: sub.id,
  };
  realIds = [catalog.customerIds[0]!, catalog.productId, catalog.monthlyPriceId, sub.id, invoice.id];
  ops = operationsOf((await admin('GET', '/openapi.json')).body).filter((op) => op.path.startsWith('/v1/'));
});

afterAll(async () => {
  await stack?.close();
});

interface Case {
  readonly label: string;
  readonly method: string;
  readonly path: string;
  readonly body?: string;
  readonly contentType?: string;
}

function bodyCases(op: Operation): fc.Arbitrary<Case> {
  const schema = op.body!;
  return fc
    .record({
      violations: fc.uniqueArray(fc.nat(VIOLATIONS.length - 1), { minLength: 1, maxLength: 3 }),
      pick: fc.nat(1000),
      useRealId: fc.boolean(),
      idPick: fc.nat(100),
    })
    .map(({ violations, pick, useRealId, idPick }) => {
      const body = structuredClone(minimalValid(schema, refs)) as Record<string, unknown>;
      const applied = violations.filter((v) => VIOLATIONS[v]!(body, schema, pick + v));
      let payload: unknown = body;
      if (applied.length === 0) payload = [null, 'a string', 42, [body]][pick % 4]; // wrong root type
      const id = useRealId ? realIds[idPick % realIds.length]! : BAD_IDS[idPick % BAD_IDS.length]!;
      return {
        label: `body violations ${applied.join(',') || 'root'}`,
        method: op.method,
        path: op.path.replace('{id}', encodeURIComponent(id)),
        body: JSON.stringify(payload),
      };
    });
}

function queryCases(op: Operation): fc.Arbitrary<Case> {
  return fc
    .record({ pick: fc.nat(1000), extra: fc.constantFrom(...(NASTY.string as string[])) })
    .map(({ pick, extra }) => {
      const params = new URLSearchParams();
      const violable = op.query.filter((q) => outOfBounds(q.schema, pick) !== undefined || q.required);
      const target = violable[pick % Math.max(1, violable.length)];
      for (const q of op.query) {
        if (q === target) {
          if (q.required && pick % 2 === 0) continue; // missing required parameter
          params.set(q.name, String(outOfBounds(q.schema, pick) ?? ''));
        } else if (q.schema.type === 'string' && !q.schema.pattern && !q.schema.enum && !q.schema.maxLength) {
          params.set(q.name, extra);
        }
      }
      if (!target) params.set('limit', String([-1, 0, 1e30, 'abc'][pick % 4]));
      return { label: 'query', method: 'GET', path: `${op.path.replace('{id}', refs.customer!)}?${params}` };
    });
}

function pathCases(op: Operation): fc.Arbitrary<Case> {
  return fc.constantFrom(...BAD_IDS).map((id) => ({
    label: 'path',
    method: op.method,
    path: op.path.replace('{id}', encodeURIComponent(id)),
    ...(op.method === 'GET' ? {} : { body: JSON.stringify(op.body ? minimalValid(op.body, refs) : {}) }),
  }));
}

const RAW_CASES: Omit<Case, 'method' | 'path'>[] = [
  { label: 'malformed json', body: '{"currency": "USD",' },
  { label: 'json with trailing garbage', body: '{"currency":"USD"} xyz' },
  { label: 'huge exponent', body: '{"quantity": 1e400, "items": [{"price":"x","quantity":1e400}]}' },
  { label: 'deep nesting', body: `${'['.repeat(5000)}${']'.repeat(5000)}` },
  { label: 'text/plain', body: 'currency=USD', contentType: 'text/plain' },
  { label: 'form encoded', body: 'currency=USD', contentType: 'application/x-www-form-urlencoded' },
  { label: 'null body', body: 'null' },
];

describe('bad input', () => {
  it(`answers ${TOTAL_CASES}+ generated invalid requests over every operation with 4xx problem+json, never 5xx, and leaves every table unchanged`, async () => {
    const admin = stack.as('admin');
    const before = await checksumAllTables(stack.db.name);
    const arbitraries: fc.Arbitrary<Case>[] = [];
    for (const op of ops) {
      if (op.body) arbitraries.push(bodyCases(op));
      if (op.query.length > 0) arbitraries.push(queryCases(op));
      if (op.pathParams.includes('id')) arbitraries.push(pathCases(op));
    }
    const perArbitrary = Math.ceil(TOTAL_CASES / arbitraries.length);
    const cases: Case[] = arbitraries.flatMap((arb, i) =>
      fc.sample(arb, { numRuns: perArbitrary, seed: 4242 + i }),
    );
    for (const op of ops.filter((o) => o.method !== 'GET')) {
      for (const raw of RAW_CASES)
        cases.push({ ...raw, method: op.method, path: op.path.replace('{id}', refs.invoice!) });
    }
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    for (const c of cases) {
      const res: CallResult = await admin(c.method, c.path, c.body, {
        headers: c.body !== undefined ? { 'content-type': c.contentType ?? 'application/json' } : {},
      });
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      const bad =
        res.status < 400 || res.status >= 500
          ? `status ${res.status}`
          : !isProblem(res)
            ? 'not problem+json'
            : /node_modules|at [A-Za-z.]+ \(/.test(res.text)
              ? 'stack trace in body'
              : null;
      if (bad)
        failures.push(
          `${c.method} ${c.path.slice(0, 60)} [${c.label}] ${bad}: ${res.text.slice(0, 200)} <= ${String(c.body).slice(0, 200)}`,
        );
    }
    tally(SUITE, { badInputs: cases.length });
    expect(cases.length).toBeGreaterThanOrEqual(TOTAL_CASES);
    expect(
      failures.slice(0, 20),
      `${failures.length} failures; statuses ${JSON.stringify([...statuses])}`,
    ).toEqual([]);
    const after = await checksumAllTables(stack.db.name);
    expect(after).toEqual(before);
  });

  it('rejects every generated body that breaks a schema rule even when typed by fast-check, property style', async () => {
    const admin = stack.as('admin');
    const before = await checksumAllTables(stack.db.name);
    let tried = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          customer: fc.oneof(fc.constant(refs.customer), fc.string()),
          items: fc.array(
            fc.record({
              price: fc.oneof(fc.constant(refs.price), fc.string()),
              quantity: fc.oneof(
                fc.integer({ max: -1 }),
                fc.integer({ min: 1_000_001 }),
                fc.double({ noInteger: true }),
              ),
            }),
            { minLength: 1, maxLength: 3 },
          ),
        }),
        async (body) => {
          tried += 1;
          const res = await admin('POST', '/v1/subscriptions', body);
          expect(res.status).toBeGreaterThanOrEqual(400);
          expect(res.status).toBeLessThan(500);
          expect(isProblem(res)).toBe(true);
          expect(res.body.code).toBe('API_VALIDATION_FAILED');
          expect(jsonType(res.body.errors)).toBe('array');
        },
      ),
      { numRuns: 150, seed: 99 },
    );
    tally(SUITE, { badInputs: tried });
    expect(await checksumAllTables(stack.db.name)).toEqual(before);
  });
});

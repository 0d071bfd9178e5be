// biome-ignore-all lint/suspicious/noExplicitAny: JSON Schema is walked as loose JSON
/** A JSON Schema node as the API's /openapi.json writes it. */
export type Schema = Record<string, any>;

export interface Operation {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** OpenAPI template, `/v1/invoices/{id}/pay`. */
  readonly path: string;
  readonly pathParams: string[];
  readonly query: { name: string; schema: Schema; required: boolean }[];
  readonly body: Schema | null;
}

/** Every operation of the document, dereferencing `#/components/schemas/*`. */
export function operationsOf(doc: any): Operation[] {
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries<any>(doc.paths ?? {})) {
    for (const [method, op] of Object.entries<any>(item)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      const params: any[] = op.parameters ?? [];
      const body = op.requestBody?.content?.['application/json']?.schema ?? null;
      ops.push({
        method: method.toUpperCase() as Operation['method'],
        path,
        pathParams: params.filter((p) => p.in === 'path').map((p) => p.name),
        query: params
          .filter((p) => p.in === 'query')
          .map((p) => ({ name: p.name, schema: deref(doc, p.schema ?? {}), required: p.required === true })),
        body: body ? deref(doc, body) : null,
      });
    }
  }
  return ops;
}

function deref(doc: any, schema: Schema, depth = 0): Schema {
  if (depth > 20 || schema === null || typeof schema !== 'object') return schema;
  if (typeof schema.$ref === 'string') {
    const name = schema.$ref.replace('#/components/schemas/', '');
    return deref(doc, doc.components?.schemas?.[name] ?? {}, depth + 1);
  }
  const out: Schema = Array.isArray(schema) ? [] : {};
  for (const [k, v] of Object.entries(schema))
    out[k] = typeof v === 'object' && v !== null ? deref(doc, v, depth + 1) : v;
  return out;
}

/** POSTs without side effects (quotes and previews), which a read key may call. */
const READ_ONLY_POSTS = ['/v1/tax/quote', '/v1/discounts/preview', '/v1/subscriptions/{id}/preview-change'];

/**
 * The scope a route needs: admin for replacing the tax table, billing and dunning runs, audit and API keys; read for
 * GETs and side-effect-free previews; write otherwise. (The OpenAPI document does not publish scopes yet.)
 */
export function requiredScope(op: Operation): 'read' | 'write' | 'admin' {
  if (op.method === 'PUT' && op.path === '/v1/tax/rate-table') return 'admin';
  if (/^\/v1\/(billing-runs|dunning-runs|audit-events|api-keys)/.test(op.path)) return 'admin';
  if (op.method === 'GET' || READ_ONLY_POSTS.includes(op.path)) return 'read';
  return 'write';
}

/** JSON types a value may have under `schema` (all of them when the schema does not say). */
export function allowedTypes(schema: Schema): Set<string> {
  const all = new Set(['string', 'number', 'integer', 'boolean', 'null', 'object', 'array']);
  const branches = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(branches)) {
    const union = new Set<string>();
    for (const b of branches) for (const t of allowedTypes(b)) union.add(t);
    return union;
  }
  if (schema.const !== undefined) return new Set([jsonType(schema.const)]);
  if (Array.isArray(schema.enum)) return new Set(schema.enum.map(jsonType));
  const t = schema.type;
  if (t === undefined) return schema.properties ? new Set(['object']) : all;
  const types = new Set<string>(Array.isArray(t) ? t : [t]);
  if (types.has('integer')) types.add('number'); // an integer-valued number passes; fuzz never relies on it
  return types;
}

export function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

/** The first branch of a union that is not `null`. */
export function mainBranch(schema: Schema): Schema {
  const branches: Schema[] | undefined = schema.anyOf ?? schema.oneOf;
  if (!branches) return schema;
  return branches.find((b) => b.type !== 'null') ?? branches[0] ?? {};
}

/**
 * A minimal valid value for `schema`: required properties only. `refs` supplies real ids by property
 * name (`customer`, `price`, `invoice`, …) so a body passes validation and reaches the handler.
 */
export function minimalValid(schema: Schema, refs: Record<string, string> = {}, name = ''): unknown {
  const s = mainBranch(schema);
  if (s.const !== undefined) return s.const;
  if (Array.isArray(s.enum)) return s.enum[0];
  if (s.default !== undefined && name !== '') return s.default;
  const type = Array.isArray(s.type) ? s.type.find((t: string) => t !== 'null') : s.type;
  switch (type ?? (s.properties ? 'object' : 'string')) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const key of s.required ?? []) out[key] = minimalValid(s.properties?.[key] ?? {}, refs, key);
      return out;
    }
    case 'array': {
      const n = Math.max(1, s.minItems ?? 0);
      return Array.from({ length: n }, () => minimalValid(s.items ?? {}, refs, name));
    }
    case 'integer':
    case 'number':
      return Math.max(s.minimum ?? 1, 1);
    case 'boolean':
      return false;
    default: {
      if (refs[name]) return refs[name];
      if (s.format === 'date-time') return new Date().toISOString();
      if (s.format === 'date') return new Date().toISOString().slice(0, 10);
      if (s.pattern === '^[A-Z]{3}$') return 'USD';
      if (s.pattern === '^[A-Za-z]{2}$') return 'US';
      return 'x'.repeat(Math.max(1, s.minLength ?? 1));
    }
  }
}

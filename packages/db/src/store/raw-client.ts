// billing_db's statements on the database drivers themselves (the mariadb driver, libsql), without Prisma's
// query engine.
//
// A write-path profile (issue 20) put ~40 % of the API's CPU per subscription change in Prisma's client:
// compiling each `createMany` (its plans are never cached), interpreting query plans and mapping results;
// on SQLite its client and query compiler (Wasm) also held ~100 MB of the API's memory. The repositories and
// the tenant store speak a small part of Prisma's model API; `rawClient` speaks the same part over a driver
// connection (inside a transaction, or a pool / the SQLite connection itself), typed by the Prisma client's
// own data model, so their statements (and their meaning) stay as they are while Prisma keeps the schema and
// the migrations. Values are written and read as Prisma's client writes and reads them for each provider
// (MySQL: DATETIME(3) text in UTC; SQLite: ISO 8601 text with `+00:00`, booleans as 0/1). Anything outside
// that part throws `RawClientUnsupported` rather than guessing; the integration suites run every repository
// and store operation on it, and raw-client.test.ts compares its rows with Prisma's on both providers.
import { isUniqueViolation } from '../errors.js';
import type { SqliteConnection } from '../sqlite/adapter.js';
import { mapArg } from '../sqlite/conversion.js';
import { toDriverAdapterError } from '../sqlite/driver-error.js';

/** A driver connection: a mariadb connection or pool (as the connection guard hands them out), or SQLite's. */
export interface RawConnection {
  query(sql: string | { sql: string }, values?: readonly unknown[]): Promise<unknown>;
}

/** Field types of the Prisma data model (`PrismaClient._runtimeDataModel`). */
export interface RuntimeDataModel {
  readonly models: Readonly<
    Record<string, { readonly fields: readonly { name: string; kind: string; type: string }[] }>
  >;
}

/** A statement shape this client does not speak: a bug in the store, found by its tests. */
export class RawClientUnsupported extends Error {
  constructor(what: string) {
    super(`raw MySQL client: unsupported ${what}`);
    this.name = 'RawClientUnsupported';
  }
}

/** Relations the store reads through `include` or filters on, by `Model.field`. */
const RELATIONS: Readonly<
  Record<
    string,
    { model: string; list: true; foreignKey: string } | { model: string; list: false; localKey: string }
  >
> = {
  'Subscription.items': { model: 'SubscriptionItem', list: true, foreignKey: 'subscriptionId' },
  'Subscription.discounts': { model: 'SubscriptionDiscount', list: true, foreignKey: 'subscriptionId' },
  'Invoice.lines': { model: 'InvoiceLine', list: true, foreignKey: 'invoiceId' },
  'InvoiceLine.discounts': { model: 'InvoiceLineDiscount', list: true, foreignKey: 'invoiceLineId' },
  'InvoiceLine.taxes': { model: 'InvoiceLineTax', list: true, foreignKey: 'invoiceLineId' },
  'CreditNote.lines': { model: 'CreditNoteLine', list: true, foreignKey: 'creditNoteId' },
  'PromotionCode.discountDefinition': {
    model: 'DiscountDefinition',
    list: false,
    localKey: 'discountDefinitionId',
  },
  'DiscountRedemption.discountDefinition': {
    model: 'DiscountDefinition',
    list: false,
    localKey: 'discountDefinitionId',
  },
  'DiscountRedemption.promotionCode': { model: 'PromotionCode', list: false, localKey: 'promotionCodeId' },
  'TaxRate.jurisdiction': { model: 'TaxJurisdiction', list: false, localKey: 'jurisdictionId' },
  'Tenant.documentCounters': { model: 'DocumentCounter', list: true, foreignKey: 'tenantId' },
  // One row per tenant, keyed by it: only ever created with the tenant (nested create), never included.
  'Tenant.auditChainHead': { model: 'AuditChainHead', list: true, foreignKey: 'tenantId' },
};

/** Primary keys other than `id` (what `create` reads the new row back by). `raw-client.test.ts` checks them. */
export const PRIMARY_KEYS: Readonly<Record<string, readonly string[]>> = {
  AuditChainHead: ['tenantId'],
  DocumentCounter: ['tenantId', 'kind'],
  TaxRateTable: ['tenantId'],
};

/**
 * Models with an `@updatedAt` field: Prisma's client sets it on every create and update (the column has no
 * default in the migrations), so this client does too. `raw-client.test.ts` checks this list against the schema.
 */
export const UPDATED_AT_MODELS: ReadonlySet<string> = new Set([
  'BillingRun',
  'Customer',
  'DiscountDefinition',
  'GatewayCredential',
  'Invoice',
  'Payment',
  'Price',
  'Product',
  'Subscription',
  'TaxRateTable',
  'Tenant',
]);

/**
 * Fields with `@default(now())`. MySQL's columns default to CURRENT_TIMESTAMP(3); SQLite's CURRENT_TIMESTAMP
 * is whole seconds in another spelling (`2026-01-01 10:00:00`), which would not compare with the ISO text
 * Prisma's client writes, so on SQLite this client sets them, as Prisma's does. `raw-client.test.ts` checks
 * this list against the schema.
 */
export const NOW_DEFAULTS: Readonly<Record<string, readonly string[]>> = {
  ApiKey: ['createdAt'],
  BillingRun: ['createdAt'],
  BillingRunClaim: ['claimedAt', 'leaseUntil'],
  CreditNote: ['createdAt'],
  Customer: ['createdAt'],
  CustomerBalanceTransaction: ['createdAt'],
  DiscountDefinition: ['createdAt'],
  DiscountRedemption: ['redeemedAt'],
  GatewayCredential: ['createdAt'],
  IdempotencyRecord: ['createdAt'],
  Invoice: ['createdAt'],
  Payment: ['createdAt'],
  Price: ['createdAt'],
  Product: ['createdAt'],
  PromotionCode: ['createdAt'],
  TaxJurisdiction: ['createdAt'],
  TaxRate: ['createdAt'],
  TaxRateTable: ['createdAt'],
  Tenant: ['createdAt'],
  WebhookEvent: ['receivedAt'],
};

type Row = Record<string, unknown>;
type FieldTypes = ReadonlyMap<string, string>;

const q = (name: string) => `\`${name}\``;

/** What differs between the providers' SQL and values. */
export interface Dialect {
  /** A value as the driver binds it for a column of this provider. */
  bind(value: unknown): unknown;
  /** `SELECT … FOR UPDATE` exists (MySQL); SQLite's transactions hold the whole database instead. */
  readonly rowLocks: boolean;
  /** `DEFAULT` may stand for a value in `INSERT … VALUES` (MySQL). */
  readonly defaultInValues: boolean;
  /** `@default(now())` fields are set by this client (SQLite; see {@link NOW_DEFAULTS}). */
  readonly nowOnClient: boolean;
}

/** MySQL/MariaDB: an instant as DATETIME(3) text in UTC (as the Prisma adapter binds it). */
export const MYSQL: Dialect = {
  bind: (value) => (value instanceof Date ? value.toISOString().replace('T', ' ').replace('Z', '') : value),
  rowLocks: true,
  defaultInValues: true,
  nowOnClient: false,
};

/** SQLite: values as Prisma's SQLite adapter binds them (`mapArg`: an instant as ISO 8601 with `+00:00`, a boolean as 0/1). */
export const SQLITE: Dialect = {
  bind: (value) => mapArg(value, undefined),
  rowLocks: false,
  defaultInValues: false,
  nowOnClient: true,
};

interface ResultHeader {
  affectedRows: number;
}

/** Each data model's field types by model (built once per process). */
const fieldTypes = new WeakMap<RuntimeDataModel, Map<string, FieldTypes>>();

class Statements {
  private readonly fields: Map<string, FieldTypes>;

  constructor(
    readonly connection: RawConnection,
    private readonly dataModel: RuntimeDataModel,
    readonly dialect: Dialect,
  ) {
    let fields = fieldTypes.get(dataModel);
    if (!fields) {
      fields = new Map();
      fieldTypes.set(dataModel, fields);
    }
    this.fields = fields;
  }

  fieldsOf(model: string): FieldTypes {
    let found = this.fields.get(model);
    if (!found) {
      const definition = this.dataModel.models[model];
      if (!definition) throw new RawClientUnsupported(`model ${model}`);
      found = new Map(definition.fields.map((f) => [f.name, f.kind === 'scalar' ? f.type : `@${f.type}`]));
      this.fields.set(model, found);
    }
    return found;
  }

  async run(sql: string, values: readonly unknown[]): Promise<unknown> {
    const bind = this.dialect.bind;
    return this.connection.query(
      sql,
      values.map((value) => bind(value)),
    );
  }

  /** A row as Prisma's client returns it: booleans, numbers, bigints and Dates by the model's field types. */
  fromRow(model: string, row: Row, columns?: readonly string[]): Row {
    const types = this.fieldsOf(model);
    const out: Row = {};
    for (const name of columns ?? Object.keys(row)) {
      const value = row[name];
      const type = types.get(name);
      if (type === undefined) continue;
      out[name] = convert(value, type);
    }
    return out;
  }

  /** `WHERE …` for a Prisma `where` on `model` (equality, null, in, not, gt/gte/lt/lte, compound keys). */
  where(model: string, where: Row | undefined, values: unknown[], alias = ''): string {
    if (where === undefined) return '';
    const parts = this.conditions(model, where, values, alias);
    return parts.length > 0 ? ` WHERE ${parts.join(' AND ')}` : '';
  }

  private conditions(model: string, where: Row, values: unknown[], alias: string): string[] {
    const types = this.fieldsOf(model);
    const parts: string[] = [];
    for (const [field, condition] of Object.entries(where)) {
      if (condition === undefined) continue;
      if (field === 'AND' || field === 'OR' || field === 'NOT') {
        const list = (Array.isArray(condition) ? condition : [condition]) as Row[];
        const groups = list.map((w) => {
          const inner = this.conditions(model, w, values, alias);
          return inner.length > 0 ? `(${inner.join(' AND ')})` : '1 = 1';
        });
        if (field === 'OR') parts.push(groups.length > 0 ? `(${groups.join(' OR ')})` : '1 = 0');
        else if (field === 'AND') parts.push(...groups);
        else parts.push(...groups.map((g) => `NOT ${g}`));
        continue;
      }
      const type = types.get(field);
      const column = `${alias}${q(field)}`;
      if (type === undefined) {
        // A compound unique key (`tenantId_kind: { tenantId, kind }`).
        if (field.includes('_') && isPlainObject(condition)) {
          parts.push(...this.conditions(model, condition, values, alias));
          continue;
        }
        throw new RawClientUnsupported(`filter ${model}.${field}`);
      }
      if (type.startsWith('@')) {
        const relation = RELATIONS[`${model}.${field}`];
        if (!relation || relation.list || !isPlainObject(condition))
          throw new RawClientUnsupported(`relation filter ${model}.${field}`);
        const inner: unknown[] = [];
        const sub = this.conditions(relation.model, condition, inner, 'r.');
        parts.push(
          `${alias}${q(relation.localKey)} IN (SELECT r.${q('id')} FROM ${q(relation.model)} r${sub.length > 0 ? ` WHERE ${sub.join(' AND ')}` : ''})`,
        );
        values.push(...inner);
        continue;
      }
      if (condition === null) {
        parts.push(`${column} IS NULL`);
        continue;
      }
      if (!isPlainObject(condition) || condition instanceof Date) {
        parts.push(`${column} = ?`);
        values.push(condition);
        continue;
      }
      for (const [op, operand] of Object.entries(condition)) {
        if (operand === undefined) continue;
        switch (op) {
          case 'equals':
            if (operand === null) parts.push(`${column} IS NULL`);
            else {
              parts.push(`${column} = ?`);
              values.push(operand);
            }
            break;
          case 'not':
            if (operand === null) parts.push(`${column} IS NOT NULL`);
            else if (isPlainObject(operand) && !(operand instanceof Date))
              throw new RawClientUnsupported(`filter ${model}.${field}.not with an object`);
            else {
              // Prisma's `not: x` matches NULL too.
              parts.push(`(${column} <> ? OR ${column} IS NULL)`);
              values.push(operand);
            }
            break;
          case 'in': {
            const list = operand as readonly unknown[];
            if (list.length === 0) parts.push('1 = 0');
            else {
              parts.push(`${column} IN (${list.map(() => '?').join(', ')})`);
              values.push(...list);
            }
            break;
          }
          case 'notIn': {
            const list = operand as readonly unknown[];
            if (list.length > 0) {
              parts.push(`${column} NOT IN (${list.map(() => '?').join(', ')})`);
              values.push(...list);
            }
            break;
          }
          case 'gt':
          case 'gte':
          case 'lt':
          case 'lte':
            parts.push(`${column} ${{ gt: '>', gte: '>=', lt: '<', lte: '<=' }[op]} ?`);
            values.push(operand);
            break;
          default:
            throw new RawClientUnsupported(`filter operator ${model}.${field}.${op}`);
        }
      }
    }
    return parts;
  }

  orderBy(model: string, orderBy: unknown): string {
    if (orderBy === undefined) return '';
    const types = this.fieldsOf(model);
    const terms = (Array.isArray(orderBy) ? orderBy : [orderBy]).flatMap((term: Row) =>
      Object.entries(term).map(([field, direction]) => {
        if (!types.has(field) || (direction !== 'asc' && direction !== 'desc'))
          throw new RawClientUnsupported(`orderBy ${model}.${field}`);
        return `${q(field)} ${direction === 'desc' ? 'DESC' : 'ASC'}`;
      }),
    );
    return terms.length > 0 ? ` ORDER BY ${terms.join(', ')}` : '';
  }

  async findMany(model: string, args: Row = {}): Promise<Row[]> {
    for (const key of Object.keys(args))
      if (!['where', 'orderBy', 'take', 'select', 'include', 'forUpdate'].includes(key))
        throw new RawClientUnsupported(`${model}.findMany argument ${key}`);
    const values: unknown[] = [];
    const select = args.select as Row | undefined;
    const columns = select ? this.scalarSelection(model, select) : null;
    const take = args.take as number | undefined;
    const sql = `SELECT ${columns ? columns.map(q).join(', ') : '*'} FROM ${q(model)}${this.where(model, args.where as Row | undefined, values)}${this.orderBy(model, args.orderBy)}${take !== undefined ? ` LIMIT ${Math.max(0, Math.trunc(take))}` : ''}${args.forUpdate === true && this.dialect.rowLocks ? ' FOR UPDATE' : ''}`;
    const rows = ((await this.run(sql, values)) as Row[]).map((row) => this.fromRow(model, row));
    const include = (args.include ?? (select ? relationSelection(select) : undefined)) as Row | undefined;
    if (include) await this.include(model, rows, include);
    return rows;
  }

  private scalarSelection(model: string, select: Row): string[] {
    const types = this.fieldsOf(model);
    const columns: string[] = [];
    for (const [field, wanted] of Object.entries(select)) {
      const type = types.get(field);
      if (type === undefined) throw new RawClientUnsupported(`select ${model}.${field}`);
      if (!type.startsWith('@') && wanted === true) columns.push(field);
    }
    // The keys relations are joined on.
    for (const [field, wanted] of Object.entries(select)) {
      if (!types.get(field)?.startsWith('@') || !wanted) continue;
      const relation = RELATIONS[`${model}.${field}`];
      const key = relation === undefined ? null : relation.list ? 'id' : relation.localKey;
      if (key !== null && !columns.includes(key)) columns.push(key);
    }
    return columns;
  }

  /**
   * Loads `include`d relations onto `rows`: one statement per relation, over all rows, the relations'
   * statements issued together (a pipelining connection sends them in one round trip).
   */
  private async include(model: string, rows: Row[], include: Row): Promise<void> {
    const loads: Promise<void>[] = [];
    for (const [field, spec] of Object.entries(include)) {
      if (!spec) continue;
      loads.push(this.includeOne(model, rows, field, spec));
    }
    await Promise.all(loads);
  }

  private async includeOne(model: string, rows: Row[], field: string, spec: unknown): Promise<void> {
    const relation = RELATIONS[`${model}.${field}`];
    if (!relation) throw new RawClientUnsupported(`include ${model}.${field}`);
    const nested = spec === true ? {} : (spec as Row);
    const keys = rows
      .map((row) => row[relation.list ? 'id' : relation.localKey])
      .filter((key): key is string => typeof key === 'string');
    const unique = [...new Set(keys)];
    const select = nested.select as Row | undefined;
    for (const key of Object.keys(nested))
      if (!['select', 'include', 'orderBy', 'where'].includes(key))
        throw new RawClientUnsupported(`include ${model}.${field} argument ${key}`);
    const childArgs: Row = {
      where: {
        ...((nested.where as Row | undefined) ?? {}),
        [relation.list ? relation.foreignKey : 'id']: { in: unique },
      },
      ...(nested.orderBy !== undefined ? { orderBy: nested.orderBy } : {}),
      ...(nested.include !== undefined ? { include: nested.include } : {}),
      ...(select !== undefined
        ? { select: { ...select, [relation.list ? relation.foreignKey : 'id']: true } }
        : {}),
    };
    const children = unique.length > 0 ? await this.findMany(relation.model, childArgs) : [];
    if (relation.list) {
      const byParent = new Map<unknown, Row[]>();
      for (const child of children) {
        const parent = child[relation.foreignKey];
        const list = byParent.get(parent);
        if (list) list.push(child);
        else byParent.set(parent, [child]);
      }
      for (const row of rows) row[field] = byParent.get(row.id) ?? [];
    } else {
      const byId = new Map(children.map((child) => [child.id, child]));
      for (const row of rows) {
        const child = byId.get(row[relation.localKey]) ?? null;
        if (child && select && !select.id) {
          const { id: _id, ...rest } = child;
          row[field] = rest;
        } else row[field] = child;
      }
    }
  }

  async insert(model: string, data: readonly Row[]): Promise<number> {
    if (data.length === 0) return 0;
    const types = this.fieldsOf(model);
    const now = UPDATED_AT_MODELS.has(model) || this.dialect.nowOnClient ? new Date() : null;
    // Set by this client when a row leaves them out: `updatedAt`, and on SQLite the `now()` defaults.
    const stamped = [
      ...(UPDATED_AT_MODELS.has(model) ? ['updatedAt'] : []),
      ...(this.dialect.nowOnClient ? (NOW_DEFAULTS[model] ?? []) : []),
    ];
    const columns: string[] = [];
    for (const row of data)
      for (const [field, value] of Object.entries(row)) {
        if (value === undefined || columns.includes(field)) continue;
        const type = types.get(field);
        if (type === undefined || type.startsWith('@'))
          throw new RawClientUnsupported(`create ${model}.${field}`);
        columns.push(field);
      }
    for (const field of stamped) if (!columns.includes(field)) columns.push(field);
    const cell = (row: Row, column: string): unknown =>
      row[column] === undefined && now !== null && stamped.includes(column) ? now : row[column];
    if (!this.dialect.defaultInValues) {
      // SQLite has no `DEFAULT` among VALUES: rows that leave out different columns go in separate statements.
      const groups = new Map<string, Row[]>();
      for (const row of data) {
        const present = columns.filter((column) => cell(row, column) !== undefined).join();
        const group = groups.get(present);
        if (group) group.push(row);
        else groups.set(present, [row]);
      }
      if (groups.size > 1) {
        let inserted = 0;
        for (const rows of groups.values()) inserted += await this.insert(model, rows);
        return inserted;
      }
    }
    const values: unknown[] = [];
    const present = this.dialect.defaultInValues
      ? columns
      : columns.filter((column) => cell(data[0] as Row, column) !== undefined);
    const tuples = data.map((row) => {
      const marks = present.map((column) => {
        const value = cell(row, column);
        if (value === undefined) return 'DEFAULT';
        values.push(value);
        return '?';
      });
      return `(${marks.join(', ')})`;
    });
    const result = (await this.run(
      `INSERT INTO ${q(model)} (${present.map(q).join(', ')}) VALUES ${tuples.join(', ')}`,
      values,
    )) as ResultHeader;
    return Number(result.affectedRows);
  }

  async update(model: string, where: Row | undefined, data: Row): Promise<number> {
    const types = this.fieldsOf(model);
    const values: unknown[] = [];
    const sets: string[] = [];
    for (const [field, value] of Object.entries(data)) {
      if (value === undefined) continue;
      const type = types.get(field);
      if (type === undefined || type.startsWith('@'))
        throw new RawClientUnsupported(`update ${model}.${field}`);
      if (isPlainObject(value) && !(value instanceof Date)) {
        const entries = Object.entries(value);
        const [op, operand] = entries[0] ?? [];
        if (entries.length !== 1 || op === undefined)
          throw new RawClientUnsupported(`update ${model}.${field}`);
        if (op === 'set') {
          sets.push(`${q(field)} = ?`);
          values.push(operand);
        } else if (op === 'increment' || op === 'decrement') {
          sets.push(`${q(field)} = ${q(field)} ${op === 'increment' ? '+' : '-'} ?`);
          values.push(operand);
        } else throw new RawClientUnsupported(`update ${model}.${field}.${op}`);
        continue;
      }
      sets.push(`${q(field)} = ?`);
      values.push(value);
    }
    if (UPDATED_AT_MODELS.has(model) && data.updatedAt === undefined) {
      sets.push(`${q('updatedAt')} = ?`);
      values.push(new Date());
    }
    if (sets.length === 0) return (await this.findMany(model, { where, select: { tenantId: true } })).length;
    const result = (await this.run(
      `UPDATE ${q(model)} SET ${sets.join(', ')}${this.where(model, where, values)}`,
      values,
    )) as ResultHeader;
    return Number(result.affectedRows);
  }

  async delete(model: string, where: Row | undefined): Promise<number> {
    const values: unknown[] = [];
    const result = (await this.run(
      `DELETE FROM ${q(model)}${this.where(model, where, values)}`,
      values,
    )) as ResultHeader;
    return Number(result.affectedRows);
  }

  async count(model: string, where: Row | undefined): Promise<number> {
    const values: unknown[] = [];
    const [row] = (await this.run(
      `SELECT COUNT(*) AS n FROM ${q(model)}${this.where(model, where, values)}`,
      values,
    )) as Row[];
    return Number(row?.n ?? 0);
  }
}

function isPlainObject(value: unknown): value is Row {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function relationSelection(select: Row): Row | undefined {
  const out: Row = {};
  for (const [field, wanted] of Object.entries(select)) if (isPlainObject(wanted)) out[field] = wanted;
  return Object.keys(out).length > 0 ? out : undefined;
}

function convert(value: unknown, type: string): unknown {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'Boolean':
      return typeof value === 'boolean' ? value : Number(value) !== 0;
    case 'Int':
      return typeof value === 'number' ? value : Number(value);
    case 'BigInt':
      return typeof value === 'bigint' ? value : BigInt(value as number | string);
    case 'DateTime':
      if (value instanceof Date) return value;
      // ISO 8601 with its offset (SQLite, as Prisma writes it), else MySQL's DATETIME text in UTC.
      return String(value).includes('T')
        ? new Date(String(value))
        : new Date(`${String(value).replace(' ', 'T')}Z`);
    default:
      return value;
  }
}

/** Prisma's error for a missing row of `findFirstOrThrow` / `findUniqueOrThrow`. */
function notFound(model: string): Error {
  return Object.assign(new Error(`No ${model} found`), { code: 'P2025', meta: { modelName: model } });
}

/** The `include` / `select` of a write, for the row it returns. */
const shape = (args: { include?: Row; select?: Row }): Row => ({
  ...(args.include !== undefined ? { include: args.include } : {}),
  ...(args.select !== undefined ? { select: args.select } : {}),
});

/** A model delegate: the part of Prisma's model API the tenant store uses. */
function delegate(statements: Statements, model: string) {
  const primaryKey = PRIMARY_KEYS[model] ?? ['id'];
  /** The row's primary key as a `where`. */
  const keyOf = (row: Row): Row => {
    const key: Row = {};
    for (const column of primaryKey) key[column] = row[column];
    return key;
  };
  const first = async (args: Row = {}) => (await statements.findMany(model, { ...args, take: 1 }))[0] ?? null;
  const firstOrThrow = async (args: Row = {}) => {
    const found = await first(args);
    if (!found) throw notFound(model);
    return found;
  };
  return {
    findMany: (args: Row = {}) => statements.findMany(model, args),
    findFirst: first,
    findUnique: first,
    findFirstOrThrow: firstOrThrow,
    findUniqueOrThrow: firstOrThrow,
    count: async (args: Row = {}) => statements.count(model, args.where as Row | undefined),
    createMany: async (args: { data: Row | readonly Row[] }) => ({
      count: await statements.insert(model, Array.isArray(args.data) ? args.data : [args.data as Row]),
    }),
    create: async (args: { data: Row; include?: Row; select?: Row }) => {
      // Nested creates of a list relation (`lines: { create: [...] }`) go in after the row, keyed to it.
      const data: Row = {};
      const nested: [string, Row[]][] = [];
      const types = statements.fieldsOf(model);
      for (const [field, value] of Object.entries(args.data)) {
        if (!types.get(field)?.startsWith('@')) {
          data[field] = value;
          continue;
        }
        const relation = RELATIONS[`${model}.${field}`];
        const create = isPlainObject(value) ? value.create : undefined;
        if (!relation?.list || create === undefined || Object.keys(value as Row).length !== 1)
          throw new RawClientUnsupported(`create ${model}.${field}`);
        nested.push([field, Array.isArray(create) ? (create as Row[]) : [create as Row]]);
      }
      for (const column of primaryKey)
        if (data[column] === undefined)
          throw new RawClientUnsupported(`${model}.create without its ${column}`);
      const where = keyOf(data);
      await statements.insert(model, [data]);
      for (const [field, rows] of nested) {
        const relation = RELATIONS[`${model}.${field}`] as { model: string; foreignKey: string };
        await statements.insert(
          relation.model,
          rows.map((row) => ({ ...row, [relation.foreignKey]: data.id })),
        );
      }
      return firstOrThrow({ where, ...shape(args) });
    },
    update: async (args: { where: Row; data: Row; include?: Row; select?: Row }) => {
      const found = await first({ where: args.where });
      if (!found) throw notFound(model);
      const key = keyOf(found);
      await statements.update(model, key, args.data);
      return firstOrThrow({ where: key, ...shape(args) });
    },
    upsert: async (args: { where: Row; create: Row; update: Row; include?: Row; select?: Row }) => {
      const found = await first({ where: args.where });
      if (found) {
        const key = keyOf(found);
        await statements.update(model, key, args.update);
        return firstOrThrow({ where: key, ...shape(args) });
      }
      try {
        await statements.insert(model, [args.create]);
      } catch (error) {
        // Another transaction created it first: update that row, as Prisma's upsert would.
        if (!isUniqueViolation(error)) throw error;
        await statements.update(model, args.where, args.update);
      }
      return firstOrThrow({ where: args.where, ...shape(args) });
    },
    updateMany: async (args: { where?: Row; data: Row }) => ({
      count: await statements.update(model, args.where, args.data),
    }),
    deleteMany: async (args: { where?: Row } = {}) => ({ count: await statements.delete(model, args.where) }),
  };
}

const camel = (model: string) => model.charAt(0).toLowerCase() + model.slice(1);

/**
 * A Prisma-shaped client over one driver connection (or pool): model delegates (`client.invoice.findMany(…)`)
 * and `$queryRawUnsafe` / `$executeRawUnsafe`, speaking `dialect`.
 */
export function rawClient(connection: RawConnection, dataModel: RuntimeDataModel, dialect: Dialect): unknown {
  const statements = new Statements(connection, dataModel, dialect);
  const client: Row = {
    $queryRawUnsafe: async (sql: string, ...values: unknown[]) => statements.run(sql, values),
    $executeRawUnsafe: async (sql: string, ...values: unknown[]) =>
      Number(((await statements.run(sql, values)) as ResultHeader).affectedRows),
  };
  for (const model of Object.keys(dataModel.models)) client[camel(model)] = delegate(statements, model);
  return client;
}

/** A MySQL database's driver pool (guarded) and the Prisma client's data model. */
export interface RawMysql {
  readonly provider: 'mysql';
  readonly pool: {
    getConnection(): Promise<RawConnection & { release(): Promise<void>; destroy(): void }>;
  };
  readonly dataModel: RuntimeDataModel;
}

/** A SQLite database's one connection in this process and the Prisma client's data model. */
export interface RawSqlite {
  readonly provider: 'sqlite';
  readonly connection: SqliteConnection;
  readonly dataModel: RuntimeDataModel;
}

/** Where billkit's own statements run: a MySQL pool or the SQLite file's connection. */
export type RawDatabase = RawMysql | RawSqlite;

/** The client that runs statements outside a transaction (each on its own on MySQL's pool). */
export function rawReader(raw: RawDatabase): unknown {
  return raw.provider === 'mysql'
    ? rawClient(raw.pool as unknown as RawConnection, raw.dataModel, MYSQL)
    : rawClient(sqliteStatements(raw.connection), raw.dataModel, SQLITE);
}

/**
 * A SQLite connection as a {@link RawConnection}: a statement that returns rows gives them as objects whose
 * values read as Prisma's raw queries read them (declared DATETIME as a Date, BOOLEAN as a boolean, BIGINT
 * as a bigint, other integers as numbers); any other statement gives `{ affectedRows }`. Driver errors are
 * raised as Prisma's adapter raises them (a `DriverAdapterError` whose kind says what failed).
 */
export function sqliteStatements(connection: SqliteConnection): RawConnection {
  return {
    async query(sql, values = []) {
      const text = typeof sql === 'string' ? sql : sql.sql;
      try {
        const statement = connection.prepare(text);
        if (!statement.reader) return { affectedRows: statement.run(values).changes };
        const rows = statement.all(values) as Row[];
        let read = readers.get(statement);
        if (!read) {
          read = rowReader(statement.columns() as { name: string; type: string | null }[]);
          readers.set(statement, read);
        }
        for (let i = 0; i < rows.length; i++) rows[i] = read(rows[i] as Row);
        return rows;
      } catch (error) {
        throw toDriverAdapterError(error);
      }
    },
  };
}

/** Each prepared SQLite statement's row reader, made from its columns' declared types. */
const readers = new WeakMap<object, (row: Row) => Row>();

function rowReader(columns: readonly { name: string; type: string | null }[]): (row: Row) => Row {
  const kinds = columns.map(({ name, type }) => {
    const declared = (type ?? '').toUpperCase();
    const kind =
      declared === 'DATETIME'
        ? 'DateTime'
        : declared === 'BOOLEAN'
          ? 'Boolean'
          : declared === 'BIGINT'
            ? 'BigInt'
            : 'other';
    return [name, kind] as const;
  });
  return (row) => {
    for (const [name, kind] of kinds) {
      const value = row[name];
      if (value === null || value === undefined) continue;
      if (kind === 'other') {
        if (typeof value === 'bigint') {
          const asNumber = Number(value);
          if (Number.isSafeInteger(asNumber)) row[name] = asNumber;
        }
      } else row[name] = convert(value, kind);
    }
    return row;
  };
}

/** The isolation level each pooled MySQL connection's session is set to, by server thread id. */
const sessionLevels = new Map<number, string>();

/**
 * Runs `work` in one transaction with a Prisma-shaped client over it, rolled back when `work` throws.
 * MySQL: on a pooled connection, at `isolation` (the tenant store's `READ COMMITTED`) or else REPEATABLE READ
 * (MySQL's and MariaDB's default). The level is set on the connection's session, once for as long as it stays
 * the same (one statement less per transaction than SET TRANSACTION each time).
 * SQLite: on the file's one connection, after its earlier transactions (one at a time), from
 * `BEGIN IMMEDIATE`: the write lock is taken first, so a transaction in another process waits (busy timeout)
 * instead of failing later with SQLITE_BUSY when it writes from a stale snapshot. SQLite is serializable.
 */
export async function rawTransaction<T>(
  raw: RawDatabase,
  isolation: 'READ COMMITTED' | null,
  // biome-ignore lint/suspicious/noExplicitAny: the caller types the client (db's BillingClient).
  work: (client: any) => Promise<T>,
): Promise<T> {
  if (raw.provider === 'sqlite') return sqliteTransaction(raw, work);
  const connection = await raw.pool.getConnection();
  let open = false;
  try {
    const level = isolation ?? 'REPEATABLE READ';
    const thread = (connection as { threadId?: unknown }).threadId;
    if (typeof thread !== 'number') {
      await connection.query(`SET TRANSACTION ISOLATION LEVEL ${level}`);
    } else if (sessionLevels.get(thread) !== level) {
      await connection.query(`SET SESSION TRANSACTION ISOLATION LEVEL ${level}`);
      if (sessionLevels.size >= 10_000) sessionLevels.clear();
      sessionLevels.set(thread, level);
    }
    await connection.query('BEGIN');
    open = true;
    const result = await work(rawClient(connection, raw.dataModel, MYSQL));
    await connection.query('COMMIT');
    open = false;
    return result;
  } catch (error) {
    if (open) await connection.query('ROLLBACK').catch(() => connection.destroy());
    throw error;
  } finally {
    await connection.release().catch(() => undefined);
  }
}

// biome-ignore lint/suspicious/noExplicitAny: as above.
async function sqliteTransaction<T>(raw: RawSqlite, work: (client: any) => Promise<T>): Promise<T> {
  const release = await raw.connection.nextTurn();
  const exec = (sql: string) => {
    try {
      raw.connection.client.exec(sql);
    } catch (error) {
      throw toDriverAdapterError(error);
    }
  };
  try {
    exec('BEGIN IMMEDIATE');
    let result: T;
    try {
      result = await work(rawClient(sqliteStatements(raw.connection), raw.dataModel, SQLITE));
      exec('COMMIT');
    } catch (error) {
      if (raw.connection.client.inTransaction) {
        try {
          raw.connection.client.exec('ROLLBACK');
        } catch {
          // The transaction is gone with the failure that ended it.
        }
      }
      throw error;
    }
    return result;
  } finally {
    release();
  }
}

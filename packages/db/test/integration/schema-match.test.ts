import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import internals from '@prisma/internals';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveDatabaseTarget } from '../../src/database-url.js';
import { migrate } from '../../src/index.js';
import { openSqlRunner, type SqlRunner } from '../../src/sql-runner.js';
import { createTestDatabase, providers, type TestDatabase } from './databases.js';

// After migrating, the database must be exactly what prisma/<provider>/schema.prisma declares: the same
// tables, columns (type, nullability), primary keys, indexes, unique constraints and foreign keys. The
// expectations come from the schema through getDMMF and Prisma's documented type mapping and naming
// conventions — not from the migration SQL.

type Provider = 'sqlite' | 'mysql';

// Prisma's default column types (https://www.prisma.io/docs/orm/reference/prisma-schema-reference#model-field-scalar-types).
const DEFAULT_TYPES: Record<Provider, Record<string, string>> = {
  mysql: {
    String: 'varchar(191)',
    Int: 'int',
    BigInt: 'bigint',
    Boolean: 'tinyint(1)',
    DateTime: 'datetime(3)',
  },
  sqlite: { String: 'TEXT', Int: 'INTEGER', BigInt: 'BIGINT', Boolean: 'BOOLEAN', DateTime: 'DATETIME' },
};

interface Shape {
  columns: Record<string, { type: string; nullable: boolean }>;
  primaryKey: string[];
  /** name → "unique:col,col" or "index:col,col" */
  indexes: Record<string, string>;
  /** "col,col->Table(col)" */
  foreignKeys: string[];
}

async function expectedShapes(provider: Provider): Promise<Record<string, Shape>> {
  const datamodel = readFileSync(
    join(import.meta.dirname, '..', '..', 'prisma', provider, 'schema.prisma'),
    'utf8',
  );
  const dmmf = await internals.getDMMF({ datamodel });
  const shapes: Record<string, Shape> = {};
  for (const model of dmmf.datamodel.models) {
    const columns: Shape['columns'] = {};
    for (const field of model.fields.filter((f) => f.kind === 'scalar')) {
      let type = DEFAULT_TYPES[provider][field.type] as string;
      if (field.nativeType) {
        const [name, args] = field.nativeType as [string, string[]];
        type = args.length > 0 ? `${name.toLowerCase()}(${args.join(',')})` : name.toLowerCase();
      }
      columns[field.dbName ?? field.name] = { type, nullable: !field.isRequired };
    }
    const modelIndexes = dmmf.datamodel.indexes.filter((i) => i.model === model.name);
    const pk = modelIndexes.find((i) => i.type === 'id');
    const indexes: Shape['indexes'] = {};
    for (const index of modelIndexes.filter((i) => i.type === 'unique' || i.type === 'normal')) {
      const fields = index.fields.map((f) => f.name);
      const name =
        index.dbName ?? `${model.name}_${fields.join('_')}_${index.type === 'unique' ? 'key' : 'idx'}`;
      indexes[name] = `${index.type === 'unique' ? 'unique' : 'index'}:${fields.join(',')}`;
    }
    const foreignKeys = model.fields
      .filter((f) => f.kind === 'object' && (f.relationFromFields?.length ?? 0) > 0)
      .map((f) => `${f.relationFromFields!.join(',')}->${f.type}(${f.relationToFields!.join(',')})`)
      .sort();
    shapes[model.dbName ?? model.name] = {
      columns,
      primaryKey: pk!.fields.map((f) => f.name),
      indexes,
      foreignKeys,
    };
  }
  return shapes;
}

async function actualShapes(runner: SqlRunner): Promise<Record<string, Shape>> {
  const shapes: Record<string, Shape> = {};
  if (runner.provider === 'sqlite') {
    const tables = await runner.query<{ name: string }>(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_prisma_migrations'",
    );
    for (const { name } of tables) {
      const info = await runner.query<{ name: string; type: string; notnull: number; pk: number }>(
        `SELECT * FROM pragma_table_info(?)`,
        [name],
      );
      const columns: Shape['columns'] = {};
      for (const column of info) columns[column.name] = { type: column.type, nullable: column.notnull === 0 };
      const primaryKey = info
        .filter((c) => c.pk > 0)
        .sort((a, b) => a.pk - b.pk)
        .map((c) => c.name);
      const indexes: Shape['indexes'] = {};
      const list = await runner.query<{ name: string; unique: number; origin: string }>(
        `SELECT * FROM pragma_index_list(?)`,
        [name],
      );
      for (const index of list.filter((i) => i.origin === 'c')) {
        const cols = await runner.query<{ name: string; seqno: number }>(
          `SELECT * FROM pragma_index_info(?)`,
          [index.name],
        );
        indexes[index.name] = `${index.unique ? 'unique' : 'index'}:${cols
          .sort((a, b) => a.seqno - b.seqno)
          .map((c) => c.name)
          .join(',')}`;
      }
      const fks = await runner.query<{ id: number; seq: number; table: string; from: string; to: string }>(
        `SELECT * FROM pragma_foreign_key_list(?)`,
        [name],
      );
      const byId = new Map<number, typeof fks>();
      for (const fk of fks) byId.set(fk.id, [...(byId.get(fk.id) ?? []), fk]);
      const foreignKeys = [...byId.values()]
        .map((parts) => parts.sort((a, b) => a.seq - b.seq))
        .map(
          (parts) =>
            `${parts.map((p) => p.from).join(',')}->${parts[0]!.table}(${parts.map((p) => p.to).join(',')})`,
        )
        .sort();
      shapes[name] = { columns, primaryKey, indexes, foreignKeys };
    }
    return shapes;
  }
  const columns = await runner.query<{ t: string; c: string; type: string; nullable: string; pos: number }>(
    `SELECT TABLE_NAME AS t, COLUMN_NAME AS c, COLUMN_TYPE AS type, IS_NULLABLE AS nullable, ORDINAL_POSITION AS pos
     FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME <> '_prisma_migrations' ORDER BY t, pos`,
  );
  for (const row of columns) {
    shapes[row.t] ??= { columns: {}, primaryKey: [], indexes: {}, foreignKeys: [] };
    // MariaDB reports display widths (int(11), bigint(20)); Prisma's types carry none.
    const type = row.type.replace(/^(int|bigint)\(\d+\)/, '$1');
    shapes[row.t]!.columns[row.c] = { type, nullable: row.nullable === 'YES' };
  }
  const stats = await runner.query<{
    t: string;
    name: string;
    nonUnique: number | bigint;
    c: string;
    seq: number | bigint;
  }>(
    `SELECT TABLE_NAME AS t, INDEX_NAME AS name, NON_UNIQUE AS nonUnique, COLUMN_NAME AS c, SEQ_IN_INDEX AS seq
     FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME <> '_prisma_migrations' ORDER BY t, name, seq`,
  );
  for (const row of stats) {
    const shape = shapes[row.t]!;
    if (row.name === 'PRIMARY') {
      shape.primaryKey.push(row.c);
      continue;
    }
    const prefix = Number(row.nonUnique) === 0 ? 'unique:' : 'index:';
    shape.indexes[row.name] = shape.indexes[row.name]
      ? `${shape.indexes[row.name]},${row.c}`
      : `${prefix}${row.c}`;
  }
  const fks = await runner.query<{
    t: string;
    name: string;
    c: string;
    rt: string;
    rc: string;
    pos: number | bigint;
  }>(
    `SELECT TABLE_NAME AS t, CONSTRAINT_NAME AS name, COLUMN_NAME AS c, REFERENCED_TABLE_NAME AS rt, REFERENCED_COLUMN_NAME AS rc, ORDINAL_POSITION AS pos
     FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = DATABASE() AND REFERENCED_TABLE_NAME IS NOT NULL ORDER BY t, name, pos`,
  );
  const grouped = new Map<string, typeof fks>();
  for (const fk of fks) grouped.set(`${fk.t}/${fk.name}`, [...(grouped.get(`${fk.t}/${fk.name}`) ?? []), fk]);
  for (const parts of grouped.values()) {
    const first = parts[0]!;
    shapes[first.t]!.foreignKeys.push(
      `${parts.map((p) => p.c).join(',')}->${first.rt}(${parts.map((p) => p.rc).join(',')})`,
    );
  }
  for (const shape of Object.values(shapes)) shape.foreignKeys.sort();
  return shapes;
}

describe.each(providers)('schema match on %s', (provider) => {
  let test: TestDatabase;
  let actual: Record<string, Shape>;
  let expected: Record<string, Shape>;

  beforeAll(async () => {
    test = await createTestDatabase(provider);
    await migrate({ url: test.url });
    const runner = await openSqlRunner(resolveDatabaseTarget(test.url));
    try {
      actual = await actualShapes(runner);
    } finally {
      await runner.close();
    }
    expected = await expectedShapes(provider);
  });
  afterAll(async () => {
    await test?.drop();
  });

  it('has exactly the tables schema.prisma declares', () => {
    expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
  });

  it('has every column with the declared type and nullability, and no others', () => {
    for (const table of Object.keys(expected))
      expect({ table, columns: actual[table]?.columns }).toEqual({
        table,
        columns: expected[table]?.columns,
      });
  });

  it('has the declared primary keys, indexes and unique constraints under Prisma’s names', () => {
    for (const table of Object.keys(expected)) {
      expect({ table, pk: actual[table]?.primaryKey, indexes: actual[table]?.indexes }).toEqual({
        table,
        pk: expected[table]?.primaryKey,
        indexes: expected[table]?.indexes,
      });
    }
  });

  it('has a foreign key for every relation', () => {
    for (const table of Object.keys(expected))
      expect({ table, fks: actual[table]?.foreignKeys }).toEqual({
        table,
        fks: expected[table]?.foreignKeys,
      });
  });
});

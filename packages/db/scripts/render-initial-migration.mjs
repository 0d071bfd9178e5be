#!/usr/bin/env node
// Renders the CREATE statements for the whole of prisma/<provider>/schema.prisma in the SQL Prisma's
// schema engine emits (same types, defaults, index and constraint names). Used to write the initial
// migration where the native schema engine is unavailable; later migrations are written by hand or with
// `prisma migrate diff` where the engine runs.
//   node scripts/render-initial-migration.mjs sqlite|mysql > prisma/<provider>/migrations/<ts>_<name>/migration.sql
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import internals from '@prisma/internals';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const provider = process.argv[2];
if (provider !== 'sqlite' && provider !== 'mysql') {
  console.error('usage: render-initial-migration.mjs sqlite|mysql');
  process.exit(2);
}
const dmmf = await internals.getDMMF({
  datamodel: readFileSync(join(root, 'prisma', provider, 'schema.prisma'), 'utf8'),
});
const { models, indexes } = dmmf.datamodel;
const q = (name) => (provider === 'mysql' ? `\`${name}\`` : `"${name}"`);
const cols = (fields) => fields.map(q).join(', ');

const scalarType = {
  mysql: {
    String: 'VARCHAR(191)',
    Int: 'INTEGER',
    BigInt: 'BIGINT',
    Boolean: 'BOOLEAN',
    DateTime: 'DATETIME(3)',
  },
  sqlite: { String: 'TEXT', Int: 'INTEGER', BigInt: 'BIGINT', Boolean: 'BOOLEAN', DateTime: 'DATETIME' },
};

function columnType(field) {
  if (field.nativeType) {
    const [name, args] = field.nativeType;
    return args.length ? `${name.toUpperCase()}(${args.join(',')})` : name.toUpperCase();
  }
  const type = scalarType[provider][field.type];
  if (!type) throw new Error(`no column type for ${field.type}`);
  return type;
}

function defaultClause(field) {
  if (!field.hasDefaultValue) return '';
  const value = field.default;
  if (typeof value === 'object' && value !== null && 'name' in value) {
    if (value.name === 'now')
      return provider === 'mysql' ? ' DEFAULT CURRENT_TIMESTAMP(3)' : ' DEFAULT CURRENT_TIMESTAMP';
    throw new Error(`unsupported default function ${value.name}`);
  }
  if (field.type === 'BigInt' || field.type === 'Int') return ` DEFAULT ${String(value)}`;
  if (typeof value === 'string') return ` DEFAULT '${value.replaceAll("'", "''")}'`;
  return ` DEFAULT ${String(value)}`;
}

const action = (a) =>
  ({
    Cascade: 'CASCADE',
    Restrict: 'RESTRICT',
    SetNull: 'SET NULL',
    NoAction: 'NO ACTION',
    SetDefault: 'SET DEFAULT',
  })[a];

const out = [];
const foreignKeys = [];
const indexStatements = [];
for (const model of models) {
  const table = model.dbName ?? model.name;
  const lines = [];
  const scalars = model.fields.filter((f) => f.kind === 'scalar');
  const modelIndexes = indexes.filter((i) => i.model === model.name);
  const pk = modelIndexes.find((i) => i.type === 'id');
  const singlePk = pk && pk.fields.length === 1 ? pk.fields[0].name : null;
  for (const field of scalars) {
    let line = `    ${q(field.dbName ?? field.name)} ${columnType(field)}`;
    line += field.isRequired ? ' NOT NULL' : provider === 'mysql' ? ' NULL' : '';
    if (provider === 'sqlite' && field.name === singlePk) line += ' PRIMARY KEY';
    line += defaultClause(field);
    lines.push(line);
  }
  const relations = model.fields.filter((f) => f.kind === 'object' && f.relationFromFields?.length);
  // Every foreign key needs an index whose leading columns are the key (InnoDB would add one silently and
  // the database would no longer match the schema).
  for (const relation of relations) {
    const covered = modelIndexes.some((i) =>
      relation.relationFromFields.every((name, n) => i.fields[n]?.name === name),
    );
    if (!covered)
      throw new Error(
        `${model.name}.${relation.name}: add @@index([${relation.relationFromFields.join(', ')}])`,
      );
  }
  const indexName = (i) =>
    i.dbName ?? `${table}_${i.fields.map((f) => f.name).join('_')}_${i.type === 'unique' ? 'key' : 'idx'}`;
  if (provider === 'mysql') {
    for (const i of modelIndexes.filter((i) => i.type === 'unique')) {
      lines.push(`    UNIQUE INDEX ${q(indexName(i))}(${cols(i.fields.map((f) => f.name))})`);
    }
    for (const i of modelIndexes.filter((i) => i.type === 'normal')) {
      lines.push(`    INDEX ${q(indexName(i))}(${cols(i.fields.map((f) => f.name))})`);
    }
    lines.push(`    PRIMARY KEY (${cols(pk.fields.map((f) => f.name))})`);
  } else {
    if (!singlePk) lines.push(`\n    PRIMARY KEY (${cols(pk.fields.map((f) => f.name))})`);
    for (const relation of relations) {
      const target = models.find((m) => m.name === relation.type);
      lines.push(
        `    CONSTRAINT ${q(`${table}_${relation.relationFromFields.join('_')}_fkey`)} FOREIGN KEY (${cols(relation.relationFromFields)}) REFERENCES ${q(target.dbName ?? target.name)} (${cols(relation.relationToFields)}) ON DELETE ${fkOnDelete(relation)} ON UPDATE ${action(relation.relationOnUpdate ?? 'Cascade')}`,
      );
    }
    for (const i of modelIndexes.filter((i) => i.type !== 'id')) {
      indexStatements.push(
        `-- CreateIndex\nCREATE ${i.type === 'unique' ? 'UNIQUE ' : ''}INDEX ${q(indexName(i))} ON ${q(table)}(${cols(i.fields.map((f) => f.name))});\n`,
      );
    }
  }
  if (provider === 'mysql') {
    for (const relation of relations) {
      const target = models.find((m) => m.name === relation.type);
      foreignKeys.push(
        `-- AddForeignKey\nALTER TABLE ${q(table)} ADD CONSTRAINT ${q(`${table}_${relation.relationFromFields.join('_')}_fkey`)} FOREIGN KEY (${cols(relation.relationFromFields)}) REFERENCES ${q(target.dbName ?? target.name)}(${cols(relation.relationToFields)}) ON DELETE ${fkOnDelete(relation)} ON UPDATE ${action(relation.relationOnUpdate ?? 'Cascade')};\n`,
      );
    }
  }
  const joined = lines.join(',\n').replace(',\n\n', ',\n\n');
  const suffix = provider === 'mysql' ? ' DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci' : '';
  out.push(`-- CreateTable\nCREATE TABLE ${q(table)} (\n${joined}\n)${suffix};\n`);
}

function fkOnDelete(relation) {
  if (relation.relationOnDelete) return action(relation.relationOnDelete);
  const model = models.find((m) => m.fields.includes(relation));
  const optional = relation.relationFromFields.some(
    (name) => !model.fields.find((f) => f.name === name).isRequired,
  );
  return optional ? 'SET NULL' : 'RESTRICT';
}

process.stdout.write([...out, ...indexStatements, ...foreignKeys].join('\n'));

/**
 * Splits a migration script into statements at `;` outside quotes and comments, keeping each statement's
 * text (comments included) so an error can quote it. Empty and comment-only pieces are dropped.
 */
export function splitSqlStatements(script: string): string[] {
  const statements: string[] = [];
  let current = '';
  let quote: string | null = null;
  for (let i = 0; i < script.length; i++) {
    const ch = script[i] as string;
    const next = script[i + 1];
    if (quote) {
      current += ch;
      if (ch === '\\' && quote !== '`' && next !== undefined) {
        current += next;
        i++;
      } else if (ch === quote) quote = null;
      continue;
    }
    if (ch === '-' && next === '-') {
      const end = script.indexOf('\n', i);
      const stop = end === -1 ? script.length : end;
      current += script.slice(i, stop);
      i = stop - 1;
      continue;
    }
    if (ch === '/' && next === '*') {
      const end = script.indexOf('*/', i + 2);
      const stop = end === -1 ? script.length : end + 2;
      current += script.slice(i, stop);
      i = stop - 1;
      continue;
    }
    if (ch === "'" || ch === '"' || ch === '`') quote = ch;
    if (ch === ';') {
      pushStatement(statements, current);
      current = '';
      continue;
    }
    current += ch;
  }
  pushStatement(statements, current);
  return statements;
}

function pushStatement(statements: string[], text: string): void {
  const withoutComments = text
    .replace(/--[^\n]*/g, '')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .trim();
  if (withoutComments !== '') statements.push(withoutComments);
}

/** The statement that undoes `statement` on MySQL, when it is one Prisma's migrations create. */
export function mysqlCompensation(statement: string): string | null {
  // `IF NOT EXISTS` may have found the table there already (with rows): dropping it is no undo.
  if (/^CREATE\s+TABLE\s+IF\s+NOT\s+EXISTS\s/i.test(statement)) return null;
  const table = /^CREATE\s+TABLE\s+(`[^`]+`|\w+)/i.exec(statement);
  if (table) return `DROP TABLE IF EXISTS ${table[1]}`;
  const index = /^CREATE\s+(?:UNIQUE\s+)?INDEX\s+(`[^`]+`|\w+)\s+ON\s+(`[^`]+`|\w+)/i.exec(statement);
  if (index) return `DROP INDEX ${index[1]} ON ${index[2]}`;
  const fk = /^ALTER\s+TABLE\s+(`[^`]+`|\w+)\s+ADD\s+CONSTRAINT\s+(`[^`]+`|\w+)\s+FOREIGN\s+KEY/i.exec(
    statement,
  );
  if (fk) return `ALTER TABLE ${fk[1]} DROP FOREIGN KEY ${fk[2]}`;
  const column = /^ALTER\s+TABLE\s+(`[^`]+`|\w+)\s+ADD\s+(?:COLUMN\s+)?(`[^`]+`)\s/i.exec(statement);
  if (column && !/,/.test(statement.replace(/\([^)]*\)/g, '')))
    return `ALTER TABLE ${column[1]} DROP COLUMN ${column[2]}`;
  return null;
}

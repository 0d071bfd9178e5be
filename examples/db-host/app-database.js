// The host application's OWN database (not billkit's): SQLite through libsql (better-sqlite3's API, no
// compiler needed), or MariaDB through the mariadb driver. billkit must never touch it.
import Database from 'libsql';
import * as mariadb from 'mariadb';

/** Opens the app database at `url` (`file:…` or `mysql://…`); returns a tiny query helper. */
export async function openAppDatabase(url) {
  if (url.startsWith('file:')) {
    const db = new Database(url.slice('file:'.length));
    return {
      run: async (sql, params = []) => void db.prepare(sql).run(...params),
      all: async (sql, params = []) => db.prepare(sql).all(...params),
      tables: async () =>
        db
          .prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
          )
          .all()
          .map((r) => r.name),
      close: async () => db.close(),
    };
  }
  const conn = await mariadb.createConnection(url.replace(/^mysql:/, 'mariadb:'));
  return {
    run: async (sql, params = []) => void (await conn.query(sql, params)),
    all: async (sql, params = []) => conn.query(sql, params),
    tables: async () => (await conn.query('SHOW TABLES')).map((row) => Object.values(row)[0]).sort(),
    close: async () => conn.end(),
  };
}

// CommonJS applications can require @billkit/db too: its migrations must be found from the CJS build.
const { readMigrations } = require('@billkit/db');

const sqlite = readMigrations('sqlite').map((m) => m.name);
const mysql = readMigrations('mysql').map((m) => m.name);
console.log(JSON.stringify({ moduleFormat: 'cjs', sqlite, mysql }));

import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { describeTestDatabases } from '../lib/test-databases.mjs';

test('says the MariaDB suites are skipped when nothing listens at the configured address', async () => {
  const probe = createServer();
  await new Promise((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address();
  await new Promise((resolve) => probe.close(resolve)); // the port is now free: nothing listens there
  const result = await describeTestDatabases({
    BILLKIT_TEST_MARIADB_URL: `mysql://root@127.0.0.1:${port}/x`,
  });
  assert.equal(result.mariadbRuns, false);
  assert.match(result.lines[1], new RegExp(`127\\.0\\.0\\.1:${port}: NOT reachable, its suites are SKIPPED`));
  const inCi = await describeTestDatabases({
    CI: 'true',
    BILLKIT_TEST_MARIADB_URL: `mysql://root@127.0.0.1:${port}/x`,
  });
  assert.match(inCi.lines[1], /with CI=true its suites fail/);
});

test('says the MariaDB suites run when a server accepts connections there', async () => {
  const server = createServer((socket) => socket.end());
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  try {
    const result = await describeTestDatabases({
      BILLKIT_TEST_MARIADB_URL: `mysql://root@127.0.0.1:${port}/x`,
    });
    assert.equal(result.mariadbRuns, true);
    assert.equal(result.lines[1], `MariaDB at 127.0.0.1:${port}: reachable, its suites run`);
    assert.equal(result.lines[0], 'SQLite (embedded): its suites run');
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});

// A throwaway Verdaccio on loopback: empty storage in a temp dir, `@billkit/*` served only from that
// storage (never proxied, so a package of the same name on npmjs can never leak into a host app),
// everything else proxied to registry.npmjs.org so host apps can install zod, big.js, luxon, …
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const verdaccioBin = join(here, '..', 'node_modules', '.bin', 'verdaccio');

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function configYaml(dir, uplink) {
  return `# written by tests/adoption/lib/verdaccio.mjs
storage: ${join(dir, 'storage')}
auth:
  htpasswd:
    file: ${join(dir, 'htpasswd')}
    max_users: 10
uplinks:
  npmjs:
    url: ${uplink}
    timeout: 60s
    maxage: 30m
packages:
  '@billkit/*':
    access: $all
    publish: $authenticated
    unpublish: $authenticated
  '**':
    access: $all
    publish: $authenticated
    proxy: npmjs
web:
  enable: false
middlewares:
  audit:
    enabled: false
server:
  keepAliveTimeout: 60
max_body_size: 100mb
log: { type: file, path: ${join(dir, 'verdaccio.log')}, format: json, level: warn }
`;
}

/**
 * Starts Verdaccio and registers a user; returns { url, token, npmrc(), stop() }.
 * `npmrc()` is the text of an .npmrc that points npm and pnpm at this registry with that token.
 */
export async function startVerdaccio(dir, { uplink = 'https://registry.npmjs.org/' } = {}) {
  const port = await freePort();
  mkdirSync(dir, { recursive: true });
  const configPath = join(dir, 'config.yaml');
  writeFileSync(configPath, configYaml(dir, uplink));
  const url = `http://127.0.0.1:${port}/`;
  const child = spawn(verdaccioBin, ['--config', configPath, '--listen', `127.0.0.1:${port}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr.on('data', (chunk) => {
    output += chunk;
  });
  let exited = false;
  child.on('exit', () => {
    exited = true;
  });

  const stop = async () => {
    if (exited) return;
    const gone = new Promise((resolve) => child.once('exit', resolve));
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      return;
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }, 3000);
    await gone;
    clearTimeout(timer);
  };

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exited) throw new Error(`verdaccio exited during start-up:\n${output}`);
    try {
      const response = await fetch(`${url}-/ping`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`verdaccio did not answer on ${url} within 30 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }

  // The CouchDB-style "adduser" endpoint npm itself uses; Verdaccio answers with a token.
  const user = 'billkit-release';
  const response = await fetch(`${url}-/user/org.couchdb.user:${user}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      _id: `org.couchdb.user:${user}`,
      name: user,
      password: 'adoption-test-only',
      email: 'release@billkit.invalid',
      type: 'user',
      roles: [],
      date: new Date().toISOString(),
    }),
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok || !body.token) {
    await stop();
    throw new Error(`could not create a registry user: HTTP ${response.status} ${JSON.stringify(body)}`);
  }
  const token = body.token;
  const hostPart = `//127.0.0.1:${port}/`;
  return {
    url,
    port,
    token,
    pid: child.pid,
    log: () => output,
    npmrc: () => `registry=${url}\n${hostPart}:_authToken=${token}\n`,
    stop,
  };
}

/** GET a registry document (packument) as JSON, or null on 404. */
export async function getPackument(url, name) {
  const response = await fetch(`${url}${name.replace('/', '%2f')}`, {
    headers: { accept: 'application/json' },
  });
  if (response.status === 404) return null;
  if (!response.ok) throw new Error(`GET ${name}: HTTP ${response.status}`);
  return response.json();
}

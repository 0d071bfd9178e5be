// A loopback "binary host mirror" for better-sqlite3's prebuilt binary (a dependency of @billkit/db).
//
// better-sqlite3 installs through prebuild-install, which downloads a prebuilt binary from GitHub
// releases and otherwise compiles SQLite from source (≈1.5 min on 2 cores). Where GitHub is not
// reachable that compile dominated the whole adoption run. prebuild-install supports a mirror
// (`npm_config_better_sqlite3_binary_host`, what companies use behind a firewall); this serves, from
// 127.0.0.1, the binary the workspace already built for the same better-sqlite3 version, Node ABI,
// platform and architecture, in the prebuilt tarball layout. Any other request is a 404, so a
// different version falls back to the normal source build. Disable with --native-from-source.
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { run } from './util.mjs';

export async function startNativeMirror(repoRoot, workdir) {
  const candidates = [
    join(repoRoot, 'packages/db/node_modules/better-sqlite3'),
    join(repoRoot, 'node_modules/better-sqlite3'),
  ];
  const dir = candidates.filter((c) => existsSync(c)).map((c) => realpathSync(c))[0];
  if (!dir || !existsSync(join(dir, 'build/Release/better_sqlite3.node'))) return null;
  const { version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const file = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
  const tarball = join(workdir, file);
  const packed = await run('tar', ['-czf', tarball, '-C', dir, 'build/Release/better_sqlite3.node']);
  if (packed.code !== 0) return null;
  const body = readFileSync(tarball);
  const served = [];
  const server = createServer((request, response) => {
    served.push(request.url);
    if (request.url === `/v${version}/${file}`) {
      response.writeHead(200, { 'content-type': 'application/gzip', 'content-length': body.length });
      response.end(body);
    } else {
      response.writeHead(404);
      response.end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    version,
    env: { npm_config_better_sqlite3_binary_host: url },
    served,
    stop: () => new Promise((resolve) => server.close(resolve)),
  };
}

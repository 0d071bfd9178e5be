// What each host app must prove once installed. The examples live in /examples as ordinary projects;
// this file decides how they are exercised and what their output must be.
//
// The hosts run as independent pipelines at the same time (install → checks): installing is mostly
// network and disk, and @billkit/db's install (Prisma's client and drivers) is the largest, so the ESM, CJS
// and TypeScript hosts finish while it is still installing.
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { dbHostChecks } from './db-host.mjs';
import { billkitDependencies, exampleExists, installHost, runHostJson } from './hosts.mjs';
import { check, run, tail } from './util.mjs';
import { workflowsHostChecks } from './workflows-host.mjs';

/**
 * The invoice the ESM and CJS hosts build (examples/esm-host/invoice.js), worked out by hand (also in
 * examples/README.md). Basic $30.00/month, 20 % off forever, 6.25 % tax, from 1 April (30 days):
 *   first invoice: 3000 − 600 discount = 2400, + 6.25 % = 150 tax → 2550
 *   upgrade to $60.00 on 16 April, 15 of 30 days left (½):
 *     credit for unused basic  −3000 × ½ = −1500, its 20 % discount reverses +300 → −1200 net
 *     charge for premium       +6000 × ½ = +3000, 20 % discount −600           → +2400 net
 *   subtotal 1500, discount 300, taxable 1200, tax 1200 × 0.0625 = 75, total 1275 = amount due
 *   (cross-check: (6000 − 3000) × 0.8 × ½ × 1.0625 = 1275).
 */
export const EXPECTED_TOTALS = {
  currency: 'USD',
  firstInvoiceTotal: 2550,
  lines: [-1500, 3000],
  subtotal: 1500,
  totalDiscount: 300,
  totalTax: 75,
  total: 1275,
  amountDue: 1275,
};

async function prepare(name, { examplesDir, tmp, registry, released, partial }) {
  if (!exampleExists(examplesDir, name)) {
    check(name, `examples/${name} exists`, false, 'missing example');
    return null;
  }
  const missing = billkitDependencies(join(examplesDir, name)).filter((dep) => !released.has(dep));
  if (missing.length && partial) {
    console.log(`  - [${name}] skipped: ${missing.join(', ')} not released in this --only run`);
    return null;
  }
  return installHost(join(examplesDir, name), join(tmp, name), {
    registryUrl: registry.url,
    npmrc: registry.npmrc(),
    released,
    step: name,
  });
}

/** ESM and CommonJS: same scenario, same totals, through `import` and `require`. */
async function moduleHosts(context) {
  const [esm, cjs] = await Promise.all([prepare('esm-host', context), prepare('cjs-host', context)]);
  const outputs = {};
  for (const [name, dir] of [
    ['esm-host', esm],
    ['cjs-host', cjs],
  ]) {
    if (!dir) continue;
    const out = await runHostJson(name, `${name}: npm start`, dir, 'npm', ['start', '--silent']);
    if (!out) continue;
    outputs[name] = out.json;
    // The invoice table once (ESM), then each host's JSON line.
    const shown =
      name === 'esm-host' ? out.stdout.trim().split('\n') : out.stdout.trim().split('\n').slice(-1);
    console.log(`      ${shown.join('\n      ')}`);
    const t = out.json.totals ?? {};
    check(
      name,
      `${name}: subtotal − discount + tax = total`,
      t.subtotal - t.totalDiscount + t.totalTax === t.total,
      JSON.stringify(t),
    );
    if (EXPECTED_TOTALS) {
      check(
        name,
        `${name}: totals match the hand-worked invoice`,
        isDeepStrictEqual(t, EXPECTED_TOTALS),
        `got ${JSON.stringify(t)}\nexpected ${JSON.stringify(EXPECTED_TOTALS)}`,
      );
    }
  }
  const [e, c] = [outputs['esm-host'], outputs['cjs-host']];
  if (e && c) {
    check(
      'cjs-host',
      `ESM (${e.moduleFormat}) and CommonJS (${c.moduleFormat}) hosts print the same totals`,
      e.moduleFormat === 'esm' && c.moduleFormat === 'cjs' && isDeepStrictEqual(e.totals, c.totals),
      `esm: ${JSON.stringify(e)}\ncjs: ${JSON.stringify(c)}`,
    );
  }
}

/** TypeScript: the published .d.ts under node16 and bundler resolution, strict, skipLibCheck off. */
async function typescriptHost(context) {
  const dir = await prepare('ts-host', context);
  if (!dir) return;
  for (const config of ['tsconfig.node16.json', 'tsconfig.bundler.json']) {
    const result = await run(join(dir, 'node_modules', '.bin', 'tsc'), ['-p', config], { cwd: dir });
    check(
      'ts-host',
      `tsc -p ${config} (strict, skipLibCheck false) passes against the published .d.ts`,
      result.code === 0,
      tail(result, 40),
    );
  }
}

async function databaseHost(context) {
  const dir = await prepare('db-host', context);
  if (dir) await dbHostChecks(dir, { requireMariaDb: context.requireMariaDb });
}

/** A host app in its own web framework that bills through @billkit/workflows and the (fake) Tilled. */
async function workflowsHost(context) {
  const dir = await prepare('workflows-host', context);
  if (dir) await workflowsHostChecks(dir, { repoRoot: join(context.examplesDir, '..') });
}

export async function runHosts(context) {
  await Promise.all([
    moduleHosts(context),
    typescriptHost(context),
    databaseHost(context),
    workflowsHost(context),
  ]);
}

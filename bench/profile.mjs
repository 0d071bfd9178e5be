// Where the time goes: the API under `node --cpu-prof` while autocannon drives the upcoming-invoice
// preview (SQLite, 50 connections); the profile is written on SIGTERM exit and summarised here as the
// top functions by self time and by inclusive (self + callees) time.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sampleRateTable } from '@billkit/tax';
import autocannon from 'autocannon';
import { client, seedSubscription, startApi } from './api-server.mjs';
import { environment, printEnvironment, printTable, round, snakeize, writeResults } from './lib.mjs';

export function summarise(profile, top) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const dt = new Map();
  profile.samples.forEach((id, i) => {
    dt.set(id, (dt.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const total = [...dt.values()].reduce((a, b) => a + b, 0);
  const name = (n) => {
    const f = n.callFrame;
    const file = f.url
      .replace(/^file:\/\//, '')
      .replace(/^.*\/node_modules\/(\.pnpm\/[^/]+\/node_modules\/)?/, '');
    return `${f.functionName || '(anonymous)'} ${file.replace(/^.*\/work\/main\//, '')}:${f.lineNumber + 1}`;
  };
  const self = new Map();
  const inclusive = new Map();
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  for (const n of profile.nodes) {
    const t = dt.get(n.id) ?? 0;
    if (t === 0) continue;
    const key = name(n);
    self.set(key, (self.get(key) ?? 0) + t);
    const seen = new Set(); // count recursion once
    for (let id = n.id; id !== undefined; id = parent.get(id)) {
      const k = name(byId.get(id));
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + t);
    }
  }
  const rows = (map) =>
    [...map.entries()]
      .filter(([k]) => !/^\((root|program|idle|garbage collector)\)/.test(k) || k.startsWith('(garbage'))
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([fn, t]) => ({ function: fn, ms: round(t / 1000, 0), '%': round((100 * t) / total, 1) }));
  // billkit's own code (apps/, packages/ sources), where a fix would be ours to make.
  const ours = new Map([...inclusive].filter(([k]) => / (apps|packages)\//.test(k)));
  const oursSelf = new Map([...self].filter(([k]) => / (apps|packages)\//.test(k)));
  return {
    self: rows(self),
    inclusive: rows(inclusive),
    billkitSelf: rows(oursSelf).slice(0, 10),
    billkitInclusive: rows(ours).slice(0, 10),
    totalMs: round(total / 1000, 0),
  };
}

export async function runProfile({ durationSeconds = 10, top = 15 } = {}) {
  const env = environment();
  const dir = mkdtempSync(join(tmpdir(), 'billkit-prof-'));
  const api = await startApi('sqlite', { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`] });
  try {
    const call = client(api.baseUrl, api.key);
    const { subscriptionId } = await seedSubscription(
      call,
      snakeize(JSON.parse(JSON.stringify(sampleRateTable))),
    );
    await new Promise((resolve, reject) =>
      autocannon(
        {
          url: `${api.baseUrl}/v1/invoices/upcoming?subscription=${subscriptionId}`,
          headers: { authorization: `Bearer ${api.key}` },
          connections: 50,
          duration: durationSeconds,
        },
        (e, r) => (e ? reject(e) : resolve(r)),
      ),
    );
  } finally {
    await api.stop();
  }
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  const summary = summarise(JSON.parse(readFileSync(join(dir, file), 'utf8')), top);
  rmSync(dir, { recursive: true, force: true });
  printEnvironment(env);
  printTable(
    `CPU profile of the API under GET /v1/invoices/upcoming (${summary.totalMs} ms sampled): top self time`,
    summary.self,
  );
  printTable('Top inclusive time', summary.inclusive);
  printTable("billkit's own code: top self time", summary.billkitSelf);
  printTable("billkit's own code: top inclusive time", summary.billkitInclusive);
  writeResults('profile', { environment: env, durationSeconds, ...summary });
  return summary;
}

if (import.meta.url === `file://${process.argv[1]}`) await runProfile();

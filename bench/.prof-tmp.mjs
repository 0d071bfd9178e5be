import { sampleRateTable } from '@billkit/tax';
import autocannon from 'autocannon';
import { client, seedSubscription, startApi } from './api-server.mjs';

function snakeize(value) {
  if (Array.isArray(value)) return value.map(snakeize);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), snakeize(v)]),
  );
}
const api = await startApi(process.argv[2] ?? 'sqlite', {
  nodeArgs: ['--cpu-prof', '--cpu-prof-dir=/tmp/prof'],
});
const call = client(api.baseUrl, api.key);
const { subscriptionId } = await seedSubscription(
  call,
  snakeize(JSON.parse(JSON.stringify(sampleRateTable))),
);
const url = `${api.baseUrl}/v1/invoices/upcoming?subscription=${subscriptionId}`;
const r = await new Promise((res, rej) =>
  autocannon(
    { url, headers: { authorization: `Bearer ${api.key}` }, connections: 10, duration: 5 },
    (e, x) => (e ? rej(e) : res(x)),
  ),
);
console.log('rps', r.requests.average, 'p50', r.latency.p50, 'p99', r.latency.p99, 'non2xx', r.non2xx);
await api.stop();

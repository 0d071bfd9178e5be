// Engine benchmarks (in-process, one core): tinybench, figures printed and written to bench/results.
// Each case builds its inputs once; the measured function is the engine call alone.
import { Bench } from 'tinybench';
import { cases } from './engine-cases.mjs';
import { environment, printEnvironment, printTable, round, writeResults } from './lib.mjs';

export async function runEngineBench({ time = 1000 } = {}) {
  const env = environment();
  const bench = new Bench({ time, warmupTime: 200 });
  for (const c of await cases()) bench.add(c.name, c.run);
  await bench.run();
  const rows = bench.tasks.map((task) => {
    const latency = task.result.latency;
    return {
      benchmark: task.name,
      'ops/s': Math.round(task.result.throughput.mean).toLocaleString('en-US'),
      'mean µs': round(latency.mean * 1000, 2),
      'p99 µs': round(latency.p99 * 1000, 2),
      samples: latency.samples?.length ?? task.result.latency.samplesCount ?? '',
    };
  });
  printEnvironment(env);
  printTable('Engines (in-process, one core)', rows);
  const path = writeResults('engines', { environment: env, results: rows });
  console.log(`\nwritten to ${path}`);
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) await runEngineBench();

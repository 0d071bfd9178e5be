// `pnpm bench` (quick: engines + a 10 s API run on SQLite) and `pnpm bench:full` (everything).
import { runEngineBench } from './engines.mjs';

const full = process.argv.includes('--full');
await runEngineBench({ time: full ? 3000 : 1000 });

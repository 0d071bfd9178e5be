#!/usr/bin/env node
// `billkit` binary: runs src/cli.ts through tsx (the API ships as TypeScript source, like `start`).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli.ts');
process.exit(await main(process.argv.slice(2)));

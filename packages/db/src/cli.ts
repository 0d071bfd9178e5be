#!/usr/bin/env node
import { runCli } from './cli/program.js';

// billkit-db: migrate, status, backup, restore, verify-audit, seed. Each command is in src/cli/.
runCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});

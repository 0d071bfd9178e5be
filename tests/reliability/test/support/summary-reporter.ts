import type { Reporter } from 'vitest/node';
import { formatTable, mustBeZero, readTally } from './summary.js';

/** Prints the reliability summary table after every run, and fails the process if a zero is not zero. */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(): void {
    const { total, bySuite } = readTally();
    const lines = ['', 'billkit reliability summary', formatTable(total)];
    for (const [suite, row] of bySuite) {
      const parts = Object.entries(row)
        .filter(([, v]) => v !== 0)
        .map(([k, v]) => `${k}=${v}`);
      lines.push(`  ${suite}: ${parts.join(', ') || '(nothing counted)'}`);
    }
    const nonZero = Object.entries(mustBeZero(total)).filter(([, v]) => v !== 0);
    if (nonZero.length > 0) {
      lines.push(`FAILED: must be zero: ${nonZero.map(([k, v]) => `${k}=${v}`).join(', ')}`);
      process.exitCode = 1;
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  }
}

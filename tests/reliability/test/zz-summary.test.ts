import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LOG_DIR } from './support/paths.js';
import { BOOTSTRAP_LINE } from './support/server.js';
import { mustBeZero, readSecrets, readTally, tally } from './support/summary.js';

// Runs last (the sequencer sorts by file name): scans every captured server log of the whole run and
// checks the counters every other suite reported.

describe('the whole run', () => {
  it('never wrote a secret, API key, webhook secret or card number to the server logs', () => {
    const files = readdirSync(LOG_DIR).filter((f) => f.endsWith('.log'));
    expect(files.length).toBeGreaterThan(0);
    const secrets = readSecrets();
    expect(secrets.length).toBeGreaterThan(0);
    const hits: string[] = [];
    for (const file of files) {
      const lines = readFileSync(`${LOG_DIR}${file}`, 'utf8').split('\n');
      for (const [n, line] of lines.entries()) {
        // The one line main.ts prints to show the bootstrap key once is the intended exception.
        if (BOOTSTRAP_LINE.test(line)) continue;
        for (const { kind, value } of secrets) {
          if (line.includes(value)) hits.push(`${file}:${n + 1}: ${kind}`);
        }
        if (/Bearer\s+bk_/i.test(line)) hits.push(`${file}:${n + 1}: bearer header`);
        for (const candidate of line.match(/(?<![\w.])\d{13,19}(?![\w.])/g) ?? []) {
          if (/^(4|5[1-5]|3[47]|6011)/.test(candidate) && luhn(candidate))
            hits.push(`${file}:${n + 1}: card number`);
        }
      }
    }
    tally('logs', { secretsInLogs: hits.length });
    expect(hits).toEqual([]);
  });

  it('counted no double charge, over-credit, mishandled bad input, lost write, unbalanced invoice or audit chain break', () => {
    const { total } = readTally();
    expect(total.badInputs).toBeGreaterThanOrEqual(2000);
    expect(total.faultsInjected).toBeGreaterThan(0);
    expect(total.faultsSurvived).toBe(total.faultsInjected);
    expect(total.concurrentRequests).toBeGreaterThanOrEqual(50);
    expect(mustBeZero(total)).toEqual({
      doubleCharges: 0,
      overCredits: 0,
      badInputsMishandled: 0,
      lostWrites: 0,
      unbalancedInvoices: 0,
      auditChainBreaks: 0,
      secretsInLogs: 0,
      slowFailures: 0,
    });
  });
});

/** The Luhn check every card number passes (so timestamps and ids do not count as card numbers). */
function luhn(digits: string): boolean {
  let total = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    total += d;
  }
  return total % 10 === 0;
}

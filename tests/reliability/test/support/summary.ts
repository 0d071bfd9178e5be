import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { METRICS_FILE, SECRETS_FILE } from './paths.js';

/** The counters of the final table; {@link mustBeZero} names those that must end at zero. */
export interface Tally {
  loadRequests: number;
  loadSucceeded: number;
  faultsInjected: number;
  faultsSurvived: number;
  badInputs: number;
  /** Bad or hostile inputs answered with a 5xx or a 2xx, or stored as sent (see hostile-input.test.ts). */
  badInputsMishandled: number;
  /** Requests sent in parallel against one money object (one invoice paid, voided, credited, dunned). */
  concurrentRequests: number;
  doubleCharges: number;
  /** Invoices whose credit notes credit more than the invoice charged (also counted as unbalanced). */
  overCredits: number;
  /**
   * Faults answered late or dishonestly: a frozen or down database later than 2 s or not with a 503, a held
   * row lock later than a few seconds or not with a retryable 409/503, a dead request's key still refused
   * once the leases are over (see faults-fast.test.ts).
   */
  slowFailures: number;
  lostWrites: number;
  unbalancedInvoices: number;
  auditChainBreaks: number;
  secretsInLogs: number;
}

export const EMPTY_TALLY: Tally = {
  loadRequests: 0,
  loadSucceeded: 0,
  faultsInjected: 0,
  faultsSurvived: 0,
  badInputs: 0,
  badInputsMishandled: 0,
  concurrentRequests: 0,
  doubleCharges: 0,
  overCredits: 0,
  slowFailures: 0,
  lostWrites: 0,
  unbalancedInvoices: 0,
  auditChainBreaks: 0,
  secretsInLogs: 0,
};

/** Adds to the run's counters (one JSON line per call, summed by the reporter). */
export function tally(suite: string, delta: Partial<Tally>): void {
  appendFileSync(METRICS_FILE, `${JSON.stringify({ suite, ...delta })}\n`);
}

export function readTally(): { total: Tally; bySuite: Map<string, Tally> } {
  const total: Tally = { ...EMPTY_TALLY };
  const bySuite = new Map<string, Tally>();
  if (!existsSync(METRICS_FILE)) return { total, bySuite };
  for (const line of readFileSync(METRICS_FILE, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const { suite, ...delta } = JSON.parse(line) as { suite: string } & Partial<Tally>;
    const row = bySuite.get(suite) ?? { ...EMPTY_TALLY };
    for (const [key, value] of Object.entries(delta) as [keyof Tally, number][]) {
      row[key] += value;
      total[key] += value;
    }
    bySuite.set(suite, row);
  }
  return { total, bySuite };
}

/** Remembers a secret the suite handed to the server, so the final log scan can look for it. */
export function registerSecret(kind: string, value: string): void {
  if (value.length < 8) throw new Error(`refusing to register a short ${kind}: it would match by chance`);
  appendFileSync(SECRETS_FILE, `${JSON.stringify({ kind, value })}\n`);
}

export function readSecrets(): { kind: string; value: string }[] {
  if (!existsSync(SECRETS_FILE)) return [];
  return readFileSync(SECRETS_FILE, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as { kind: string; value: string });
}

export function formatTable(total: Tally): string {
  const rows: [string, string][] = [
    ['load held', `${total.loadSucceeded}/${total.loadRequests} requests answered as specified`],
    ['faults injected / survived', `${total.faultsInjected} / ${total.faultsSurvived}`],
    ['bad inputs tried', String(total.badInputs)],
    ['bad inputs mishandled (5xx, 2xx or stored)', String(total.badInputsMishandled)],
    ['concurrent money requests', String(total.concurrentRequests)],
    ['double charges', String(total.doubleCharges)],
    ['over-credited invoices', String(total.overCredits)],
    ['faults answered late or dishonestly', String(total.slowFailures)],
    ['lost writes', String(total.lostWrites)],
    ['unbalanced invoices', String(total.unbalancedInvoices)],
    ['audit chain breaks', String(total.auditChainBreaks)],
    ['secrets found in logs', String(total.secretsInLogs)],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const valueWidth = Math.max(...rows.map(([, v]) => v.length));
  const line = `+${'-'.repeat(width + 2)}+${'-'.repeat(valueWidth + 2)}+`;
  return [line, ...rows.map(([k, v]) => `| ${k.padEnd(width)} | ${v.padEnd(valueWidth)} |`), line].join('\n');
}

/** The counters that must be zero at the end of a run. */
export function mustBeZero(total: Tally): Record<string, number> {
  return {
    doubleCharges: total.doubleCharges,
    overCredits: total.overCredits,
    slowFailures: total.slowFailures,
    badInputsMishandled: total.badInputsMishandled,
    lostWrites: total.lostWrites,
    unbalancedInvoices: total.unbalancedInvoices,
    auditChainBreaks: total.auditChainBreaks,
    secretsInLogs: total.secretsInLogs,
  };
}

// `billkit` — operations commands for the API's database.
//   billkit webhooks replay [--tenant T] [--since TIME] [--event ID]
import { parseArgs } from 'node:util';
import { createBilling, type ReplayGatewayEventsInput as ReplayFilter } from '@billkit/workflows';
import { ConfigError, loadConfig, openConfiguredStore } from './config.js';
import { configuredTilledWiring } from './tilled-wiring.js';

const USAGE = `Usage: billkit webhooks replay [--tenant T] [--since TIME] [--event ID]

Re-processes stored webhook events idempotently (already processed events are skipped).
  --tenant T     only this tenant's events
  --since TIME   only events received at or after TIME (ISO 8601)
  --event ID     only the event with this provider event id (evt_…)
Database: DATABASE_URL_BILLING (mysql://…) or the SQLite file under DATA_DIR.`;

/** Parses argv (without node and the script); throws a message for the user on bad input. */
export function parseReplayArgs(argv: readonly string[]): ReplayFilter {
  const { positionals, values } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      tenant: { type: 'string' },
      since: { type: 'string' },
      event: { type: 'string' },
    },
  });
  if (positionals[0] !== 'webhooks' || positionals[1] !== 'replay' || positionals.length > 2) {
    throw new Error(USAGE);
  }
  if (values.since !== undefined && Number.isNaN(Date.parse(values.since))) {
    throw new Error(`--since must be an ISO 8601 instant, got ${values.since}`);
  }
  return {
    ...(values.tenant !== undefined ? { tenant: values.tenant } : {}),
    ...(values.since !== undefined ? { since: new Date(values.since).toISOString() } : {}),
    ...(values.event !== undefined ? { eventId: values.event } : {}),
  };
}

/** Runs the CLI; resolves with the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h') || argv.length === 0) {
    process.stdout.write(`${USAGE}\n`);
    return argv.length === 0 ? 64 : 0;
  }
  let filter: ReplayFilter;
  let config: ReturnType<typeof loadConfig>;
  try {
    filter = parseReplayArgs(argv);
    config = loadConfig();
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return error instanceof ConfigError ? 78 : 64;
  }
  const store = await openConfiguredStore(config);
  try {
    const billing = createBilling({ db: store, gateways: configuredTilledWiring(config, store).gatewayFor });
    const tty = process.stderr.isTTY === true;
    const summary = await billing.gatewayEvents.replay(filter, (done, total) => {
      if (tty) process.stderr.write(`\r${progressBar(done, total)}`);
    });
    if (tty) process.stderr.write('\n');
    process.stdout.write(
      `${summary.selected} events selected: ${summary.processed} processed, ${summary.alreadyProcessed} already processed, ${summary.failed.length} failed\n`,
    );
    for (const f of summary.failed) process.stdout.write(`  ${f.tenant} ${f.eventId}: ${f.error}\n`);
    return summary.failed.length > 0 ? 1 : 0;
  } finally {
    await store.close();
  }
}

/** A one-line progress bar (`[#####-----] 5/10`) for a TTY. */
export function progressBar(done: number, total: number, width = 30): string {
  const filled = total === 0 ? width : Math.round((done / total) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total}`;
}

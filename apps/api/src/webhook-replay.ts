// Progress of `billkit webhooks replay` (the replay itself is `billing.gatewayEvents.replay`).

/** A one-line progress bar (`[#####-----] 5/10`) for a TTY. */
export function progressBar(done: number, total: number, width = 30): string {
  const filled = total === 0 ? width : Math.round((done / total) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total}`;
}

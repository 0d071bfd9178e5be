import { describe, expect, it } from 'vitest';
import { parseReplayArgs, progressBar } from '../src/cli.js';

describe('billkit webhooks replay arguments', () => {
  it.each([
    [['webhooks', 'replay'], {}],
    [['webhooks', 'replay', '--tenant', 'demo'], { tenant: 'demo' }],
    [['webhooks', 'replay', '--since', '2026-03-01T00:00:00Z'], { since: '2026-03-01T00:00:00.000Z' }],
    [['webhooks', 'replay', '--event', 'evt_1', '--tenant', 't'], { eventId: 'evt_1', tenant: 't' }],
  ])('reads %j as %j', (argv, filter) => {
    expect(parseReplayArgs(argv)).toEqual(filter);
  });

  it.each([
    [['webhooks'], /Usage/],
    [['webhooks', 'replay', 'extra'], /Usage/],
    [['webhooks', 'replay', '--since', 'yesterday'], /--since must be an ISO 8601 instant/],
    [['webhooks', 'replay', '--unknown'], /Unknown option/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseReplayArgs(argv)).toThrow(message);
  });

  it('draws a progress bar proportional to the work done', () => {
    expect(progressBar(0, 4, 8)).toBe('[--------] 0/4');
    expect(progressBar(1, 4, 8)).toBe('[##------] 1/4');
    expect(progressBar(4, 4, 8)).toBe('[########] 4/4');
    expect(progressBar(0, 0, 8)).toBe('[########] 0/0');
  });
});

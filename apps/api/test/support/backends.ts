import { type Harness, startMemory } from './harness.js';

export interface Backend {
  readonly name: string;
  readonly start: () => Promise<Harness>;
}

/** The stores the end-to-end suites run against. */
export function backends(): Backend[] {
  return [{ name: 'memory', start: () => startMemory() }];
}

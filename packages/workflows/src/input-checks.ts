// Checks of the codes and instants a caller (the API or a host app) passes to an operation, against the
// real lists: ISO-4217 currencies (@billkit/money) and ISO 3166-1 countries and the accepted instant
// range (@billkit/billing-core). What fails is refused before anything is read or stored.
import { INSTANT_RANGE, isCountryCode, isInstantInRange } from '@billkit/billing-core';
import { isCurrencyCode } from '@billkit/money';
import { WorkflowError, type WorkflowErrorField } from './errors.js';

/** One check: the input path (`address.country`), the value, and what it must be. */
type Check = readonly [path: string, value: unknown, kind: 'currency' | 'country' | 'instant'];

const MESSAGES = {
  currency: 'Unknown ISO-4217 currency code (upper case, e.g. USD)',
  country: 'Unknown ISO 3166-1 alpha-2 country code (upper case, e.g. US)',
  instant: `must be an ISO-8601 instant from ${INSTANT_RANGE.min} up to (not including) ${INSTANT_RANGE.max}`,
} as const;

function passes(kind: Check[2], value: unknown): boolean {
  if (kind === 'currency') return isCurrencyCode(value);
  if (kind === 'country') return isCountryCode(value);
  return typeof value === 'string' && isInstantInRange(value);
}

/**
 * Refuses with `WORKFLOW_VALIDATION_FAILED` naming every failed field; checks whose value is
 * `undefined` (an optional field left out) pass.
 *
 * @example checkInput([['currency', 'QQQ', 'currency']]) // throws, fields: [{ path: 'currency', … }]
 */
export function checkInput(checks: readonly Check[]): void {
  const fields: WorkflowErrorField[] = [];
  for (const [path, value, kind] of checks) {
    if (value !== undefined && !passes(kind, value)) fields.push({ path, message: MESSAGES[kind] });
  }
  if (fields.length === 0) return;
  throw new WorkflowError('WORKFLOW_VALIDATION_FAILED', `Invalid ${fields.map((f) => f.path).join(', ')}`, {
    fields,
  });
}

/**
 * `@billkit/proration/internal`: the proration engine's door for billing-core, which validates its
 * input at its own public entry and hands the requests it builds from it inward without a second
 * validation. Not part of the public API: it may change in any release.
 */
export { type ProrationItems, prorateParsed, prorateParsedItems } from './prorate.js';
export type { ParsedProrationOptions, ParsedProrationRequest } from './request.js';

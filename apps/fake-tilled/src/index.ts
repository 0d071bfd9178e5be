export {
  DECLINING_CARDS,
  type FakeTilled,
  type FakeTilledOptions,
  type RecordedRequest,
  type RequestMatch,
  type ScriptStep,
  startFakeTilled,
  TILLED_CURRENCIES,
} from './fake-tilled.js';
export { tilledSignature } from './signing.js';
export type { Delivery, DeliveryFilter } from './webhook-sender.js';
export type * from './wire.js';

// The gateway contract is billing-core's: billing logic never imports a gateway, a gateway imports
// the contract. Re-exported so that users of @billkit/tilled can name the types from one place.
export type {
  PaymentGateway,
  PaymentIntent,
  PaymentIntentStatus,
  PaymentMetadata,
  Refund,
} from '@billkit/billing-core';

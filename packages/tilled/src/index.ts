export { fromTilledAmount, type TilledAmount, toTilledAmount } from './amount.js';
export { type CallOptions, TilledClient } from './client.js';
export {
  type RetryPolicy,
  redactSecret,
  redactTilledConfig,
  resolveBaseUrl,
  TILLED_PRODUCTION_URL,
  TILLED_SANDBOX_URL,
  type TilledConfig,
  type TilledTenantConfig,
  tenantEnvSuffix,
  tilledConfigFromEnv,
} from './config.js';
export { type CreateCustomerParams, type TilledCustomer, tilledCustomerSchema } from './customer.js';
export { type DunningOptions, type DunningSchedule, type DunningStep, nextDunningStep } from './dunning.js';
export { isTilledError, TilledError, type TilledErrorCode, type TilledErrorOptions } from './errors.js';
export {
  BILLKIT_METADATA_KEYS,
  type BillkitPaymentReference,
  isKnownEventType,
  type KnownTilledEventType,
  type ListEventsParams,
  parseTilledEvent,
  readBillkitMetadata,
  TILLED_EVENT_TYPES,
  type TilledEvent,
  tilledEventSchema,
} from './event.js';
export { TilledGateway, type TilledGatewayOptions, toPaymentIntent } from './gateway.js';
export type {
  PaymentGateway,
  PaymentIntent,
  PaymentIntentStatus,
  PaymentMetadata,
  Refund,
} from './gateway-contract.js';
export type { ListParams, TilledList, TilledMetadata } from './list.js';
export {
  type CreatePaymentIntentParams,
  type LastPaymentError,
  type ListPaymentIntentsParams,
  type OccurrenceType,
  TILLED_PAYMENT_INTENT_STATUSES,
  type TilledPaymentIntent,
  type TilledPaymentIntentStatus,
  tilledPaymentIntentSchema,
} from './payment-intent.js';
export {
  type CreatePaymentMethodParams,
  type ListPaymentMethodsParams,
  PAYMENT_METHOD_TYPES,
  type PaymentMethodType,
  type TilledPaymentMethod,
  tilledPaymentMethodSchema,
} from './payment-method.js';
export {
  type CreateRefundParams,
  TILLED_REFUND_STATUSES,
  type TilledCharge,
  type TilledRefund,
  type TilledRefundStatus,
  tilledChargeSchema,
  tilledRefundSchema,
} from './refund.js';
export {
  type CreateWebhookEndpointParams,
  type TilledWebhookEndpoint,
  tilledWebhookEndpointSchema,
} from './webhook-endpoint.js';
export {
  constructWebhookEvent,
  DEFAULT_WEBHOOK_TOLERANCE_SECONDS,
  type ParsedSignatureHeader,
  parseSignatureHeader,
  signWebhookPayload,
  TILLED_SIGNATURE_HEADER,
  type VerifyWebhookSignatureInput,
  verifyWebhookSignature,
  type WebhookVerification,
} from './webhook-signature.js';

// Tilled's JSON shapes as the fake serves them (snake_case, amounts in minor units, lower-case currency).

export type Metadata = Record<string, string>;

export interface WireCustomer {
  id: string;
  account_id: string;
  email: string | null;
  first_name: string | null;
  last_name: string | null;
  phone: string | null;
  metadata: Metadata;
  created_at: string;
  updated_at: string;
}

export interface WirePaymentMethod {
  id: string;
  type: 'card' | 'ach_debit' | 'eft_debit' | 'card_present';
  customer_id: string | null;
  card: { brand: string; last4: string; exp_month: number; exp_year: number } | null;
  ach_debit: { last2: string; bank_name: string; account_type: string } | null;
  billing_details: Record<string, unknown> | null;
  metadata: Metadata;
  created_at: string;
  updated_at: string;
}

export interface WireRefund {
  id: string;
  amount: number;
  currency: string;
  status: 'pending' | 'succeeded' | 'failed' | 'canceled' | 'requires_action';
  payment_intent_id: string;
  charge_id: string;
  reason: string | null;
  failure_code: string | null;
  metadata: Metadata;
  created_at: string;
  updated_at: string;
}

export interface WireCharge {
  id: string;
  payment_intent_id: string;
  status: 'pending' | 'succeeded' | 'failed';
  amount_captured: number;
  amount_refunded: number;
  failure_code: string | null;
  failure_message: string | null;
  refunds: WireRefund[];
  created_at: string;
  updated_at: string;
}

export type IntentStatus =
  | 'requires_payment_method'
  | 'requires_confirmation'
  | 'requires_action'
  | 'processing'
  | 'requires_capture'
  | 'canceled'
  | 'succeeded';

export interface WirePaymentIntent {
  id: string;
  account_id: string;
  amount: number;
  amount_received: number;
  currency: string;
  status: IntentStatus;
  capture_method: 'automatic' | 'manual';
  occurrence_type: string | null;
  payment_method_types: string[];
  payment_method: WirePaymentMethod | null;
  last_payment_error: { charge_id: string | null; code: string; message: string } | null;
  metadata: Metadata;
  charges: WireCharge[];
  canceled_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface WireDispute {
  id: string;
  account_id: string;
  charge_id: string;
  payment_intent_id: string;
  amount: number;
  currency: string;
  status: string;
  reason: string;
  created_at: string;
  updated_at: string;
}

export interface WireEvent {
  id: string;
  account_id: string;
  type: string;
  data: object;
  created_at: string;
  updated_at: string;
}

export interface WireWebhookEndpoint {
  id: string;
  account_id: string;
  url: string;
  enabled_events: string[];
  description: string | null;
  secret?: string;
  created_at: string;
}

export interface WireList<T> {
  items: T[];
  has_more: boolean;
  limit: number;
  offset: number;
  total: number;
}

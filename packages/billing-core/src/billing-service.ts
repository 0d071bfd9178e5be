import { type BillingConfig, type BillingConfigInput, resolveBillingConfig } from './billing-config.js';
import type { Catalog } from './catalog.js';
import type { Invoice } from './invoice.js';
import {
  type BillingEnvironment,
  type BuildInvoiceInput,
  buildInvoice,
  type InvoiceBuildResult,
  previewInvoice,
} from './invoice-builder.js';
import type { Subscription } from './subscription.js';
import {
  type CancelSubscriptionInput,
  type ChangeSubscriptionInput,
  type CreateSubscriptionInput,
  cancelSubscription,
  changeSubscription,
  createSubscription,
  previewRenewal,
  previewSubscriptionChange,
  type RenewSubscriptionInput,
  renewSubscription,
  type SubscriptionTransition,
} from './subscription-lifecycle.js';
import type { TaxSource } from './tax-step.js';

/**
 * The facade of the original plan: the catalog, the tax source and the configuration bound once, with
 * every computation a method. It holds no mutable state — each method is the pure function of the same
 * name with the environment filled in — so one instance can serve any number of requests.
 *
 * @example
 * const billing = new BillingService({ catalog, tax: rateTable, config: { taxRoundingLevel: 'invoice' } });
 * const preview = billing.previewSubscriptionChange(subscription, { customer, items, prorationDate });
 */
export class BillingService {
  readonly catalog: Catalog;
  readonly tax: TaxSource;
  readonly config: BillingConfig;

  constructor(options: {
    readonly catalog: Catalog;
    readonly tax: TaxSource;
    readonly config?: BillingConfigInput;
  }) {
    this.catalog = options.catalog;
    this.tax = options.tax;
    this.config = resolveBillingConfig(options.config ?? {});
  }

  private get env(): BillingEnvironment {
    return { catalog: this.catalog, tax: this.tax, config: this.config };
  }

  buildInvoice(input: BuildInvoiceInput): InvoiceBuildResult {
    return buildInvoice(input, this.env);
  }

  previewInvoice(
    input: Omit<BuildInvoiceInput, 'invoiceId'> & { readonly invoiceId?: string },
  ): InvoiceBuildResult {
    return previewInvoice(input, this.env);
  }

  createSubscription(input: CreateSubscriptionInput): SubscriptionTransition {
    return createSubscription(input, this.env);
  }

  renewSubscription(subscription: Subscription, input: RenewSubscriptionInput): SubscriptionTransition {
    return renewSubscription(subscription, input, this.env);
  }

  changeSubscription(subscription: Subscription, input: ChangeSubscriptionInput): SubscriptionTransition {
    return changeSubscription(subscription, input, this.env);
  }

  previewSubscriptionChange(
    subscription: Subscription,
    input: Omit<ChangeSubscriptionInput, 'prorationBehavior' | 'invoiceId'> & { readonly invoiceId?: string },
  ): Invoice | null {
    return previewSubscriptionChange(subscription, input, this.env);
  }

  previewRenewal(
    subscription: Subscription,
    input: Omit<RenewSubscriptionInput, 'invoiceId'> & { readonly invoiceId?: string },
  ): Invoice | null {
    return previewRenewal(subscription, input, this.env);
  }

  cancelSubscription(subscription: Subscription, input: CancelSubscriptionInput): SubscriptionTransition {
    return cancelSubscription(subscription, input, this.env);
  }
}

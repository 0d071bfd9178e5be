import { z } from 'zod';

/** A webhook endpoint at the partner account. `secret` is present only in the creation answer. */
export const tilledWebhookEndpointSchema = z.looseObject({
  id: z.string(),
  url: z.string(),
  enabled_events: z.array(z.string()),
  description: z.string().nullish(),
  secret: z.string().optional(),
});
export type TilledWebhookEndpoint = z.infer<typeof tilledWebhookEndpointSchema>;

export interface CreateWebhookEndpointParams {
  readonly url: string;
  /** Event types, or `['*']` for all. */
  readonly enabled_events: readonly string[];
  readonly description?: string;
}

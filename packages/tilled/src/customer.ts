import { z } from 'zod';
import { metadataSchema } from './list.js';

/** A Tilled customer (`cus_…`), as Tilled returns it; unknown fields are kept. */
export const tilledCustomerSchema = z.looseObject({
  id: z.string(),
  email: z.string().nullish(),
  first_name: z.string().nullish(),
  last_name: z.string().nullish(),
  phone: z.string().nullish(),
  metadata: metadataSchema.nullish(),
  created_at: z.string().optional(),
  updated_at: z.string().optional(),
});
export type TilledCustomer = z.infer<typeof tilledCustomerSchema>;

/** Body of `POST /v1/customers`. */
export interface CreateCustomerParams {
  readonly email?: string;
  readonly first_name?: string;
  readonly last_name?: string;
  readonly phone?: string;
  readonly metadata?: Readonly<Record<string, string>>;
}

import { z } from 'zod';

/**
 * Where the supply is taxed (usually the customer's ship-to or billing address). Codes are compared
 * case-insensitively: `country` is ISO 3166-1 alpha-2 (`US`), `region` the state or province code
 * (`IL`), `districts` any special-district codes the host already knows for the address.
 */
export const taxLocationSchema = z
  .object({
    country: z.string().regex(/^[A-Za-z]{2}$/, 'Expected an ISO 3166-1 alpha-2 country code'),
    region: z.string().min(1).max(100).optional(),
    postalCode: z.string().min(1).max(20).optional(),
    county: z.string().min(1).max(100).optional(),
    city: z.string().min(1).max(100).optional(),
    districts: z.array(z.string().min(1).max(100)).optional(),
  })
  .strict();

export type TaxLocation = z.infer<typeof taxLocationSchema>;

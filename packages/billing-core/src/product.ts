import { z } from 'zod';

/**
 * A product and the tax category the tax engine rates it by (`general`, `services`, `digital`,
 * `waste_collection`, `exempt`, … — whatever the rate table uses).
 */
export const productSchema = z.object({
  id: z.string().min(1),
  name: z.string().min(1),
  taxCategory: z.string().min(1).default('general'),
  active: z.boolean().default(true),
});
export type Product = z.infer<typeof productSchema>;
export type ProductInput = z.input<typeof productSchema>;

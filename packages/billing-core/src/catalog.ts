import { z } from 'zod';
import { BillingError } from './errors.js';
import { type Price, priceSchema } from './price.js';
import { type Product, productSchema } from './product.js';

/** The products and prices invoices are built from. */
export const catalogSchema = z.object({
  products: z.array(productSchema),
  prices: z.array(priceSchema),
});
export type Catalog = z.infer<typeof catalogSchema>;
export type CatalogInput = z.input<typeof catalogSchema>;

/** The first item with the id, as `find` gives it (an index loop: an invoice looks up dozens). */
function firstWithId<T extends { readonly id: string }>(items: readonly T[], id: string): T | undefined {
  for (let i = 0; i < items.length; i += 1) {
    const item = items[i] as T;
    if (item.id === id) return item;
  }
  return undefined;
}

/** The price with `priceId`, or `BILLING_UNKNOWN_PRICE`. */
export function findPrice(catalog: Catalog, priceId: string): Price {
  const price = firstWithId(catalog.prices, priceId);
  if (!price)
    throw new BillingError('BILLING_UNKNOWN_PRICE', `No price ${JSON.stringify(priceId)} in the catalog`, {
      priceId,
    });
  return price;
}

/** The product with `productId`, or `BILLING_UNKNOWN_PRODUCT`. */
export function findProduct(catalog: Catalog, productId: string): Product {
  const product = firstWithId(catalog.products, productId);
  if (!product) {
    throw new BillingError(
      'BILLING_UNKNOWN_PRODUCT',
      `No product ${JSON.stringify(productId)} in the catalog`,
      { productId },
    );
  }
  return product;
}

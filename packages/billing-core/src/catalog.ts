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

/** The price with `priceId`, or `BILLING_UNKNOWN_PRICE`. */
export function findPrice(catalog: Catalog, priceId: string): Price {
  // The first price with the id, as `find` gives it (an index loop: an invoice looks up dozens).
  const prices = catalog.prices;
  let price: Price | undefined;
  for (let i = 0; i < prices.length; i += 1) {
    const candidate = prices[i] as Price;
    if (candidate.id === priceId) {
      price = candidate;
      break;
    }
  }
  if (!price)
    throw new BillingError('BILLING_UNKNOWN_PRICE', `No price ${JSON.stringify(priceId)} in the catalog`, {
      priceId,
    });
  return price;
}

/** The product with `productId`, or `BILLING_UNKNOWN_PRODUCT`. */
export function findProduct(catalog: Catalog, productId: string): Product {
  const products = catalog.products;
  let product: Product | undefined;
  for (let i = 0; i < products.length; i += 1) {
    const candidate = products[i] as Product;
    if (candidate.id === productId) {
      product = candidate;
      break;
    }
  }
  if (!product) {
    throw new BillingError(
      'BILLING_UNKNOWN_PRODUCT',
      `No product ${JSON.stringify(productId)} in the catalog`,
      { productId },
    );
  }
  return product;
}

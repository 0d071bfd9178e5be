import { moneySchema } from '@billkit/money';
import { z } from 'zod';

/** Which part of billkit produced a number. */
export const EXPLANATION_SOURCES = ['pricing', 'proration', 'discount', 'tax', 'billing-core'] as const;
export type ExplanationSource = (typeof EXPLANATION_SOURCES)[number];

/**
 * One step of an invoice's explanation trail: which number (`target`, e.g. `lines.il_2.amount`,
 * `lines.il_2.tax.US-IL`, `total`), which engine produced it, from what inputs, and the result.
 */
export const explanationEntrySchema = z.object({
  target: z.string(),
  source: z.enum(EXPLANATION_SOURCES),
  amount: moneySchema,
  inputs: z.record(z.string(), z.unknown()),
  note: z.string(),
});
export type ExplanationEntry = z.infer<typeof explanationEntrySchema>;

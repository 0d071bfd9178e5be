import { fromJson, toDate, toDateOrNull, toIso, toIsoOrNull, toJson } from '../codec.js';
import { DbError, isUniqueViolation } from '../errors.js';
import { atomicWithRetry, newId, type Scope } from '../scope.js';

/** A stored `@billkit/discount` definition (kept whole) with its redemption counter; `id` is the definition's own id. */
export interface DiscountDefinitionRecord {
  id: string;
  type: string;
  name: string | null;
  definition: Record<string, unknown>;
  maxRedemptions: number | null;
  timesRedeemed: number;
  active: boolean;
}

export interface PromotionCode {
  id: string;
  discountDefinitionId: string;
  code: string;
  active: boolean;
  maxRedemptions: number | null;
  timesRedeemed: number;
  expiresAt: string | null;
}

export interface DiscountRedemption {
  id: string;
  discountDefinitionId: string;
  promotionCodeId: string | null;
  customerId: string;
  subscriptionId: string | null;
  invoiceId: string | null;
  redeemedAt: string;
}

export interface RedeemInput {
  discountDefinitionId: string;
  promotionCodeId?: string | null;
  customerId: string;
  subscriptionId?: string | null;
  invoiceId?: string | null;
  at?: string;
}

export interface DiscountRepository {
  /** Stores a definition; `definition.id`, `type`, `name` and `maxRedemptions` are read from it. */
  saveDefinition(
    tenantId: string,
    definition: Record<string, unknown> & { id: string; type: string },
    options?: { active?: boolean },
  ): Promise<DiscountDefinitionRecord>;
  getDefinition(tenantId: string, id: string): Promise<DiscountDefinitionRecord | null>;
  listDefinitions(tenantId: string, options?: { active?: boolean }): Promise<DiscountDefinitionRecord[]>;
  createPromotionCode(
    tenantId: string,
    input: {
      discountDefinitionId: string;
      code: string;
      maxRedemptions?: number;
      expiresAt?: string;
      id?: string;
    },
  ): Promise<PromotionCode>;
  /** Looks a code up case-insensitively (codes are stored upper case). */
  findPromotionCode(tenantId: string, code: string): Promise<PromotionCode | null>;
  /**
   * Records a redemption and increments the definition's (and code's) counter atomically; refuses with
   * `DB_REDEMPTION_LIMIT_REACHED` when a limit is reached (the counter check is part of the UPDATE, so two
   * concurrent redemptions of the last use cannot both succeed).
   */
  redeem(tenantId: string, input: RedeemInput): Promise<DiscountRedemption>;
  countRedemptions(
    tenantId: string,
    where: { discountDefinitionId: string; customerId?: string },
  ): Promise<number>;
}

type DefRow = Awaited<ReturnType<Scope['client']['discountDefinition']['findFirstOrThrow']>>;
const defFromRow = (row: DefRow): DiscountDefinitionRecord => ({
  id: row.key,
  type: row.type,
  name: row.name,
  definition: fromJson(row.definition, 'DiscountDefinition.definition'),
  maxRedemptions: row.maxRedemptions,
  timesRedeemed: row.timesRedeemed,
  active: row.active,
});
type CodeRow = Awaited<ReturnType<Scope['client']['promotionCode']['findFirstOrThrow']>>;
const codeFromRow = (row: CodeRow & { discountDefinition: { key: string } }): PromotionCode => ({
  id: row.id,
  discountDefinitionId: row.discountDefinition.key,
  code: row.code,
  active: row.active,
  maxRedemptions: row.maxRedemptions,
  timesRedeemed: row.timesRedeemed,
  expiresAt: toIsoOrNull(row.expiresAt),
});
type RedemptionRow = Awaited<ReturnType<Scope['client']['discountRedemption']['findFirstOrThrow']>>;
const redemptionFromRow = (row: RedemptionRow, key: string): DiscountRedemption => ({
  id: row.id,
  discountDefinitionId: key,
  promotionCodeId: row.promotionCodeId,
  customerId: row.customerId,
  subscriptionId: row.subscriptionId,
  invoiceId: row.invoiceId,
  redeemedAt: toIso(row.redeemedAt),
});

/** Increments the counters and inserts the redemption inside the caller's transaction. */
export async function insertRedemption(
  scope: Scope,
  tenantId: string,
  input: RedeemInput,
): Promise<DiscountRedemption> {
  const definition = await scope.client.discountDefinition.findFirst({
    where: { key: input.discountDefinitionId, tenantId },
  });
  if (!definition) throw new DbError('DB_NOT_FOUND', `No discount definition ${input.discountDefinitionId}`);
  const customer = await scope.client.customer.findFirst({
    where: { id: input.customerId, tenantId },
    select: { id: true },
  });
  if (!customer) throw new DbError('DB_NOT_FOUND', `No customer ${input.customerId}`);
  const limited = definition.maxRedemptions !== null;
  const bumped = await scope.client.discountDefinition.updateMany({
    where: {
      id: definition.id,
      tenantId,
      active: true,
      ...(limited ? { timesRedeemed: { lt: definition.maxRedemptions as number } } : {}),
    },
    data: { timesRedeemed: { increment: 1 } },
  });
  if (bumped.count === 0) {
    throw new DbError(
      'DB_REDEMPTION_LIMIT_REACHED',
      `Discount ${definition.key} has no redemptions left or is inactive`,
      {
        discountDefinitionId: definition.key,
      },
    );
  }
  if (input.promotionCodeId) {
    const code = await scope.client.promotionCode.findFirst({
      where: { id: input.promotionCodeId, tenantId },
    });
    if (!code || code.discountDefinitionId !== definition.id)
      throw new DbError('DB_NOT_FOUND', `No promotion code ${input.promotionCodeId}`);
    const at = toDate(input.at ?? new Date().toISOString());
    if (code.expiresAt !== null && code.expiresAt <= at) {
      throw new DbError('DB_REDEMPTION_LIMIT_REACHED', `Promotion code ${code.code} expired`, {
        code: code.code,
      });
    }
    const codeBumped = await scope.client.promotionCode.updateMany({
      where: {
        id: code.id,
        active: true,
        ...(code.maxRedemptions !== null ? { timesRedeemed: { lt: code.maxRedemptions } } : {}),
      },
      data: { timesRedeemed: { increment: 1 } },
    });
    if (codeBumped.count === 0) {
      throw new DbError(
        'DB_REDEMPTION_LIMIT_REACHED',
        `Promotion code ${code.code} has no redemptions left`,
        { code: code.code },
      );
    }
  }
  const row = await scope.client.discountRedemption.create({
    data: {
      id: newId('red'),
      tenantId,
      discountDefinitionId: definition.id,
      promotionCodeId: input.promotionCodeId ?? null,
      customerId: input.customerId,
      subscriptionId: input.subscriptionId ?? null,
      invoiceId: input.invoiceId ?? null,
      redeemedAt: toDate(input.at ?? new Date().toISOString()),
    },
  });
  return redemptionFromRow(row, definition.key);
}

export function discountRepository(scope: Scope): DiscountRepository {
  return {
    async saveDefinition(tenantId, definition, options = {}) {
      const data = {
        type: definition.type,
        name: typeof definition.name === 'string' ? definition.name : null,
        definition: toJson(definition),
        maxRedemptions: typeof definition.maxRedemptions === 'number' ? definition.maxRedemptions : null,
        active: options.active ?? true,
      };
      const updated = await scope.client.discountDefinition.updateMany({
        where: { key: definition.id, tenantId },
        data,
      });
      if (updated.count === 0) {
        try {
          await scope.client.discountDefinition.create({
            data: { ...data, id: newId('dd'), key: definition.id, tenantId },
          });
        } catch (error) {
          if (isUniqueViolation(error)) throw new DbError('DB_DUPLICATE', `Discount ${definition.id} exists`);
          throw error;
        }
      }
      return defFromRow(
        await scope.client.discountDefinition.findFirstOrThrow({ where: { key: definition.id, tenantId } }),
      );
    },
    async getDefinition(tenantId, id) {
      const row = await scope.client.discountDefinition.findFirst({ where: { key: id, tenantId } });
      return row ? defFromRow(row) : null;
    },
    async listDefinitions(tenantId, options = {}) {
      const rows = await scope.client.discountDefinition.findMany({
        where: { tenantId, ...(options.active !== undefined ? { active: options.active } : {}) },
        orderBy: { key: 'asc' },
      });
      return rows.map(defFromRow);
    },
    async createPromotionCode(tenantId, input) {
      const definition = await scope.client.discountDefinition.findFirst({
        where: { key: input.discountDefinitionId, tenantId },
      });
      if (!definition)
        throw new DbError('DB_NOT_FOUND', `No discount definition ${input.discountDefinitionId}`);
      try {
        const row = await scope.client.promotionCode.create({
          data: {
            id: input.id ?? newId('promo'),
            tenantId,
            discountDefinitionId: definition.id,
            code: input.code.toUpperCase(),
            maxRedemptions: input.maxRedemptions ?? null,
            expiresAt: toDateOrNull(input.expiresAt),
          },
          include: { discountDefinition: { select: { key: true } } },
        });
        return codeFromRow(row);
      } catch (error) {
        if (isUniqueViolation(error))
          throw new DbError('DB_DUPLICATE', `Promotion code ${input.code} exists`);
        throw error;
      }
    },
    async findPromotionCode(tenantId, code) {
      const row = await scope.client.promotionCode.findFirst({
        where: { tenantId, code: code.toUpperCase() },
        include: { discountDefinition: { select: { key: true } } },
      });
      return row ? codeFromRow(row) : null;
    },
    redeem(tenantId, input) {
      return atomicWithRetry(scope, (tx) => insertRedemption(tx, tenantId, input));
    },
    countRedemptions(tenantId, where) {
      return scope.client.discountRedemption.count({
        where: {
          tenantId,
          discountDefinition: { key: where.discountDefinitionId },
          ...(where.customerId !== undefined ? { customerId: where.customerId } : {}),
        },
      });
    },
  };
}

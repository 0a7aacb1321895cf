// Enriches order events with settings from the function's user config (Function Mesh `funcConfig`,
// env FUNC_CONFIG): the region, the currency and the VAT rate. Orders it cannot read are
// dead-lettered at once rather than retried.
import { NonRetryableError, type Context } from 'knmesh/function';

export interface Order {
  readonly id: string;
  readonly amount: number;
  readonly customer?: string;
}

export interface EnrichedOrder extends Order {
  readonly region: string;
  readonly currency: string;
  readonly vat: number;
  readonly total: number;
  readonly enrichedBy: string;
}

export default function enrich(input: unknown, context: Context): EnrichedOrder {
  if (!isOrder(input)) {
    throw new NonRetryableError('expected a JSON order with a string "id" and a numeric "amount"');
  }
  const region = context.getUserConfigValue('region');
  if (typeof region !== 'string') throw new NonRetryableError('funcConfig.region is not set');
  const currency = String(context.getUserConfigValueOrDefault('currency', 'EUR'));
  const vatRate = Number(context.getUserConfigValueOrDefault('vatRate', 0));
  const vat = Math.round(input.amount * vatRate * 100) / 100;
  return {
    ...input,
    region,
    currency,
    vat,
    total: Math.round((input.amount + vat) * 100) / 100,
    enrichedBy: `${context.tenant}/${context.namespace}/${context.functionName}`,
  };
}

function isOrder(value: unknown): value is Order {
  if (typeof value !== 'object' || value === null) return false;
  const { id, amount } = value as Record<string, unknown>;
  return typeof id === 'string' && typeof amount === 'number' && Number.isFinite(amount);
}

import type { CustomerAggregates } from '../../src/data/snapshot.js';

export const DAY_MS = 86_400_000;
export const REFERENCE_TIME = Date.UTC(2011, 11, 9);

export interface CraftedCustomer {
  /** Days since the last order; undefined for a customer without orders. */
  recencyDays?: number;
  tenureDays?: number;
  orders: number;
  spend: number;
  units?: number;
  lines?: number;
  distinctProducts?: number;
}

/** Aggregates for hand-made customers (index = position in the list). */
export function aggregatesOf(customers: CraftedCustomer[]): CustomerAggregates {
  const n = customers.length;
  const a: CustomerAggregates = {
    start: 0,
    length: n,
    firstOrderAt: new Float64Array(n),
    lastOrderAt: new Float64Array(n),
    orders: new Float64Array(n),
    spend: new Float64Array(n),
    units: new Float64Array(n),
    lines: new Float64Array(n),
    distinctProducts: new Float64Array(n),
  };
  customers.forEach((c, i) => {
    const hasOrders = c.orders > 0 && c.recencyDays !== undefined;
    const recency = c.recencyDays ?? 0;
    a.lastOrderAt[i] = hasOrders ? REFERENCE_TIME - recency * DAY_MS : Number.NaN;
    a.firstOrderAt[i] = hasOrders
      ? REFERENCE_TIME - Math.max(recency, c.tenureDays ?? recency) * DAY_MS
      : Number.NaN;
    a.orders[i] = c.orders;
    a.spend[i] = c.spend;
    a.units[i] = c.units ?? c.orders * 10;
    a.lines[i] = c.lines ?? c.orders * 3;
    a.distinctProducts[i] = c.distinctProducts ?? c.orders * 2;
  });
  return a;
}

/** A deterministic spread of ordinary customers (recency, frequency and spend all vary). */
export function background(count: number): CraftedCustomer[] {
  return Array.from({ length: count }, (_, i) => {
    const r = (i * 37) % count;
    const f = (i * 11) % 9;
    return {
      recencyDays: 5 + (r * 360) / count,
      tenureDays: 400,
      orders: 1 + f,
      spend: 40 * (1 + f) * (1 + ((i * 7) % 5)),
    };
  });
}

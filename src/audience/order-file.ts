import { DataFileError, type RowReject } from '../data/data-errors.js';
import { detectOrdersFormat, type OrdersFormat, orderRowAdapter } from '../data/import-tables.js';
import { isRowReject, TableReader } from '../data/table-reader.js';
import { DEFAULT_TEXT_LIMITS } from '../data/text-limits.js';
import type { OrderFact } from './attribution.js';

/**
 * Orders that came in after a campaign, read for attribution: the same files and formats as
 * `tailor import` (generic schema or UCI Online Retail, CSV or JSONL, gzip), cleaned by the same
 * adapters. Lines are grouped into orders by (customer, order id) wherever they are in the file;
 * an order's time is its earliest line and its revenue the sum of quantity × unit price.
 */

/** Orders held in memory at once: an attribution file is days of orders, not the history. */
export const MAX_ATTRIBUTION_ORDERS = 2_000_000;

export interface OrderFileResult {
  orders: OrderFact[];
  lines: number;
  rejected: number;
  skipped: Record<string, number>;
  /** The first rejects, with file and line. */
  rejects: RowReject[];
}

export async function readOrderFile(
  path: string,
  options: { format?: OrdersFormat | 'auto'; naiveTimeZone?: string; maxOrders?: number } = {},
): Promise<OrderFileResult> {
  const reader = await TableReader.open(path, DEFAULT_TEXT_LIMITS);
  const format = !options.format || options.format === 'auto' ? detectOrdersFormat(reader) : options.format;
  const maxOrders = options.maxOrders ?? MAX_ATTRIBUTION_ORDERS;
  const { spec, adapt } = orderRowAdapter(format, options.naiveTimeZone ?? 'UTC');
  const byKey = new Map<string, { customerId: string; orderedAt: number; revenue: number }>();
  const result: OrderFileResult = { orders: [], lines: 0, rejected: 0, skipped: {}, rejects: [] };
  try {
    for await (const batch of reader.batches(spec)) {
      for (const item of batch) {
        result.lines++;
        if (isRowReject(item)) {
          result.rejected++;
          if (result.rejects.length < 100) result.rejects.push(item);
          continue;
        }
        const row = adapt(item.values);
        if ('skip' in row) {
          result.skipped[row.skip] = (result.skipped[row.skip] ?? 0) + 1;
          continue;
        }
        if ('reject' in row) {
          result.rejected++;
          if (result.rejects.length < 100)
            result.rejects.push({ file: path, line: item.line, reason: row.reject });
          continue;
        }
        const key = `${row.customerId}\u001f${row.orderId}`;
        const order = byKey.get(key);
        if (order) {
          order.revenue += row.quantity * row.unitPrice;
          if (row.orderedAt < order.orderedAt) order.orderedAt = row.orderedAt;
        } else {
          if (byKey.size >= maxOrders) {
            throw new DataFileError(
              path,
              item.line,
              `more than ${maxOrders} orders: attribute the orders since the campaigns in smaller files`,
            );
          }
          byKey.set(key, {
            customerId: row.customerId,
            orderedAt: row.orderedAt,
            revenue: row.quantity * row.unitPrice,
          });
        }
      }
    }
  } finally {
    await reader.close();
  }
  for (const [key, order] of byKey) {
    result.orders.push({
      key,
      customerId: order.customerId,
      orderedAt: order.orderedAt,
      revenueCents: Math.round(order.revenue * 100),
    });
  }
  return result;
}

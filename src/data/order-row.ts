import { describeIssues, type OrderRow, orderRowSchema } from './generic-schema.js';
import { parsePlainDecimal } from './plain-decimal.js';
import { parseTimestamp } from './timestamps.js';

/**
 * Validates generic order rows: the hot path of a 90M-line import. The zod schema is the
 * definition (and writes every error message), but running it on each row costs about
 * 1.1 µs (~100 s for 90M lines), so well-formed rows take a hand-written check that accepts
 * exactly what the schema accepts (test/data/order-row.test.ts proves it on random rows)
 * and only rows it refuses go through zod to learn why.
 */
export class OrderRowValidator {
  private readonly schema: ReturnType<typeof orderRowSchema>;

  constructor(private readonly naiveTimeZone: string) {
    this.schema = orderRowSchema(naiveTimeZone);
  }

  /** The row, or the reason it is rejected (fields named). */
  parse(values: Record<string, unknown>): OrderRow | string {
    const fast = this.parseFast(values);
    if (fast !== null) return fast;
    const result = this.schema.safeParse(values);
    return result.success ? result.data : describeIssues(result.error);
  }

  /** The row when every field is well formed in its common spelling; null otherwise. */
  parseFast(values: Record<string, unknown>): OrderRow | null {
    const order_id = plainId(values.order_id);
    const customer_id = plainId(values.customer_id);
    const product_id = plainId(values.product_id);
    const quantity =
      typeof values.quantity === 'string' ? parsePlainDecimal(values.quantity, false) : Number.NaN;
    const unit_price =
      typeof values.unit_price === 'string' ? parsePlainDecimal(values.unit_price, false) : Number.NaN;
    const text = values.ordered_at;
    if (order_id === null || customer_id === null || product_id === null || typeof text !== 'string')
      return null;
    if (!(quantity > 0) || !(unit_price >= 0)) return null;
    const ordered_at = parseTimestamp(text, this.naiveTimeZone);
    if (ordered_at === null) return null;
    return { order_id, customer_id, product_id, quantity, unit_price, ordered_at };
  }
}

/** A text id as the schema's idField would return it, or null for anything less plain. */
function plainId(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const length = value.length;
  if (length === 0 || length > 256) return null;
  // Anything beyond ASCII at either end might be whitespace that the schema trims.
  if (value.charCodeAt(0) > 0x7e || value.charCodeAt(length - 1) > 0x7e) return null;
  for (let i = 0; i < length; i++) {
    const code = value.charCodeAt(i);
    // Control characters, and spaces at either end (trimming is left to the schema).
    if (code < 0x21 && (code !== 0x20 || i === 0 || i === length - 1)) return null;
    if (code === 0x7f) return null;
  }
  return value;
}

import type { CustomerDirectory } from './customer-directory.js';
import { quoteValue } from './data-errors.js';
import {
  CUSTOMER_COLUMNS,
  CUSTOMER_OPTIONAL_COLUMNS,
  customerRowSchema,
  describeIssues,
  ORDER_COLUMNS,
  PRODUCT_COLUMNS,
  productRowSchema,
} from './generic-schema.js';
import type { ImportReport } from './import-report.js';
import type { LineSpill } from './line-spill.js';
import { adaptOnlineRetailRow, ONLINE_RETAIL_COLUMNS } from './online-retail.js';
import { orderKey } from './order-key.js';
import type { AdaptedRow, OrderLine } from './order-line.js';
import { OrderRowValidator } from './order-row.js';
import type { ProductCatalog } from './product-catalog.js';
import { isRowReject, type TableReader, type TableRow, type TableSpec } from './table-reader.js';

/**
 * The three kinds of input table, read row by row into the customer directory, the product
 * catalogue and the line spill. Every row ends accepted, skipped (cleaning, counted by reason)
 * or rejected (reported with file and line); nothing a row holds can stop the import.
 */

export type OrdersFormat = 'generic' | 'online-retail';

/** Reads every batch of a table, reporting rejects and progress, handing rows to `take`. */
export async function readRows(
  reader: TableReader,
  spec: TableSpec,
  report: ImportReport,
  onBatch: (line: number) => void,
  take: (row: TableRow) => void,
): Promise<void> {
  report.open(reader.path);
  for await (const batch of reader.batches(spec)) {
    for (const item of batch) {
      if (isRowReject(item)) report.reject(item);
      else take(item);
    }
    if (batch.length > 0) onBatch(batch[batch.length - 1].line);
  }
}

export async function loadCustomers(
  reader: TableReader,
  directory: CustomerDirectory,
  report: ImportReport,
  onBatch: (line: number) => void,
): Promise<void> {
  const file = reader.path;
  const spec = { required: CUSTOMER_COLUMNS, optional: CUSTOMER_OPTIONAL_COLUMNS };
  await readRows(reader, spec, report, onBatch, ({ line, values }) => {
    const parsed = customerRowSchema.safeParse(values);
    if (!parsed.success) return report.reject({ file, line, reason: describeIssues(parsed.error) });
    if (!directory.addRecord(parsed.data)) {
      return report.reject({
        file,
        line,
        reason: `id ${quoteValue(parsed.data.id)} appears on an earlier line`,
      });
    }
    report.accept(file);
  });
}

export async function loadProducts(
  reader: TableReader,
  catalog: ProductCatalog,
  report: ImportReport,
  onBatch: (line: number) => void,
): Promise<void> {
  const file = reader.path;
  await readRows(reader, { required: PRODUCT_COLUMNS }, report, onBatch, ({ line, values }) => {
    const parsed = productRowSchema.safeParse(values);
    if (!parsed.success) return report.reject({ file, line, reason: describeIssues(parsed.error) });
    if (!catalog.addRecord(parsed.data)) {
      return report.reject({
        file,
        line,
        reason: `id ${quoteValue(parsed.data.id)} appears on an earlier line`,
      });
    }
    report.accept(file);
  });
}

/** UCI Online Retail when the CSV header has its InvoiceNo and StockCode columns. */
export function detectOrdersFormat(reader: TableReader): OrdersFormat {
  const names = new Set((reader.columns ?? []).map((name) => name.toLowerCase()));
  return names.has('invoiceno') && names.has('stockcode') ? 'online-retail' : 'generic';
}

export interface OrderSinks {
  customers: CustomerDirectory;
  products: ProductCatalog;
  spill: LineSpill;
  report: ImportReport;
  /** Newest accepted order time so far (epoch ms). */
  newest: { time: number };
}

/** The columns an orders file of this format needs, and the function turning a row into an order line. */
export function orderRowAdapter(
  format: OrdersFormat,
  naiveTimeZone: string,
): { spec: TableSpec; adapt: (values: Record<string, unknown>) => AdaptedRow } {
  if (format === 'online-retail')
    return { spec: { required: ONLINE_RETAIL_COLUMNS }, adapt: adaptOnlineRetailRow };
  const validator = new OrderRowValidator(naiveTimeZone);
  return {
    spec: { required: ORDER_COLUMNS },
    adapt: (values) => {
      const row = validator.parse(values);
      if (typeof row === 'string') return { reject: row };
      return {
        customerId: row.customer_id,
        orderId: row.order_id,
        productId: row.product_id,
        quantity: row.quantity,
        unitPrice: row.unit_price,
        orderedAt: row.ordered_at,
      };
    },
  };
}

export async function loadOrders(
  reader: TableReader,
  format: OrdersFormat,
  naiveTimeZone: string,
  sinks: OrderSinks,
  onBatch: (line: number) => void,
): Promise<void> {
  const { customers, products, spill, report, newest } = sinks;
  const file = reader.path;
  const { spec, adapt } = orderRowAdapter(format, naiveTimeZone);
  // Lines of one order are usually adjacent: hash each order id once per run of lines.
  let lastOrderId = '';
  let lastOrderKey = orderKey('');
  await readRows(reader, spec, report, onBatch, ({ line, values }) => {
    const adapted = adapt(values);
    if ('skip' in adapted) return report.skip(file, adapted.skip);
    if ('reject' in adapted) return report.reject({ file, line, reason: adapted.reject });
    const order: OrderLine = adapted;
    // Look ups that only check come first, so a rejected line adds no derived customer or product.
    let product = products.fromFile ? products.resolve(order.productId, 0, 0, undefined) : -2;
    if (product === -1) {
      return report.reject({
        file,
        line,
        reason: `unknown product ${quoteValue(order.productId)} (not in the products file)`,
      });
    }
    const customer = customers.resolve(order.customerId, order.country, order.orderedAt);
    if (customer === -1) {
      return report.reject({
        file,
        line,
        reason: `unknown customer ${quoteValue(order.customerId)} (not in the customers file)`,
      });
    }
    if (product === -2) {
      product = products.resolve(order.productId, order.unitPrice, order.orderedAt, order.productDescription);
    }
    if (order.orderId !== lastOrderId) {
      lastOrderId = order.orderId;
      lastOrderKey = orderKey(order.orderId);
    }
    spill.append(customer, product, lastOrderKey, order.orderedAt, order.quantity, order.unitPrice);
    if (order.orderedAt > newest.time) newest.time = order.orderedAt;
    report.accept(file);
  });
}

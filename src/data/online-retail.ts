import { quoteValue } from './data-errors.js';
import type { AdaptedRow } from './order-line.js';
import { parsePlainDecimal } from './plain-decimal.js';
import { parseTimestamp, wallClockToUtc, zonedToEpoch } from './timestamps.js';

/**
 * Adapter for the UCI Online Retail CSV (Chen, Sain & Guo 2012): one row per invoice line,
 * `InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country`.
 * Cleaning, in this order (a row counts under the first reason that applies):
 * - `cancellation`: InvoiceNo starting with C (9,288 rows of the full file);
 * - `non_product_code`: postage, fees, adjustments and vouchers (see NON_PRODUCT_CODES);
 * - `non_positive_quantity`: stock write-offs outside cancellations ("damaged", "lost");
 * - `non_positive_price`: free or zero-priced lines, bad-debt adjustments;
 * - `missing_customer_id`: guest checkouts cannot be addressed (135,080 rows in all, fewer
 *   under this reason because many of them are write-offs counted above).
 * Stock codes are upper-cased: 112 codes appear in both cases (`85123A`/`85123a`) for the same
 * item. CustomerID is written as a float (`17850.0`) and becomes `17850`. Invoice dates are UK
 * local time; both `YYYY-MM-DD HH:MM:SS` (this copy) and `M/D/YYYY H:MM` (the CSV export of the
 * original spreadsheet) are read.
 */

export const ONLINE_RETAIL_COLUMNS = [
  'InvoiceNo',
  'StockCode',
  'Description',
  'Quantity',
  'InvoiceDate',
  'UnitPrice',
  'CustomerID',
  'Country',
] as const;

export const ONLINE_RETAIL_TIME_ZONE = 'Europe/London';

/**
 * Stock codes that are not products, with their rows in the full file: POST postage (1,256),
 * DOT dotcom postage (710), M/m manual adjustment (572), C2 carriage (144), D discount (77),
 * S samples (63), BANK CHARGES (37), AMAZONFEE (34), CRUK charity commission (16), PADS cushion
 * pads at £0.001 used as a filler line (4), B bad-debt adjustment (3). TEST and ADJUST codes
 * appear in the sibling Online Retail II file. All other codes (five digits and a letter, and
 * the DCGS dotcom-shop items such as party bags) are real products.
 */
export const NON_PRODUCT_CODES: ReadonlySet<string> = new Set([
  'POST',
  'DOT',
  'M',
  'C2',
  'D',
  'S',
  'BANK CHARGES',
  'AMAZONFEE',
  'CRUK',
  'PADS',
  'B',
]);
/** Prefixes of non-product codes: gift vouchers (gift_0001_10 … _50: 34 rows), tests, adjustments. */
export const NON_PRODUCT_PREFIXES = ['GIFT_0001_', 'TEST', 'ADJUST'] as const;

export function isNonProductCode(upperCode: string): boolean {
  return (
    NON_PRODUCT_CODES.has(upperCode) || NON_PRODUCT_PREFIXES.some((prefix) => upperCode.startsWith(prefix))
  );
}

const US_DATE_TIME = /^(\d{1,2})\/(\d{1,2})\/(\d{4}) (\d{1,2}):(\d{2})(?::(\d{2}))?$/;

/** One row of the file → an order line, a cleaning skip, or a reject naming the column. */
export function adaptOnlineRetailRow(values: Record<string, unknown>): AdaptedRow {
  const invoice = text(values.InvoiceNo);
  if (invoice === '') return { reject: 'InvoiceNo is empty' };
  if (invoice[0] === 'C' || invoice[0] === 'c') return { skip: 'cancellation' };
  const code = text(values.StockCode).toUpperCase();
  if (code === '') return { reject: 'StockCode is empty' };
  if (isNonProductCode(code)) return { skip: 'non_product_code' };
  const quantity = decimal(values.Quantity);
  if (Number.isNaN(quantity))
    return { reject: `Quantity must be a number, got ${quoteValue(values.Quantity)}` };
  if (quantity <= 0) return { skip: 'non_positive_quantity' };
  const unitPrice = decimal(values.UnitPrice);
  if (Number.isNaN(unitPrice))
    return { reject: `UnitPrice must be a number, got ${quoteValue(values.UnitPrice)}` };
  if (unitPrice <= 0) return { skip: 'non_positive_price' };
  const rawCustomer = text(values.CustomerID);
  if (rawCustomer === '') return { skip: 'missing_customer_id' };
  const customerId = integerId(rawCustomer);
  if (customerId === null) return { reject: `CustomerID must be a number, got ${quoteValue(rawCustomer)}` };
  const orderedAt = invoiceTime(text(values.InvoiceDate));
  if (orderedAt === null) {
    return {
      reject: `InvoiceDate must be YYYY-MM-DD HH:MM:SS or M/D/YYYY H:MM, got ${quoteValue(values.InvoiceDate)}`,
    };
  }
  return {
    customerId,
    orderId: invoice,
    productId: code,
    quantity,
    unitPrice,
    orderedAt,
    productDescription: text(values.Description),
    country: text(values.Country),
  };
}

export function invoiceTime(value: string): number | null {
  const us = value.charCodeAt(4) === 0x2d ? null : US_DATE_TIME.exec(value);
  if (!us) return parseTimestamp(value, ONLINE_RETAIL_TIME_ZONE);
  const [, month, day, year, hour, minute, second = '0'] = us;
  const local = wallClockToUtc(+year, +month, +day, +hour, +minute, +second);
  return local === null ? null : zonedToEpoch(local, ONLINE_RETAIL_TIME_ZONE);
}

/** Product page of a stock code on the placeholder shop (reserved example.com domain). */
export function onlineRetailProductUrl(code: string): string {
  return `https://shop.example.com/p/${encodeURIComponent(code)}`;
}

/**
 * A display title from an upper-case description: `WHITE HANGING HEART T-LIGHT HOLDER` →
 * `White Hanging Heart T-Light Holder`. Words with digits (`3D`, `SET/6`) keep their case.
 */
export function titleFromDescription(description: string): string {
  return description
    .trim()
    .replace(/\s+/g, ' ')
    .split(' ')
    .map((word) => (/\d/.test(word) ? word : word.toLowerCase().replace(/(^|[-/(&])(\p{L})/gu, upperSecond)))
    .join(' ');
}

function upperSecond(_match: string, before: string, letter: string): string {
  return before + letter.toUpperCase();
}

/** `17850.0` → `17850` (the file writes ids as floats); leading zeros dropped; null if not an integer. */
export function integerId(raw: string): string | null {
  let end = raw.length;
  const dot = raw.indexOf('.');
  if (dot !== -1) {
    for (let i = dot + 1; i < raw.length; i++) if (raw.charCodeAt(i) !== 0x30) return null;
    end = dot;
  }
  if (end === 0 || end > 18) return null;
  let start = 0;
  for (let i = 0; i < end; i++) {
    const code = raw.charCodeAt(i);
    if (code < 0x30 || code > 0x39) return null;
    if (code === 0x30 && start === i && i < end - 1) start++;
  }
  return start === 0 && end === raw.length ? raw : raw.slice(start, end);
}

function text(value: unknown): string {
  return typeof value === 'string' ? value.trim() : typeof value === 'number' ? String(value) : '';
}

function decimal(value: unknown): number {
  return typeof value === 'number' ? value : parsePlainDecimal(text(value), true);
}

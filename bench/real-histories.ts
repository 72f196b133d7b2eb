import {
  adaptOnlineRetailRow,
  ONLINE_RETAIL_COLUMNS,
  onlineRetailProductUrl,
  titleFromDescription,
} from '../src/data/online-retail.js';
import { isRowReject, TableReader } from '../src/data/table-reader.js';
import { DEFAULT_TEXT_LIMITS } from '../src/data/text-limits.js';

const DAY_MS = 86_400_000;

/**
 * The cleaned UCI Online Retail file as whole customer histories, ready to be copied many times
 * over: every accepted line (cleaned by the importer's own adapter, `adaptOnlineRetailRow`,
 * so the rules live in one place) grouped by customer, in file (time) order. Each line keeps
 * what a copy writes unchanged (`,product,quantity,unit_price,` and the time of day) apart from
 * what a copy changes (the order, shifted by whole days). About 400k lines: tens of MB.
 */
export interface RealHistories {
  /** Real customers with at least one accepted line. */
  customers: number;
  /** Lines of customer c: lineStart[c] .. lineStart[c + 1] - 1. */
  lineStart: Uint32Array;
  /** Country of each customer's latest line. */
  country: string[];
  /** Per line: ordinal of its invoice among the customer's invoices (0, 1, ...). */
  orderOrdinal: Uint32Array;
  /** Per line: the UTC day (epoch days) it was ordered on. */
  day: Int32Array;
  /** Per line: `,<product_id>,<quantity>,<unit_price>,` of the generic orders schema. */
  middle: string[];
  /** Per line: `THH:MM:SSZ`, the UTC time of day. */
  timeOfDay: string[];
  lines: number;
  firstDay: number;
  lastDay: number;
  /** The real catalogue: the products of accepted lines, as the importer would derive them. */
  products: CatalogueProduct[];
}

export interface CatalogueProduct {
  id: string;
  title: string;
  description: string;
  price: number;
  url: string;
}

interface Building {
  country: string;
  invoices: Map<string, number>;
  ordinal: number[];
  time: number[];
  middle: string[];
}

export async function readRealHistories(source: string): Promise<RealHistories> {
  const byCustomer = new Map<string, Building>();
  const products = new Map<string, { price: number; priceAt: number; description: string; textAt: number }>();
  const reader = await TableReader.open(source, DEFAULT_TEXT_LIMITS);
  for await (const batch of reader.batches({ required: ONLINE_RETAIL_COLUMNS })) {
    for (const item of batch) {
      if (isRowReject(item)) continue;
      const line = adaptOnlineRetailRow(item.values);
      if (!('customerId' in line)) continue; // skipped by cleaning, or malformed
      let customer = byCustomer.get(line.customerId);
      if (!customer) {
        customer = { country: '', invoices: new Map(), ordinal: [], time: [], middle: [] };
        byCustomer.set(line.customerId, customer);
      }
      if (line.country) customer.country = line.country;
      let ordinal = customer.invoices.get(line.orderId);
      if (ordinal === undefined) {
        ordinal = customer.invoices.size;
        customer.invoices.set(line.orderId, ordinal);
      }
      customer.ordinal.push(ordinal);
      customer.time.push(line.orderedAt);
      customer.middle.push(`,${line.productId},${line.quantity},${line.unitPrice},`);
      const product = products.get(line.productId);
      const description = line.productDescription ?? '';
      if (!product) {
        products.set(line.productId, {
          price: line.unitPrice,
          priceAt: line.orderedAt,
          description,
          textAt: description ? line.orderedAt : Number.NEGATIVE_INFINITY,
        });
      } else {
        // Latest price and latest non-empty description, as the importer derives them.
        if (line.orderedAt >= product.priceAt) {
          product.price = line.unitPrice;
          product.priceAt = line.orderedAt;
        }
        if (description && line.orderedAt >= product.textAt) {
          product.description = description;
          product.textAt = line.orderedAt;
        }
      }
    }
  }
  await reader.close();

  const customers = byCustomer.size;
  let lines = 0;
  for (const customer of byCustomer.values()) lines += customer.time.length;
  const histories: RealHistories = {
    customers,
    lineStart: new Uint32Array(customers + 1),
    country: [],
    orderOrdinal: new Uint32Array(lines),
    day: new Int32Array(lines),
    middle: new Array(lines),
    timeOfDay: new Array(lines),
    lines,
    firstDay: Number.POSITIVE_INFINITY,
    lastDay: Number.NEGATIVE_INFINITY,
    products: [...products].map(([id, p]) => ({
      id,
      title: p.description ? titleFromDescription(p.description) : id,
      description: p.description,
      price: p.price,
      url: onlineRetailProductUrl(id),
    })),
  };
  let at = 0;
  let c = 0;
  // Customers in order of their real id, so the histories do not depend on Map internals.
  const ids = [...byCustomer.keys()].sort((a, b) => Number(a) - Number(b) || (a < b ? -1 : a > b ? 1 : 0));
  for (const id of ids) {
    const customer = byCustomer.get(id) as Building;
    histories.lineStart[c] = at;
    histories.country.push(customer.country);
    for (let i = 0; i < customer.time.length; i++, at++) {
      const time = customer.time[i];
      const day = Math.floor(time / DAY_MS);
      histories.orderOrdinal[at] = customer.ordinal[i];
      histories.day[at] = day;
      histories.middle[at] = customer.middle[i];
      histories.timeOfDay[at] = new Date(time).toISOString().slice(10, 19) + 'Z';
      if (day < histories.firstDay) histories.firstDay = day;
      if (day > histories.lastDay) histories.lastDay = day;
    }
    c++;
  }
  histories.lineStart[customers] = at;
  return histories;
}

import { join } from 'node:path';
import { ColumnWriter } from './column-writer.js';
import type { LineSpill } from './line-spill.js';
import { AGGREGATE_COLUMNS, SNAPSHOT_FILES } from './snapshot-files.js';

/**
 * Second pass of an import: turns the spilled order lines into per-customer aggregates,
 * basket sequences and product popularity, one customer partition at a time, appending each
 * column in customer order.
 *
 * A basket is the set of distinct products of one (customer, order id), wherever its lines
 * sat in the input; its time is its earliest line's. Baskets are ordered by time (then order
 * key, so ties are stable) and only the newest `maxBaskets` are stored; the aggregates and
 * popularity count every basket.
 *
 * Memory: the partition's lines (40 bytes each) plus a 4-byte sort index per line, scratch
 * sized to the largest customer, and two stamp arrays of 4 bytes per product. Nothing grows
 * with the number of customers or the total number of lines.
 */

export interface BasketBuildResult {
  /** All baskets (orders), before truncation. */
  baskets: number;
  storedBaskets: number;
  storedItems: number;
}

const MAX_U32 = 0xffff_ffff;

export function buildBaskets(
  spill: LineSpill,
  customers: number,
  products: number,
  maxBaskets: number,
  dir: string,
): BasketBuildResult {
  const aggregates = AGGREGATE_COLUMNS.map(([, file]) => new ColumnWriter(join(dir, file), f64));
  const [firstOrderAt, lastOrderAt, orders, spendColumn, unitsColumn, linesColumn, distinctColumn] =
    aggregates;
  const basketStart = new ColumnWriter(join(dir, SNAPSHOT_FILES.basketStart), u32);
  const basketTime = new ColumnWriter(join(dir, SNAPSHOT_FILES.basketTime), f64);
  const basketSpend = new ColumnWriter(join(dir, SNAPSHOT_FILES.basketSpend), f64);
  const itemStart = new ColumnWriter(join(dir, SNAPSHOT_FILES.itemStart), u32);
  const items = new ColumnWriter(join(dir, SNAPSHOT_FILES.items), u32);

  const popularity = new Uint32Array(products);
  const customerStamp = new Uint32Array(products);
  const basketStamp = new Uint32Array(products);
  let basketStampValue = 0;
  const scratch = new Scratch();
  const slotOfKey = new Map<number, number>();
  let baskets = 0;
  let storedBaskets = 0;
  let storedItems = 0;

  for (let partition = 0; partition < spill.partitionCount(customers); partition++) {
    const { count, u32: lineU32, f64: lineF64 } = spill.read(partition);
    const first = partition * spill.customersPerPartition;
    const span = Math.min(spill.customersPerPartition, customers - first);
    // Counting sort of the partition's lines by customer.
    const starts = new Uint32Array(span + 1);
    for (let i = 0; i < count; i++) starts[lineU32[i * 10] - first + 1]++;
    for (let c = 0; c < span; c++) starts[c + 1] += starts[c];
    const order = new Uint32Array(count);
    const cursor = starts.slice(0, span);
    for (let i = 0; i < count; i++) order[cursor[lineU32[i * 10] - first]++] = i;

    for (let c = 0; c < span; c++) {
      const lineFrom = starts[c];
      const n = starts[c + 1] - lineFrom;
      basketStart.push(storedBaskets);
      scratch.ensure(n);
      const { slotTime, slotSpend, slotKey, slotLines, lineSlot, slotStart, grouped, distinctItems } =
        scratch;
      slotOfKey.clear();
      let slots = 0;
      let spend = 0;
      let units = 0;
      let distinct = 0;
      const stamp = first + c + 1;
      for (let j = 0; j < n; j++) {
        const line = order[lineFrom + j];
        const key = lineF64[line * 5 + 1];
        const time = lineF64[line * 5 + 2];
        const quantity = lineF64[line * 5 + 3];
        const amount = quantity * lineF64[line * 5 + 4];
        // Lines of one order usually follow each other: only a new key needs the map.
        let slot = slots > 0 && key === slotKey[slots - 1] ? slots - 1 : slotOfKey.get(key);
        if (slot === undefined) {
          slot = slots++;
          slotOfKey.set(key, slot);
          slotTime[slot] = time;
          slotSpend[slot] = 0;
          slotKey[slot] = key;
          slotLines[slot] = 0;
        } else if (time < slotTime[slot]) {
          slotTime[slot] = time;
        }
        slotSpend[slot] += amount;
        slotLines[slot]++;
        lineSlot[j] = slot;
        spend += amount;
        units += quantity;
        const product = lineU32[line * 10 + 1];
        if (customerStamp[product] !== stamp) {
          customerStamp[product] = stamp;
          distinct++;
        }
      }
      // Group the customer's products by basket, then keep each basket's distinct products.
      slotStart[0] = 0;
      for (let s = 0; s < slots; s++) slotStart[s + 1] = slotStart[s] + slotLines[s];
      for (let s = 0; s < slots; s++) slotLines[s] = slotStart[s];
      for (let j = 0; j < n; j++) grouped[slotLines[lineSlot[j]]++] = lineU32[order[lineFrom + j] * 10 + 1];
      for (let s = 0; s < slots; s++) {
        basketStampValue++;
        let kept = slotStart[s];
        for (let g = slotStart[s]; g < slotStart[s + 1]; g++) {
          const product = grouped[g];
          if (basketStamp[product] === basketStampValue) continue;
          basketStamp[product] = basketStampValue;
          popularity[product]++;
          distinctItems[kept++] = product;
        }
        slotLines[s] = kept - slotStart[s]; // now: distinct products of the basket
        distinctItems.subarray(slotStart[s], kept).sort();
      }
      const byTime = scratch.order.subarray(0, slots);
      for (let s = 0; s < slots; s++) byTime[s] = s;
      byTime.sort((a, b) => slotTime[a] - slotTime[b] || slotKey[a] - slotKey[b]);

      firstOrderAt.push(slots > 0 ? slotTime[byTime[0]] : Number.NaN);
      lastOrderAt.push(slots > 0 ? slotTime[byTime[slots - 1]] : Number.NaN);
      orders.push(slots);
      spendColumn.push(spend);
      unitsColumn.push(units);
      linesColumn.push(n);
      distinctColumn.push(distinct);
      baskets += slots;
      for (let k = Math.max(0, slots - maxBaskets); k < slots; k++) {
        const s = byTime[k];
        basketTime.push(slotTime[s]);
        basketSpend.push(slotSpend[s]);
        itemStart.push(storedItems);
        const from = slotStart[s];
        for (let g = from; g < from + slotLines[s]; g++) items.push(distinctItems[g]);
        storedItems += slotLines[s];
        storedBaskets++;
      }
      if (storedItems > MAX_U32)
        throw new Error('more than 4,294,967,295 stored basket items: lower maxBaskets');
    }
  }
  basketStart.push(storedBaskets);
  itemStart.push(storedItems);
  const popularityColumn = new ColumnWriter(join(dir, SNAPSHOT_FILES.popularity), u32);
  popularityColumn.pushAll(popularity);
  for (const writer of [
    ...aggregates,
    basketStart,
    basketTime,
    basketSpend,
    itemStart,
    items,
    popularityColumn,
  ]) {
    writer.close();
  }
  return { baskets, storedBaskets, storedItems };
}

/** Per-customer working arrays, grown to the largest customer seen and reused. */
class Scratch {
  capacity = 0;
  slotTime = new Float64Array(0);
  slotSpend = new Float64Array(0);
  slotKey = new Float64Array(0);
  slotLines = new Uint32Array(0);
  slotStart = new Uint32Array(1);
  lineSlot = new Uint32Array(0);
  grouped = new Uint32Array(0);
  distinctItems = new Uint32Array(0);
  order = new Uint32Array(0);

  ensure(lines: number): void {
    if (lines <= this.capacity) return;
    const capacity = Math.max(lines, this.capacity * 2, 64);
    this.capacity = capacity;
    this.slotTime = new Float64Array(capacity);
    this.slotSpend = new Float64Array(capacity);
    this.slotKey = new Float64Array(capacity);
    this.slotLines = new Uint32Array(capacity);
    this.slotStart = new Uint32Array(capacity + 1);
    this.lineSlot = new Uint32Array(capacity);
    this.grouped = new Uint32Array(capacity);
    this.distinctItems = new Uint32Array(capacity);
    this.order = new Uint32Array(capacity);
  }
}

const f64 = (length: number) => new Float64Array(length);
const u32 = (length: number) => new Uint32Array(length);

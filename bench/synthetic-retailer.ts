import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { timeZoneOfCountry } from '../src/data/country-timezones.js';
import { placeholderEmail } from '../src/data/customer-directory.js';
import { csvField } from '../src/data/make-sample.js';
import { Mulberry32 as SeededRandom } from '../src/util/mulberry32.js';
import { GzipTextWriter } from './gzip-text-writer.js';
import { type RealHistories, readRealHistories } from './real-histories.js';

/**
 * A synthetic retailer of any size made of real shoppers (issue 10): each synthetic customer
 * takes one uniformly drawn real UCI Online Retail customer's whole cleaned history, under new
 * customer and order ids, with every date shifted by the same random whole number of days in
 * [-365, 0] (so times of day, weekdays' mix, basket sizes, repeat rates and gaps stay real,
 * and the newest order stays near the real file's last day). Products are the real catalogue.
 *
 * Written in the generic schema (src/data/SCHEMA.md) as three gzip CSVs, streamed (memory is
 * the real histories plus a few 256 KiB pieces, whatever N is). Orders are grouped by customer,
 * each customer's lines in time order; the importer does not depend on that order.
 *
 * Customers files carry synthetic demo flags like the shipped sample: consent false for 5 %,
 * profiling objection for 3 % (drawn from the same seeded generator), first names from a list.
 *
 * Deterministic under `seed` (same bytes for the same source, N and seed), and cached: the
 * directory's `retailer.json` names what it was made from, and a matching one is reused.
 */

/** Bumped whenever the output for a given (source, N, seed) would change. */
export const GENERATOR_VERSION = 1;
const SHIFT_DAYS = 365;
const CONSENT_FALSE = 0.05;
const PROFILING_OBJECTION = 0.03;
const DAY_MS = 86_400_000;

// biome-ignore format: a list of names reads best in rows
const FIRST_NAMES = [
  'Alex', 'Sam', 'Charlie', 'Jamie', 'Robin', 'Morgan', 'Taylor', 'Jordan', 'Casey', 'Riley',
  'Avery', 'Quinn', 'Rowan', 'Harper', 'Elliot', 'Frankie', 'Jesse', 'Kai', 'Logan', 'Max',
];

export const RETAILER_FILES = {
  customers: 'customers.csv.gz',
  products: 'products.csv.gz',
  orders: 'orders.csv.gz',
  manifest: 'retailer.json',
} as const;

export interface RetailerOptions {
  /** The full UCI Online Retail CSV (gzip allowed). */
  source: string;
  customers: number;
  out: string;
  seed?: number;
  onProgress?: (customersWritten: number, customers: number) => void;
}

export interface RetailerManifest {
  generator: number;
  sourceSha256: string;
  customers: number;
  seed: number;
  orderLines: number;
  products: number;
  realCustomers: number;
  consentFalse: number;
  profilingObjection: number;
  /** Uncompressed bytes of each file. */
  bytes: Record<'customers' | 'products' | 'orders', number>;
  seconds: number;
}

export interface RetailerResult extends RetailerManifest {
  dir: string;
  files: { customers: string; products: string; orders: string };
  cached: boolean;
}

export async function writeSyntheticRetailer(options: RetailerOptions): Promise<RetailerResult> {
  const { customers } = options;
  if (!Number.isInteger(customers) || customers < 1 || customers > 100_000_000) {
    throw new RangeError(`--customers must be an integer from 1 to 100000000, got ${customers}`);
  }
  const seed = options.seed ?? 1;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new RangeError(`--seed must be an integer from 0 to 4294967295, got ${seed}`);
  }
  const dir = resolve(options.out);
  const files = {
    customers: join(dir, RETAILER_FILES.customers),
    products: join(dir, RETAILER_FILES.products),
    orders: join(dir, RETAILER_FILES.orders),
  };
  const sourceSha256 = await sha256File(options.source);
  const cached = readManifest(join(dir, RETAILER_FILES.manifest));
  if (
    cached &&
    cached.generator === GENERATOR_VERSION &&
    cached.sourceSha256 === sourceSha256 &&
    cached.customers === customers &&
    cached.seed === seed &&
    Object.values(files).every((path) => existsSync(path))
  ) {
    return { ...cached, dir, files, cached: true };
  }

  const started = performance.now();
  await mkdir(dir, { recursive: true });
  // Files are written under temporary names and renamed last, so an interrupted run is never
  // mistaken for a complete one.
  rmSync(join(dir, RETAILER_FILES.manifest), { force: true });
  const histories = await readRealHistories(options.source);
  const random = new SeededRandom(seed);
  const productsWriter = new GzipTextWriter(`${files.products}.tmp`);
  productsWriter.push('id,title,description,category,price,url\n');
  for (const p of histories.products) {
    const row = [p.id, p.title, p.description, '', String(p.price), p.url].map(csvField).join(',');
    if (productsWriter.push(`${row}\n`)) await productsWriter.flush();
  }
  await productsWriter.close();

  const customersWriter = new GzipTextWriter(`${files.customers}.tmp`);
  const ordersWriter = new GzipTextWriter(`${files.orders}.tmp`);
  customersWriter.push('id,email,first_name,country,timezone,consent,profiling_objection\n');
  ordersWriter.push('order_id,customer_id,product_id,quantity,unit_price,ordered_at\n');
  const dates = new DateStrings(histories.firstDay - SHIFT_DAYS, histories.lastDay);
  let orderLines = 0;
  let consentFalse = 0;
  let profilingObjection = 0;
  for (let i = 0; i < customers; i++) {
    // Four draws per customer, always in this order: the stream of draws is the seed's.
    const real = random.below(histories.customers);
    const shift = -random.below(SHIFT_DAYS + 1);
    const consent = random.next() >= CONSENT_FALSE;
    const objection = random.next() < PROFILING_OBJECTION;
    if (!consent) consentFalse++;
    if (objection) profilingObjection++;
    const id = `c${i}`;
    const country = histories.country[real];
    const contact = [
      id,
      placeholderEmail(id),
      FIRST_NAMES[i % FIRST_NAMES.length],
      csvField(country),
      timeZoneOfCountry(country),
      consent ? 'true' : 'false',
      objection ? 'true' : 'false',
    ];
    if (customersWriter.push(`${contact.join(',')}\n`)) await customersWriter.flush();
    orderLines += writeHistory(ordersWriter, histories, real, id, shift, dates);
    if (ordersWriter.push('')) await ordersWriter.flush();
    if ((i & 0x3fff) === 0) options.onProgress?.(i, customers);
  }
  await Promise.all([customersWriter.close(), ordersWriter.close()]);
  for (const path of Object.values(files)) renameSync(`${path}.tmp`, path);
  options.onProgress?.(customers, customers);

  const manifest: RetailerManifest = {
    generator: GENERATOR_VERSION,
    sourceSha256,
    customers,
    seed,
    orderLines,
    products: histories.products.length,
    realCustomers: histories.customers,
    consentFalse,
    profilingObjection,
    bytes: { customers: customersWriter.bytes, products: productsWriter.bytes, orders: ordersWriter.bytes },
    seconds: Math.round((performance.now() - started) / 100) / 10,
  };
  writeFileSync(join(dir, RETAILER_FILES.manifest), `${JSON.stringify(manifest, null, 2)}\n`);
  return { ...manifest, dir, files, cached: false };
}

/** One synthetic customer's copy of a real history; returns the lines written. */
function writeHistory(
  writer: GzipTextWriter,
  histories: RealHistories,
  real: number,
  id: string,
  shiftDays: number,
  dates: DateStrings,
): number {
  const from = histories.lineStart[real];
  const to = histories.lineStart[real + 1];
  const prefix = `${id}-`;
  const customer = `,${id}`;
  for (let line = from; line < to; line++) {
    writer.push(
      prefix +
        histories.orderOrdinal[line] +
        customer +
        histories.middle[line] +
        dates.at(histories.day[line] + shiftDays) +
        histories.timeOfDay[line] +
        '\n',
    );
  }
  return to - from;
}

/** `YYYY-MM-DD` of each UTC day in a range, formatted once. */
class DateStrings {
  private readonly strings: string[] = [];

  constructor(
    private readonly firstDay: number,
    lastDay: number,
  ) {
    for (let day = firstDay; day <= lastDay; day++)
      this.strings.push(new Date(day * DAY_MS).toISOString().slice(0, 10));
  }

  at(day: number): string {
    return this.strings[day - this.firstDay];
  }
}

function readManifest(path: string): RetailerManifest | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as RetailerManifest;
  } catch {
    return null;
  }
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  } catch (error) {
    throw new Error(`cannot read the UCI Online Retail file ${path}: ${(error as Error).message}`);
  }
  return hash.digest('hex');
}

import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { timeZoneOfCountry } from './country-timezones.js';
import { placeholderEmail } from './customer-directory.js';
import { ONLINE_RETAIL_COLUMNS } from './online-retail.js';
import { isRowReject, TableReader } from './table-reader.js';
import { DEFAULT_TEXT_LIMITS } from './text-limits.js';

/**
 * Writes the shipped sample (`data/sample/`) from the full UCI Online Retail file,
 * deterministically:
 * - every row of the customers whose id hashes into one bucket of 11 (SHA-256 of the id,
 *   first 32 bits mod 11 = 0: about 400 of 4,372 customers, spread over the whole year),
 *   cancellations and non-product rows included;
 * - the rows of guest invoices (no CustomerID) whose invoice number hashes into one bucket
 *   of 40, so the cleaning of missing ids is exercised too;
 * in the original row order and UCI format, gzip;
 * - `customers.csv` in the generic schema for the selected customers: placeholder emails on
 *   example.com, first names from a fixed list, country of the latest row and its zone, and
 *   synthetic demo flags: consent=false for ids in a 5 % hash bucket, profiling_objection=true
 *   for ids in a 3 % bucket.
 *
 * Run: `npm run build && node dist/data/make-sample.js [source.csv.gz] [outDir]`.
 */

// biome-ignore format: a list of names reads best in rows
const FIRST_NAMES = [
  'Alex', 'Sam', 'Charlie', 'Jamie', 'Robin', 'Morgan', 'Taylor', 'Jordan', 'Casey', 'Riley',
  'Avery', 'Quinn', 'Rowan', 'Harper', 'Elliot', 'Frankie', 'Jesse', 'Kai', 'Logan', 'Max',
  'Noel', 'Parker', 'Reese', 'Sidney', 'Toni', 'Ash', 'Billie', 'Dana', 'Drew', 'Emery',
  'Finley', 'Hayden', 'Jules', 'Lee', 'Marley', 'Nico', 'Oakley', 'Remy', 'Sasha', 'Skyler',
];

/** First 32 bits of SHA-256(`salt:text`), as an unsigned integer. */
export function bucketHash(text: string, salt = ''): number {
  return createHash('sha256')
    .update(`${salt}${salt ? ':' : ''}${text}`)
    .digest()
    .readUInt32BE(0);
}

export const isSampleCustomer = (id: string) => bucketHash(id) % 11 === 0;
export const isSampleGuestInvoice = (invoice: string) => bucketHash(invoice, 'guest') % 40 === 0;
export const hasDemoConsentWithdrawn = (id: string) => bucketHash(id, 'consent') % 100 < 5;
export const hasDemoProfilingObjection = (id: string) => bucketHash(id, 'profiling') % 100 < 3;

export interface SampleSummary {
  rows: number;
  customers: number;
  guestRows: number;
  consentFalse: number;
  profilingObjection: number;
  gzipBytes: number;
}

export async function makeSample(source: string, outDir: string): Promise<SampleSummary> {
  const reader = await TableReader.open(source, DEFAULT_TEXT_LIMITS);
  const lines: string[] = [ONLINE_RETAIL_COLUMNS.join(',')];
  const latestCountry = new Map<string, string>();
  let guestRows = 0;
  for await (const batch of reader.batches({ required: ONLINE_RETAIL_COLUMNS })) {
    for (const item of batch) {
      if (isRowReject(item)) throw new Error(`${source}:${item.line}: ${item.reason}`);
      const { values } = item;
      const raw = String(values.CustomerID);
      const id = raw.replace(/\.0*$/, '');
      const keep = id === '' ? isSampleGuestInvoice(String(values.InvoiceNo)) : isSampleCustomer(id);
      if (!keep) continue;
      if (id === '') guestRows++;
      else latestCountry.set(id, String(values.Country)); // rows are in date order
      lines.push(ONLINE_RETAIL_COLUMNS.map((column) => csvField(String(values[column]))).join(','));
    }
  }
  const customerLines = ['id,email,first_name,country,timezone,consent,profiling_objection'];
  let consentFalse = 0;
  let profilingObjection = 0;
  for (const id of [...latestCountry.keys()].sort()) {
    const country = latestCountry.get(id) ?? '';
    const consent = !hasDemoConsentWithdrawn(id);
    const objection = hasDemoProfilingObjection(id);
    if (!consent) consentFalse++;
    if (objection) profilingObjection++;
    const firstName = FIRST_NAMES[bucketHash(id, 'name') % FIRST_NAMES.length];
    const fields = [
      id,
      placeholderEmail(id),
      firstName,
      country,
      timeZoneOfCountry(country),
      consent,
      objection,
    ];
    customerLines.push(fields.map((field) => csvField(String(field))).join(','));
  }
  await mkdir(outDir, { recursive: true });
  const gzip = gzipSync(`${lines.join('\n')}\n`, { level: 9 });
  await writeFile(join(outDir, 'online_retail_sample.csv.gz'), gzip);
  await writeFile(join(outDir, 'customers.csv'), `${customerLines.join('\n')}\n`);
  return {
    rows: lines.length - 1,
    customers: latestCountry.size,
    guestRows,
    consentFalse,
    profilingObjection,
    gzipBytes: gzip.length,
  };
}

/** RFC 4180: quoted when it holds a comma, quote or line break, or starts or ends with a space. */
export function csvField(value: string): string {
  return /[",\r\n]|^\s|\s$/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

if (/make-sample\.[jt]s$/.test(process.argv[1] ?? '')) {
  const source = process.argv[2] ?? '../shared/datasets/uci-online-retail/online_retail.csv.gz';
  const outDir = process.argv[3] ?? 'data/sample';
  console.log(JSON.stringify(await makeSample(source, outDir)));
}

import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { writeFileOnce } from './atomic-file.js';
import { csvRow } from './csv.js';
import { campaignOutboxDir } from './outbox-transport.js';

/**
 * Ad copy for upload to ad platforms (customer-match audiences with per-segment copy): one CSV
 * part per dispatch chunk, combined into `ads.csv` when the campaign is done. Emails appear only
 * as the SHA-256 of the normalised address, which is what the platforms match on.
 */

export const AD_EXPORT_COLUMNS = [
  'campaign_id',
  'customer_id',
  'email_sha256',
  'segment',
  'headline',
  'description',
  'final_url',
] as const;

export interface AdExportRow {
  customerId: string;
  email: string;
  segment: string;
  headline: string;
  description: string;
  finalUrl: string;
}

/** SHA-256 hex of the trimmed, lower-cased address (the platforms' customer-match form). */
export function emailSha256(email: string): string {
  return createHash('sha256').update(email.trim().toLowerCase()).digest('hex');
}

export function adPartPath(outboxDir: string, campaignId: string, chunk: number): string {
  if (!Number.isSafeInteger(chunk) || chunk < 0)
    throw new Error(`ad export chunk must be a whole number ≥ 0, got ${chunk}`);
  return join(campaignOutboxDir(outboxDir, campaignId), 'ads', `part-${String(chunk).padStart(6, '0')}.csv`);
}

/**
 * Writes one chunk's rows to `<outboxDir>/<campaignId>/ads/part-<chunk>.csv`, atomically and only
 * once: a retried chunk finds its part and writes nothing.
 */
export async function writeAdExportPart(options: {
  outboxDir: string;
  campaignId: string;
  chunk: number;
  rows: readonly AdExportRow[];
}): Promise<{ path: string; rows: number; written: boolean }> {
  const path = adPartPath(options.outboxDir, options.campaignId, options.chunk);
  await mkdir(join(campaignOutboxDir(options.outboxDir, options.campaignId), 'ads'), { recursive: true });
  let text = csvRow(AD_EXPORT_COLUMNS);
  for (const row of options.rows) {
    text += csvRow([
      options.campaignId,
      row.customerId,
      emailSha256(row.email),
      row.segment,
      row.headline,
      row.description,
      row.finalUrl,
    ]);
  }
  const outcome = await writeFileOnce(path, text, { fsync: true });
  return { path, rows: options.rows.length, written: outcome === 'created' };
}

/**
 * Combines a campaign's parts (in chunk order) into `<campaignDir>/ads.csv` with one header,
 * streaming the parts' bytes, and replaces any earlier combination atomically.
 */
export async function combineAdExport(
  campaignDir: string,
): Promise<{ path: string; rows: number; parts: number }> {
  const partsDir = join(campaignDir, 'ads');
  let names: string[];
  try {
    names = (await readdir(partsDir)).filter((name) => /^part-[0-9]+\.csv$/.test(name));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    names = [];
  }
  names.sort((a, b) => Number(a.slice(5, -4)) - Number(b.slice(5, -4)));
  const header = Buffer.from(csvRow(AD_EXPORT_COLUMNS));
  const path = join(campaignDir, 'ads.csv');
  const temp = join(campaignDir, `.ads.csv.${process.pid}.tmp`);
  let rows = 0;
  async function* bytes() {
    yield header;
    for (const name of names) {
      const file = join(partsDir, name);
      let skip = header.length; // each part starts with the same header line
      let quoted = false;
      for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
        let data = chunk;
        if (skip > 0) {
          const head = data.subarray(0, skip);
          if (!head.equals(header.subarray(header.length - skip, header.length - skip + head.length))) {
            throw new Error(
              `${file}: does not start with the ad export header (${AD_EXPORT_COLUMNS.join(',')})`,
            );
          }
          data = data.subarray(head.length);
          skip -= head.length;
        }
        // Records end in LF outside quotes (csvRow doubles quotes inside cells, so toggling works).
        for (let i = 0; i < data.length; i++) {
          const byte = data[i];
          if (byte === 0x22) quoted = !quoted;
          else if (byte === 0x0a && !quoted) rows++;
        }
        yield data;
      }
    }
  }
  await mkdir(campaignDir, { recursive: true });
  try {
    await pipeline(bytes, createWriteStream(temp));
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw error;
  }
  return { path, rows, parts: names.length };
}

import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { RowReject } from '../data/data-errors.js';
import { isRowReject, TableReader } from '../data/table-reader.js';
import { DEFAULT_TEXT_LIMITS } from '../data/text-limits.js';
import { validateEmailAddress } from '../dispatch/header-safety.js';
import {
  SUPPRESSION_REASONS,
  type SuppressionInput,
  type SuppressionReason,
} from '../dispatch/suppression.js';

/**
 * Addresses to suppress, from a file: CSV or JSON Lines (gzip allowed) with an `email` column and
 * optional `reason` and `campaign_id`, or plain text with one address per line (`#` starts a
 * comment). Rows are checked one by one: a bad address or reason is a reject with file and line,
 * never the end of the import.
 */

export interface SuppressionBatch {
  entries: SuppressionInput[];
  rejects: RowReject[];
}

const BATCH = 1_000;

export function parseReason(value: string, field: string): SuppressionReason {
  const reason = value.trim().toLowerCase();
  if (!(SUPPRESSION_REASONS as readonly string[]).includes(reason)) {
    throw new Error(`${field} ${JSON.stringify(value)} is not one of ${SUPPRESSION_REASONS.join(', ')}`);
  }
  return reason as SuppressionReason;
}

function entryOf(
  values: { email?: unknown; reason?: unknown; campaign_id?: unknown },
  defaultReason: SuppressionReason,
): SuppressionInput | string {
  try {
    const email = validateEmailAddress(String(values.email ?? '').trim(), 'email');
    const reason =
      values.reason === undefined || values.reason === null || String(values.reason).trim() === ''
        ? defaultReason
        : parseReason(String(values.reason), 'reason');
    const campaignId =
      typeof values.campaign_id === 'string' && values.campaign_id.trim() !== ''
        ? values.campaign_id.trim()
        : undefined;
    return { email, reason, ...(campaignId ? { campaignId } : {}) };
  } catch (error) {
    return (error as Error).message;
  }
}

export async function* readSuppressionFile(
  path: string,
  defaultReason: SuppressionReason = 'manual',
): AsyncGenerator<SuppressionBatch> {
  const name = path.toLowerCase().replace(/\.gz$/, '');
  if (name.endsWith('.csv') || name.endsWith('.jsonl') || name.endsWith('.ndjson')) {
    const reader = await TableReader.open(path, DEFAULT_TEXT_LIMITS);
    try {
      for await (const batch of reader.batches({
        required: ['email'],
        optional: ['reason', 'campaign_id'],
      })) {
        const out: SuppressionBatch = { entries: [], rejects: [] };
        for (const item of batch) {
          if (isRowReject(item)) {
            out.rejects.push(item);
            continue;
          }
          const entry = entryOf(item.values, defaultReason);
          if (typeof entry === 'string') out.rejects.push({ file: path, line: item.line, reason: entry });
          else out.entries.push(entry);
        }
        yield out;
      }
    } finally {
      await reader.close();
    }
    return;
  }
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Number.POSITIVE_INFINITY });
  let out: SuppressionBatch = { entries: [], rejects: [] };
  let line = 0;
  for await (const text of lines) {
    line++;
    const value = text.replace(/#.*$/, '').trim();
    if (value === '') continue;
    const entry = entryOf({ email: value }, defaultReason);
    if (typeof entry === 'string') out.rejects.push({ file: path, line, reason: entry });
    else out.entries.push(entry);
    if (out.entries.length + out.rejects.length >= BATCH) {
      yield out;
      out = { entries: [], rejects: [] };
    }
  }
  if (out.entries.length + out.rejects.length > 0) yield out;
}

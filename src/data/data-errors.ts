/**
 * How the importer talks about bad input. A bad row is a `RowReject` (counted, sampled, skipped:
 * the import goes on); a bad file (missing, unreadable, no header, a required column missing,
 * corrupt gzip) is a `DataFileError` that stops the import with one line naming file and line.
 */

/** One skipped row: where it was and why. `line` is the 1-based physical line where it starts. */
export interface RowReject {
  file: string;
  line: number;
  reason: string;
}

/** The first rejects of an import, kept for the summary (the rest are counted). */
export type RejectSample = RowReject;

export class DataFileError extends Error {
  override readonly name = 'DataFileError';
  constructor(
    readonly file: string,
    /** 1-based line the problem was found at; 0 when it concerns the file as a whole. */
    readonly line: number,
    readonly reason: string,
  ) {
    super(line > 0 ? `${file}:${line}: ${reason}` : `${file}: ${reason}`);
  }
}

/** A value quoted for an error message: short, printable, never a wall of input. */
export function quoteValue(value: unknown, max = 40): string {
  if (typeof value === 'string')
    return JSON.stringify(value.length > max ? `${value.slice(0, max)}…` : value);
  // Never stringify structures: a JSON Lines field may hold a deeply nested array.
  if (value === null || typeof value !== 'object') return String(value);
  return Array.isArray(value) ? 'an array' : 'an object';
}

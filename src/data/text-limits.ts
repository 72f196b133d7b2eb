/**
 * Size limits on input text. They bound the importer's memory whatever a file holds (one
 * 2 GB line, an unclosed quote that would swallow the rest of the file) and turn an oversized
 * row into a reject with its line instead of an out-of-memory crash.
 */
export interface TextLimits {
  /** Longest field (bytes). A longer one rejects its row. */
  maxFieldBytes: number;
  /** Longest record (bytes, quoted newlines included). A longer one rejects its row. */
  maxRecordBytes: number;
}

export const DEFAULT_TEXT_LIMITS: TextLimits = Object.freeze({
  maxFieldBytes: 64 * 1024,
  maxRecordBytes: 1024 * 1024,
});

export function resolveTextLimits(limits: Partial<TextLimits> | undefined): TextLimits {
  const merged = { ...DEFAULT_TEXT_LIMITS, ...limits };
  for (const [key, value] of Object.entries(merged)) {
    if (!Number.isInteger(value) || value < 1) throw new RangeError(`${key} must be a positive integer`);
  }
  if (merged.maxFieldBytes > merged.maxRecordBytes) {
    throw new RangeError('maxFieldBytes must not exceed maxRecordBytes');
  }
  return merged;
}

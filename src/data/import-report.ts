import { closeSync, openSync, writeSync } from 'node:fs';
import type { RejectSample, RowReject } from './data-errors.js';
import type { ImportSummary } from './snapshot.js';

/**
 * Counts of an import per input file (accepted, rejected, skipped by reason), the first
 * rejects as samples for the summary, and optionally every reject in an NDJSON file. Memory is
 * bounded: counts plus `sampleLimit` samples, whatever the number of bad rows.
 */
export class ImportReport {
  // Null prototypes: file names and reasons are data, never object keys like __proto__.
  readonly files: ImportSummary['files'] = Object.create(null);
  readonly samples: RejectSample[] = [];
  rejected = 0;
  private rejectsFd: number | null;
  private readonly logging: boolean;
  private pending: string[] = [];

  constructor(
    private readonly sampleLimit: number,
    rejectsPath: string | null,
  ) {
    this.rejectsFd = rejectsPath ? openSync(rejectsPath, 'w') : null;
    this.logging = rejectsPath !== null;
  }

  /** Registers a file so it appears in the summary even when it yields nothing. */
  open(file: string): void {
    this.files[file] ??= { accepted: 0, rejected: 0, skipped: Object.create(null) };
  }

  accept(file: string, count = 1): void {
    this.files[file].accepted += count;
  }

  skip(file: string, reason: string): void {
    const skipped = this.files[file].skipped;
    skipped[reason] = (skipped[reason] ?? 0) + 1;
  }

  reject(reject: RowReject): void {
    this.files[reject.file].rejected++;
    this.rejected++;
    if (this.samples.length < this.sampleLimit) this.samples.push(reject);
    if (this.rejectsFd !== null) {
      this.pending.push(`${JSON.stringify(reject)}\n`);
      if (this.pending.length >= 4096) this.flush();
    }
  }

  summary(seconds: number): ImportSummary {
    return { files: this.files, seconds };
  }

  /** Whether every reject is written to the rejects file. */
  get logsAll(): boolean {
    return this.logging;
  }

  /** Idempotent. */
  close(): void {
    this.flush();
    if (this.rejectsFd !== null) closeSync(this.rejectsFd);
    this.rejectsFd = null;
  }

  private flush(): void {
    if (this.rejectsFd === null || this.pending.length === 0) return;
    const bytes = Buffer.from(this.pending.join(''));
    let done = 0;
    while (done < bytes.length) done += writeSync(this.rejectsFd, bytes, done, bytes.length - done);
    this.pending = [];
  }
}

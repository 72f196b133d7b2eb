import { isUtf8 } from 'node:buffer';
import type { TextLimits } from './text-limits.js';

/**
 * A streaming JSON Lines parser over bytes: one JSON object per line. A line that is too long,
 * not UTF-8, not JSON or not an object is a reject with its line number; parsing goes on.
 * Blank lines are ignored. Line length is capped by `maxRecordBytes` without ever buffering
 * more than that.
 */

export interface JsonlRecord {
  line: number;
  value: Record<string, unknown>;
}

export interface JsonlReject {
  line: number;
  reason: string;
}

export type JsonlEvent = JsonlRecord | JsonlReject;

export function isJsonlReject(event: JsonlEvent): event is JsonlReject {
  return (event as JsonlReject).reason !== undefined;
}

const LF = 0x0a;
const CR = 0x0d;

export class JsonlRecordParser {
  private pending: Buffer | null = null;
  private line = 1;
  /** Line whose overlong rest is being discarded up to its end. */
  private skippingLine = 0;

  constructor(private readonly limits: TextLimits) {}

  get currentLine(): number {
    return this.line;
  }

  push(chunk: Buffer, out: JsonlEvent[]): void {
    const buf = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = null;
    let pos = 0;
    for (;;) {
      const nl = buf.indexOf(LF, pos);
      if (nl === -1) break;
      if (this.skippingLine > 0) this.skippingLine = 0;
      else this.take(buf, pos, nl, out);
      this.line++;
      pos = nl + 1;
    }
    if (this.skippingLine > 0 || pos >= buf.length) return;
    if (buf.length - pos > this.limits.maxRecordBytes) {
      this.skippingLine = this.line;
      out.push({ line: this.line, reason: `line is longer than ${this.limits.maxRecordBytes} bytes` });
      return;
    }
    this.pending = buf.subarray(pos);
  }

  end(out: JsonlEvent[]): void {
    const rest = this.pending;
    this.pending = null;
    if (rest && this.skippingLine === 0) this.take(rest, 0, rest.length, out);
    this.skippingLine = 0;
  }

  private take(buf: Buffer, start: number, lineEnd: number, out: JsonlEvent[]): void {
    let end = lineEnd;
    if (end > start && buf[end - 1] === CR) end--;
    const line = this.line;
    if (end - start > this.limits.maxRecordBytes) {
      out.push({ line, reason: `line is longer than ${this.limits.maxRecordBytes} bytes` });
      return;
    }
    const bytes = buf.subarray(start, end);
    if (!isUtf8(bytes)) {
      out.push({ line, reason: 'invalid UTF-8 (save the file as UTF-8)' });
      return;
    }
    const text = bytes.toString('utf8');
    if (text.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      out.push({ line, reason: `invalid JSON: ${(error as Error).message}` });
      return;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      const found = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
      out.push({ line, reason: `expected a JSON object, found ${found}` });
      return;
    }
    out.push({ line, value: value as Record<string, unknown> });
  }
}

/**
 * The encodings an e-mail needs on the wire: RFC 2047 encoded words for non-ASCII header text,
 * RFC 5322 header folding, and RFC 2045 quoted-printable bodies. Inputs are already header-safe
 * (see header-safety.ts); every output is 7-bit ASCII.
 */

const MAX_LINE = 78;
/** Bytes of UTF-8 per `=?UTF-8?B?...?=` word: 45 bytes → 60 base64 characters → a 72-character word. */
const WORD_BYTES = 45;

/** Printable ASCII, and no `=?` that a reader could decode as an encoded word. */
function isPlainAscii(text: string): boolean {
  return /^[\x20-\x7e]*$/.test(text) && !text.includes('=?');
}

/** Non-ASCII text as base64 encoded words, split on character boundaries, separated by spaces. */
export function encodedWords(text: string): string {
  const words: string[] = [];
  let chunk: number[] = [];
  for (const char of text) {
    const bytes = Buffer.from(char, 'utf8');
    if (chunk.length + bytes.length > WORD_BYTES) {
      words.push(`=?UTF-8?B?${Buffer.from(chunk).toString('base64')}?=`);
      chunk = [];
    }
    for (const byte of bytes) chunk.push(byte);
  }
  if (chunk.length > 0) words.push(`=?UTF-8?B?${Buffer.from(chunk).toString('base64')}?=`);
  return words.join(' ');
}

/** Unstructured header text (Subject): as is when plain ASCII, else encoded words. */
export function encodeUnstructured(text: string): string {
  return isPlainAscii(text) ? text : encodedWords(text);
}

/** A display name (From, To, List-ID phrase): a quoted string when ASCII, else encoded words. */
export function encodePhrase(name: string): string {
  if (name === '') return '';
  if (!isPlainAscii(name)) return encodedWords(name);
  return `"${name.replace(/[\\"]/g, '\\$&')}"`;
}

/** `"Name" <address>`, or the bare address without a name. */
export function formatMailbox(name: string, address: string): string {
  const phrase = encodePhrase(name);
  return phrase ? `${phrase} <${address}>` : address;
}

/**
 * `Name: value` folded at spaces so lines stay within 78 characters where the value allows
 * (a long URL stays whole: the hard limit is 998, which callers' length checks keep).
 */
export function foldHeader(name: string, value: string): string {
  const line = `${name}: ${value}`;
  if (line.length <= MAX_LINE) return line;
  const parts = line.split(' ');
  let out = parts[0];
  let width = parts[0].length;
  for (let i = 1; i < parts.length; i++) {
    const part = parts[i];
    // Fold only where it helps (not right after the name when the first word is too long for any
    // line), and never before an empty token (that would leave a line of only whitespace).
    const helps = i > 1 || 1 + part.length <= MAX_LINE;
    if (helps && part !== '' && width + 1 + part.length > MAX_LINE) {
      out += `\r\n ${part}`;
      width = 1 + part.length;
    } else {
      out += ` ${part}`;
      width += 1 + part.length;
    }
  }
  return out;
}

const HEX_DIGITS = Buffer.from('0123456789ABCDEF', 'latin1');

/**
 * Text in quoted-printable (UTF-8) as bytes: CRLF line breaks (CRLF, CR or LF in the input), soft
 * line breaks keeping every line within 76 characters, never inside an `=XX` escape nor inside a
 * character's UTF-8 sequence, and no whitespace left at a line end.
 */
export function encodeQuotedPrintableBytes(text: string): Buffer {
  const sink = new ByteSink(quotedPrintableBound(text));
  sink.quotedPrintable(text);
  return sink.take();
}

/** Most bytes `text` can take quoted-printable: every byte escaped, plus a soft break per 25. */
function quotedPrintableBound(text: string): number {
  const n = text.length * 3; // UTF-8 bytes per UTF-16 unit: at most 3
  return n * 3 + Math.ceil(n / 25) * 3 + 3;
}

/**
 * A growable byte buffer a message is written into: header text, ready bytes, quoted-printable
 * text. Composing a mail into one buffer (a byte loop, no string per rule, no buffer per part)
 * is most of what keeps building a mail cheap; a string version with a pass per rule was 3 to 5
 * times slower.
 */
export class ByteSink {
  private buf: Buffer;
  private utf8: Buffer = Buffer.allocUnsafe(0);
  /** Where the message being written starts in `buf`, and where it ends so far. */
  private start = 0;
  private end = 0;

  /**
   * `inSlabs`: the sink writes straight into 1 MiB slabs and take() hands out the written bytes
   * without copying them (for composing messages); otherwise take() copies them out.
   */
  constructor(
    capacity = 16_384,
    private readonly inSlabs = false,
  ) {
    this.buf = inSlabs ? Buffer.allocUnsafeSlow(SLAB_BYTES) : Buffer.allocUnsafe(capacity);
  }

  /** Bytes written since the last take(). */
  get length(): number {
    return this.end - this.start;
  }

  private reserve(n: number): void {
    if (this.end + n <= this.buf.length) return;
    const written = this.end - this.start;
    const size = Math.max(this.inSlabs ? SLAB_BYTES : this.buf.length * 2, (written + n) * 2);
    const grown = this.inSlabs ? Buffer.allocUnsafeSlow(size) : Buffer.allocUnsafe(size);
    this.buf.copy(grown, 0, this.start, this.end);
    this.buf = grown;
    this.start = 0;
    this.end = written;
  }

  /** ASCII text (headers), byte for byte. */
  latin1(text: string): void {
    this.reserve(text.length);
    this.end += this.buf.write(text, this.end, 'latin1');
  }

  bytes(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buf.set(bytes, this.end);
    this.end += bytes.length;
  }

  /**
   * `text` quoted-printable, from column `width` of the current line (0: a line's start); returns
   * the column it ends at. `endsLine`: nothing but a line break (or the end) follows, so trailing
   * whitespace is escaped; otherwise a non-space character follows.
   */
  quotedPrintable(text: string, width = 0, endsLine = true): number {
    if (this.utf8.length < text.length * 3) this.utf8 = Buffer.allocUnsafe(Math.max(4096, text.length * 3));
    const src = this.utf8;
    const n = src.write(text, 0, 'utf8'); // lone surrogates become U+FFFD here
    this.reserve(quotedPrintableBound(text));
    const dst = this.buf;
    let o = this.end;
    for (let i = 0; i < n; i++) {
      const b = src[i];
      if (b === 13 || b === 10) {
        if (b === 13 && i + 1 < n && src[i + 1] === 10) i++;
        dst[o++] = 13;
        dst[o++] = 10;
        width = 0;
        continue;
      }
      let literal = b >= 33 && b <= 126 && b !== 61;
      if (b === 32 || b === 9) {
        const next = i + 1 < n ? src[i + 1] : endsLine ? 10 : 33;
        literal = next !== 13 && next !== 10; // whitespace at a line end must be escaped
      }
      // Room needed on this line: one literal byte, or a whole escaped UTF-8 sequence.
      const need = literal ? 1 : b >= 0xf0 ? 12 : b >= 0xe0 ? 9 : b >= 0xc0 ? 6 : 3;
      if (width + need > 75 && (literal || b < 0x80 || b >= 0xc0)) {
        dst[o++] = 61;
        dst[o++] = 13;
        dst[o++] = 10;
        width = 0;
      }
      if (literal) {
        dst[o++] = b;
        width++;
      } else {
        dst[o++] = 61;
        dst[o++] = HEX_DIGITS[b >> 4];
        dst[o++] = HEX_DIGITS[b & 15];
        width += 3;
      }
    }
    this.end = o;
    return width;
  }

  /** What was written since the last take(), and the sink emptied for the next message. */
  take(): Buffer {
    if (this.inSlabs) {
      const out = this.buf.subarray(this.start, this.end);
      this.start = this.end = (this.end + 7) & ~7; // aligned, as Node's pool does
      if (this.buf.length - this.start < SLAB_BYTES / 16) {
        this.buf = Buffer.allocUnsafeSlow(SLAB_BYTES);
        this.start = this.end = 0;
      }
      return out;
    }
    const out = Buffer.from(this.buf.subarray(this.start, this.end));
    this.start = this.end = 0;
    return out;
  }
}

// Messages are composed in 1 MiB slabs: a mail of 7 kB is larger than Node's own buffer pool
// takes, and one external allocation per mail made the garbage collector run far more often.
const SLAB_BYTES = 1 << 20;

/** encodeQuotedPrintableBytes as a string (7-bit ASCII). */
export function encodeQuotedPrintable(text: string): string {
  return encodeQuotedPrintableBytes(text).toString('latin1');
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** RFC 5322 date in UTC: `Thu, 23 Nov 2026 13:35:32 +0000`. */
export function formatRfc5322Date(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return (
    `${DAYS[date.getUTCDay()]}, ${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()} ` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`
  );
}

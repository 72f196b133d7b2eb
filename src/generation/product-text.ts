/** Display forms of catalogue text shared by the template fallback, prompts and guardrails. */

// Words kept lower case inside a title-cased title (never the first word).
const SMALL_WORDS = new Set([
  'a',
  'an',
  'and',
  'as',
  'at',
  'by',
  'for',
  'in',
  'of',
  'on',
  'or',
  'the',
  'to',
  'with',
]);

// C0/C1 controls, zero-width and bidi-override characters: never useful in copy, sometimes hostile.
// biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]/g;

// Anything singleLine would change: an invisible character, whitespace other than a single
// space between words, or a space at either end.
const UNTIDY =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: as INVISIBLE
  /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]|[^\S ]| {2}|^ | $/;

/** One line of plain text: control characters removed, whitespace collapsed. */
export function singleLine(text: string): string {
  // Most values (names, catalogue titles, prices) are already tidy: no new strings for them.
  if (!UNTIDY.test(text)) return text;
  return text.replace(INVISIBLE, ' ').replace(/\s+/g, ' ').trim();
}

/**
 * A catalogue title as a reader should see it. Titles written all in capitals (the UCI Online
 * Retail catalogue: "WHITE HANGING HEART T-LIGHT HOLDER") are title-cased; others keep their case.
 */
export function displayTitle(title: string): string {
  const clean = singleLine(title);
  if (/\p{Ll}/u.test(clean) || !/\p{Lu}/u.test(clean)) return clean;
  return clean
    .toLowerCase()
    .split(' ')
    .map((word, i) => (i > 0 && SMALL_WORDS.has(word) ? word : capitaliseParts(word)))
    .join(' ');
}

function capitaliseParts(word: string): string {
  // "t-light" → "T-Light", "3-tier" → "3-Tier", "l'amour" stays readable.
  return word.replace(/(^|[-/(])(\p{L})/gu, (_m, sep: string, letter: string) => sep + letter.toUpperCase());
}

/**
 * The longest word-boundary prefix of `title` within `maxChars`, without a dangling small word or
 * punctuation ("Set of 3 Cake Tins Pantry Design" at 16 → "Set of 3 Cake"). '' when not even the
 * first word fits.
 */
export function shortenTitle(title: string, maxChars: number): string {
  if (title.length <= maxChars) return title;
  const words = title.split(' ');
  const kept: string[] = [];
  let length = 0;
  for (const word of words) {
    const next = length + (kept.length > 0 ? 1 : 0) + word.length;
    if (next > maxChars) break;
    kept.push(word);
    length = next;
  }
  while (kept.length > 1 && SMALL_WORDS.has(kept[kept.length - 1].toLowerCase())) kept.pop();
  return kept.join(' ').replace(/[\s,;:.&+-]+$/, '');
}

/** A price as the copy shows it: "12.75", or "£12.75" with a currency code. */
// Building an Intl.NumberFormat costs far more than using one: one per currency per process.
const priceFormats = new Map<string, Intl.NumberFormat>();

export function formatPrice(price: number, currency?: string): string {
  if (!Number.isFinite(price)) return '';
  if (!currency) return price.toFixed(2);
  let format = priceFormats.get(currency);
  if (!format) {
    format = new Intl.NumberFormat('en-GB', { style: 'currency', currency, minimumFractionDigits: 2 });
    priceFormats.set(currency, format);
  }
  return format.format(price);
}

/** Words as the body limit counts them: runs of non-space characters. */
export function countWords(text: string): number {
  const trimmed = text.trim();
  return trimmed === '' ? 0 : trimmed.split(/\s+/).length;
}

import {
  type AdCopy,
  type Channel,
  COPY_LIMITS,
  type CopyProduct,
  type CopyRequest,
  type EmailCopy,
} from './copywriter.js';
import { countWords, displayTitle } from './product-text.js';

/** Why model copy was rejected; each names one check. */
export type GuardrailRule =
  | 'format'
  | 'limit'
  | 'placeholder'
  | 'url'
  | 'price'
  | 'product'
  | 'name'
  | 'blocklist';

export type GuardrailVerdict =
  | { ok: true; copy: EmailCopy | AdCopy }
  | { ok: false; rule: GuardrailRule; detail: string };

/** Phrases no marketing copy of Tailor's may contain: spam triggers and signs of a hijacked prompt. */
export const DEFAULT_BLOCKLIST: readonly string[] = [
  'ignore previous instructions',
  'ignore all previous',
  'ignore the above',
  'as an ai',
  'language model',
  'system prompt',
  'free money',
  '100% free',
  'risk-free',
  'guaranteed',
  'act now',
  'click here',
  'winner',
  'congratulations you',
  'lottery',
  'casino',
  'viagra',
  'bitcoin',
  'wire transfer',
];

export interface GuardrailConfig {
  /** Phrases (case-insensitive, whole words) that reject copy; replaces DEFAULT_BLOCKLIST. */
  blocklist?: readonly string[];
  /** Titles of the whole catalogue: copy naming one that is not in the request is rejected. */
  catalogueTitles?: Iterable<string>;
}

const FIELD_LABELS: Record<Channel, Record<string, string>> = {
  email: {
    subject: 'subject',
    'subject line': 'subject',
    preheader: 'preheader',
    'pre-header': 'preheader',
    body: 'body',
  },
  ads: {
    headline: 'headline',
    'ad headline': 'headline',
    description: 'description',
    'ad description': 'description',
  },
};
const REQUIRED: Record<Channel, string[]> = {
  email: ['subject', 'preheader', 'body'],
  ads: ['headline', 'description'],
};

/** Splits model output into the channel's fields: `Label: value` lines, or a JSON object. */
export function parseCopy(channel: Channel, text: string): EmailCopy | AdCopy | { error: string } {
  const fields = parseJson(channel, text) ?? parseLabelled(channel, text);
  const missing = REQUIRED[channel].filter((name) => !fields[name]);
  if (missing.length > 0) return { error: `no ${missing.join(', ')} in the output` };
  return channel === 'email'
    ? { subject: fields.subject, preheader: fields.preheader, body: fields.body }
    : { headline: fields.headline, description: fields.description };
}

function parseLabelled(channel: Channel, text: string): Record<string, string> {
  const labels = FIELD_LABELS[channel];
  const fields: Record<string, string[]> = {};
  let current: string | undefined;
  for (const raw of text.replace(/\r\n?/g, '\n').split('\n')) {
    const line = raw.replace(/\*\*|__/g, '').replace(/^\s*#+\s*/, '');
    const match = /^\s*([A-Za-z][A-Za-z -]{2,20}?)\s*:\s?(.*)$/.exec(line);
    const field = match ? labels[match[1].toLowerCase()] : undefined;
    if (field) {
      if (fields[field]) break; // a second copy begins: keep the first
      current = field;
      fields[field] = [match![2]];
    } else if (current === 'body') {
      fields.body.push(line);
    } else if (current && line.trim() !== '') {
      current = undefined; // stray text after a one-line field is not part of it
    }
  }
  const out: Record<string, string> = {};
  for (const [name, lines] of Object.entries(fields)) {
    out[name] = name === 'body' ? lines.join('\n').trim() : unquote(lines[0].trim());
  }
  return out;
}

function parseJson(channel: Channel, text: string): Record<string, string> | undefined {
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start < 0 || end <= start) return undefined;
  try {
    const value = JSON.parse(text.slice(start, end + 1)) as Record<string, unknown>;
    const out: Record<string, string> = {};
    for (const [key, field] of Object.entries(FIELD_LABELS[channel])) {
      const found = Object.entries(value).find(([k]) => k.toLowerCase() === key);
      if (found && typeof found[1] === 'string') out[field] = found[1].trim();
    }
    return Object.keys(out).length > 0 ? out : undefined;
  } catch {
    return undefined;
  }
}

function unquote(value: string): string {
  return value.replace(/^["'“]+|["'”]+$/g, '').trim();
}

// {{name}}, [First Name], <name>, {name}, %NAME%, TODO, TBD, lorem ipsum, XXX.
const PLACEHOLDERS = [
  /\{\{|\}\}/,
  /\[[^\]\n]{1,40}\]/,
  /<[^>\n]{1,60}>/,
  /\{[A-Za-z_ ]{1,30}\}/,
  /%[A-Z_]{2,30}%/,
  /\bTODO\b/i,
  /\bTBD\b/,
  /\blorem\b/i,
  /\bipsum\b/i,
  /\bX{3,}\b/i,
];
const URLS =
  /\bhttps?:\/\/[^\s)>\]"']+|\bwww\.[^\s)>\]"']+|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|net|org|co\.uk|shop|store|io)\b[^\s)>\]"']*/gi;
const MONEY =
  /[£$€]\s?\d[\d,]*(?:\.\d+)?|\b\d[\d,]*(?:\.\d+)?\s?(?:GBP|USD|EUR|pounds?|dollars?|euros?|quid)\b|\b\d+\.\d{2}\b/gi;
const DISCOUNT = /\b\d{1,3}\s?%|\bhalf[- ]price\b|\bbogof?\b|\bbuy one,? get one\b/i;
const GREETING = /^\s*(?:hi|hello|hey|dear|good (?:morning|afternoon|evening))[ ,]+([\p{Lu}][\p{L}'-]*)/imu;
const GENERIC_ADDRESSEES = new Set([
  'there',
  'friend',
  'friends',
  'everyone',
  'all',
  'customer',
  'customers',
  'shopper',
  'shoppers',
  'you',
  'folks',
  'valued',
  'lovely',
  'again',
  'team',
  'reader',
  'readers',
]);

/**
 * Checks model copy before it can reach a customer: parses it, then rejects copy that breaks a
 * channel limit, leaves a placeholder, names a URL, price or product the prompt did not give,
 * greets a name that is not the customer's, or hits the blocklist.
 */
export class Guardrails {
  private readonly blocklist: RegExp[];
  /** Catalogue titles as word lists, indexed by their first two words. */
  private readonly titlesByBigram = new Map<string, string[][]>();

  constructor(config: GuardrailConfig = {}) {
    this.blocklist = (config.blocklist ?? DEFAULT_BLOCKLIST)
      .filter((phrase) => phrase.trim() !== '')
      .map(
        (phrase) => new RegExp(`(?<![\\p{L}\\p{N}])${escapeRegExp(phrase.trim())}(?![\\p{L}\\p{N}])`, 'iu'),
      );
    for (const title of config.catalogueTitles ?? []) {
      const words = wordsOf(displayTitle(title));
      if (words.length < 2) continue; // one-word titles ("Bag") are too common to police
      const key = `${words[0]} ${words[1]}`;
      const list = this.titlesByBigram.get(key);
      if (list) list.push(words);
      else this.titlesByBigram.set(key, [words]);
    }
  }

  check(request: CopyRequest, output: string): GuardrailVerdict {
    const parsed = parseCopy(request.channel, output);
    if ('error' in parsed) return reject('format', parsed.error);
    const fields = Object.entries(parsed) as [string, string][];
    const all = fields.map(([, value]) => value).join('\n');

    const limit = checkLimits(parsed);
    if (limit) return reject('limit', limit);
    for (const [name, value] of fields) {
      const placeholder = PLACEHOLDERS.map((re) => re.exec(value)).find(Boolean);
      if (placeholder) return reject('placeholder', `${name} contains "${placeholder[0]}"`);
    }
    const url = this.unknownUrl(all, request.products);
    if (url) return reject('url', `"${url}" is not a product link from the prompt`);
    const price = unknownPrice(withoutTitles(all, request.products), request.products);
    if (price) return reject('price', price);
    const product = this.unknownProduct(all, request.products);
    if (product) return reject('product', `names "${product}", which is not in the prompt`);
    const name = unknownName(parsed, request);
    if (name) return reject('name', `greets "${name}"`);
    const blocked = this.blocklist.map((re) => re.exec(all)).find(Boolean);
    if (blocked) return reject('blocklist', `contains "${blocked[0]}"`);
    return { ok: true, copy: parsed };
  }

  private unknownUrl(text: string, products: CopyProduct[]): string | undefined {
    const urls = new Set(products.map((p) => normaliseUrl(p.url)));
    const hosts = new Set(products.map((p) => hostOf(p.url)));
    for (const match of text.matchAll(URLS)) {
      const found = match[0].replace(/[.,;:!?]+$/, '');
      const normal = normaliseUrl(found);
      const bareHost = !/[/?#]/.test(normal);
      if (!urls.has(normal) && !(bareHost && hosts.has(normal))) return found;
    }
    return undefined;
  }

  private unknownProduct(text: string, products: CopyProduct[]): string | undefined {
    if (this.titlesByBigram.size === 0) return undefined;
    const allowed = new Set(products.map((p) => wordsOf(displayTitle(p.title)).join(' ')));
    const words = wordsOf(text);
    for (let i = 0; i + 1 < words.length; i++) {
      for (const title of this.titlesByBigram.get(`${words[i]} ${words[i + 1]}`) ?? []) {
        if (title.every((word, j) => words[i + j] === word) && !allowed.has(title.join(' ')))
          return title.join(' ');
      }
    }
    return undefined;
  }
}

function reject(rule: GuardrailRule, detail: string): GuardrailVerdict {
  return { ok: false, rule, detail };
}

function checkLimits(copy: EmailCopy | AdCopy): string | undefined {
  if ('subject' in copy) {
    if (copy.subject.length > COPY_LIMITS.subject)
      return `subject is ${copy.subject.length} > ${COPY_LIMITS.subject} characters`;
    if (copy.preheader.length > COPY_LIMITS.preheader) {
      return `preheader is ${copy.preheader.length} > ${COPY_LIMITS.preheader} characters`;
    }
    const words = countWords(copy.body);
    if (words > COPY_LIMITS.bodyWords) return `body is ${words} > ${COPY_LIMITS.bodyWords} words`;
    if (words < 8) return `body is only ${words} words`;
    if (copy.subject.length < 3) return 'subject is under 3 characters';
    return undefined;
  }
  if (copy.headline.length > COPY_LIMITS.adHeadline) {
    return `headline is ${copy.headline.length} > ${COPY_LIMITS.adHeadline} characters`;
  }
  if (copy.description.length > COPY_LIMITS.adDescription) {
    return `description is ${copy.description.length} > ${COPY_LIMITS.adDescription} characters`;
  }
  if (copy.headline.length < 3) return 'headline is under 3 characters';
  if (copy.description.length < 10) return 'description is under 10 characters';
  return undefined;
}

function unknownPrice(text: string, products: CopyProduct[]): string | undefined {
  const discount = DISCOUNT.exec(text);
  if (discount) return `offers "${discount[0]}", a discount the prompt did not give`;
  for (const match of text.matchAll(MONEY)) {
    const value = Number(match[0].replace(/[^\d.]/g, ''));
    if (!products.some((p) => Math.abs(p.price - value) < 0.005))
      return `"${match[0].trim()}" is not a price from the prompt`;
  }
  return undefined;
}

/** The text with the prompt's own product titles cut out ("100% Cotton Tote" offers no discount). */
function withoutTitles(text: string, products: CopyProduct[]): string {
  let out = text;
  for (const product of products) {
    const title = displayTitle(product.title);
    if (title) out = out.replace(new RegExp(escapeRegExp(title), 'giu'), ' ');
  }
  return out;
}

function unknownName(copy: EmailCopy | AdCopy, request: CopyRequest): string | undefined {
  const texts =
    'subject' in copy ? [copy.subject, copy.preheader, copy.body] : [copy.headline, copy.description];
  const allowed = new Set([
    ...GENERIC_ADDRESSEES,
    ...(request.customer ? [request.customer.firstName.trim().toLowerCase()] : []),
    ...wordsOf(request.brand.name),
    ...wordsOf(request.segment.name),
  ]);
  for (const text of texts) {
    const name = GREETING.exec(text)?.[1];
    if (name && !allowed.has(name.toLowerCase())) return name;
  }
  return undefined;
}

/** Lower-case words (letters, digits, inner hyphens and apostrophes) for phrase matching. */
function wordsOf(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*/gu) ?? [];
}

function normaliseUrl(url: string): string {
  return url
    .trim()
    .toLowerCase()
    .replace(/^https?:\/\//, '')
    .replace(/^www\./, '')
    .replace(/[/?#]+$/, '');
}

function hostOf(url: string): string {
  return normaliseUrl(url).replace(/[/?#].*$/, '');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\s+/g, '\\s+');
}

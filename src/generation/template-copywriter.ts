import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import {
  type AdCopy,
  COPY_LIMITS,
  type CopyRequest,
  type CopyResult,
  type Copywriter,
  type EmailCopy,
} from './copywriter.js';
import { countWords, displayTitle, formatPrice, shortenTitle, singleLine } from './product-text.js';
import { segmentTone } from './segment-tone.js';

/**
 * Default location of the fallback copy templates: `templates/copy/` at the repository root, found
 * upwards from this module so it works from src/, dist/ and any other build directory.
 */
export const DEFAULT_COPY_TEMPLATES_DIR = findUpwards(
  dirname(fileURLToPath(import.meta.url)),
  join('templates', 'copy'),
);

function findUpwards(from: string, relative: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, relative))) return join(dir, relative);
    if (dirname(dir) === dir) return join(from, '..', '..', relative); // reported when loading
  }
}

const TEMPLATE_NAMES = [
  'email-subject',
  'email-preheader',
  'email-body',
  'ad-headline',
  'ad-description',
] as const;
type TemplateName = (typeof TEMPLATE_NAMES)[number];
type CopyTemplates = Record<TemplateName, HandlebarsTemplateDelegate>;

/** Products the body lists; more would crowd a 120-word email. */
const BODY_PRODUCTS = 3;

export interface TemplateCopywriterOptions {
  /** Directory holding the five `.hbs` copy templates. */
  templatesDir?: string;
  /** ISO 4217 code for prices ("GBP" → "£12.75"); plain "12.75" when absent. */
  currency?: string;
  /** Why template copy is used, recorded on every result ("template", "model unavailable: ..."). */
  reason?: string;
}

const compiledByDir = new Map<string, CopyTemplates>();

/** Compiles the copy templates of a directory once per process. */
function loadTemplates(dir: string): CopyTemplates {
  const cached = compiledByDir.get(dir);
  if (cached) return cached;
  // An isolated instance; plain text, so no HTML escaping here: the email renderer escapes copy.
  const hbs = Handlebars.create();
  const templates = {} as CopyTemplates;
  for (const name of TEMPLATE_NAMES) {
    const file = join(dir, `${name}.hbs`);
    let source: string;
    try {
      source = readFileSync(file, 'utf8');
    } catch (error) {
      throw new Error(`copy template ${file} cannot be read: ${(error as Error).message}`);
    }
    try {
      templates[name] = hbs.compile(source, { noEscape: true, strict: false });
      hbs.precompile(source); // surfaces syntax errors now, with the file named, not at first use
    } catch (error) {
      throw new Error(`copy template ${file} is not valid Handlebars: ${(error as Error).message}`);
    }
  }
  compiledByDir.set(dir, templates);
  return templates;
}

interface TemplateContext {
  brand: string;
  firstName: string;
  tone: Record<string, boolean>;
  lead: string;
  others: string;
  products: { title: string; price: string }[];
}

/**
 * Deterministic copy from Handlebars text templates: the fallback whenever the model is off,
 * unavailable or its copy is rejected. Fields are fitted to COPY_LIMITS by shortening product
 * titles at word boundaries, never by cutting a word in half.
 */
export class TemplateCopywriter implements Copywriter {
  readonly name = 'template';
  private readonly templates: CopyTemplates;
  private readonly currency?: string;
  private readonly reason: string;

  constructor(options: TemplateCopywriterOptions = {}) {
    this.templates = loadTemplates(options.templatesDir ?? DEFAULT_COPY_TEMPLATES_DIR);
    this.currency = options.currency;
    this.reason = options.reason ?? 'template';
  }

  async write(requests: CopyRequest[]): Promise<CopyResult[]> {
    return requests.map((request) => this.writeOne(request));
  }

  /** Synchronous form for callers that fall back inside a batch (the LLM copywriter). */
  writeOne(request: CopyRequest, reason = this.reason): CopyResult {
    const copy = request.channel === 'email' ? this.email(request) : this.ad(request);
    return { key: request.key, channel: request.channel, copy, source: 'fallback', reason };
  }

  private email(request: CopyRequest): EmailCopy {
    const t = this.templates;
    const subject = this.fitLine(request, (c) => t['email-subject'](c), COPY_LIMITS.subject);
    const preheader = this.fitLine(request, (c) => t['email-preheader'](c), COPY_LIMITS.preheader);
    let body = '';
    for (let listed = BODY_PRODUCTS; listed >= 0; listed--) {
      const context = this.context(request, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, true, listed);
      body = tidyBody(t['email-body'](context));
      if (countWords(body) <= COPY_LIMITS.bodyWords) break;
    }
    return { subject, preheader, body: clipWords(body, COPY_LIMITS.bodyWords) };
  }

  private ad(request: CopyRequest): AdCopy {
    const t = this.templates;
    return {
      headline: this.fitLine(request, (c) => t['ad-headline'](c), COPY_LIMITS.adHeadline),
      description: this.fitLine(request, (c) => t['ad-description'](c), COPY_LIMITS.adDescription),
    };
  }

  /**
   * Renders a one-line field, shortening the second and then the lead product title (then dropping
   * the name) until it fits; a hard word-boundary clip is the last resort.
   */
  private fitLine(request: CopyRequest, render: (context: TemplateContext) => string, limit: number): string {
    const leadLengths = [Number.POSITIVE_INFINITY, 40, 30, 24, 18, 12];
    const otherLengths = [Number.POSITIVE_INFINITY, 24, 16, 0];
    let last = '';
    for (const withName of [true, false]) {
      for (const lead of leadLengths) {
        for (const other of otherLengths) {
          last = singleLine(render(this.context(request, lead, other, withName, BODY_PRODUCTS)));
          if (last.length <= limit) return last;
        }
      }
    }
    return clipChars(last, limit);
  }

  private context(
    request: CopyRequest,
    leadChars: number,
    otherChars: number,
    withName: boolean,
    listed: number,
  ): TemplateContext {
    const titles = request.products.map((p) => displayTitle(p.title)).filter((title) => title !== '');
    const tone = segmentTone(request.segment);
    return {
      brand: singleLine(request.brand.name),
      firstName: withName && request.customer ? singleLine(request.customer.firstName) : '',
      tone: { [tone]: true },
      lead: titles.length > 0 ? shortenTitle(titles[0], leadChars) : '',
      others: titles.length > 1 && otherChars > 0 ? shortenTitle(titles[1], otherChars) : '',
      products: request.products.slice(0, listed).map((p) => ({
        title: displayTitle(p.title),
        price: formatPrice(p.price, this.currency),
      })),
    };
  }
}

function tidyBody(text: string): string {
  return text
    .split('\n')
    .map((line) => line.replace(/[ \t]+/g, ' ').trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

function clipChars(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const cut = text.slice(0, limit + 1);
  const space = cut.lastIndexOf(' ');
  return (space > 0 ? cut.slice(0, space) : text.slice(0, limit)).replace(/[\s,;:&+-]+$/, '');
}

function clipWords(text: string, limit: number): string {
  const re = /\S+/g;
  let end = 0;
  for (let seen = 0, m = re.exec(text); m && seen < limit; m = re.exec(text), seen++)
    end = m.index + m[0].length;
  return text.slice(0, end);
}

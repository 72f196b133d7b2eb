import type { EmailCopy } from '../generation/copywriter.js';
import type { PreparedEmail } from './deliver-batch.js';
import { escapeHtmlValue, loadEmailTemplate, renderView } from './email-templates.js';
import { type CustomerView, customerView, emailView } from './email-view.js';
import { ByteSink, encodeQuotedPrintableBytes } from './mime-encoding.js';
import {
  type CustomerRenderInput,
  customerRenderInput,
  type EmailCampaign,
  escapePixelUrl,
  type MailCustomer,
  type MailProduct,
  preparedEmail,
  prepareEmailFrom,
  withOpenPixel,
} from './prepare-email.js';

/**
 * Mail plans: a chunk's mails rendered once per copy and "shape" instead of once per customer.
 *
 * Most of a marketing mail is the same for every customer who gets the same copy: only the first
 * name, the product cards' title, price and link, the unsubscribe link and the open pixel differ.
 * A plan renders the template once with a marker in place of each of those values, keeps the
 * HTML and text bodies as quoted-printable bytes for every line without a marker, and for each
 * customer fills in the markers (escaped as Handlebars would) and encodes only the lines that
 * hold them. This made render + MIME about 5 times cheaper (bench:campaign's dispatch stage).
 *
 * The result is the same message, byte for byte, as rendering in full (prepareEmail):
 * - the shape (which values are empty, how many product cards) is part of the plan's key, so
 *   `{{#if}}` and `{{#each}}` take the same branches;
 * - a value is filled in only when it has no whitespace at its ends and no run of whitespace,
 *   so the template's whitespace tidying (subject, text) cannot act differently on it; any
 *   other customer is rendered in full;
 * - a template that calls `lookup` (a value could pick what is shown) is never planned;
 * - the first mail of every plan is also rendered in full and compared: a plan that does not give
 *   the same bytes is dropped, that shape's mails are rendered in full, with one process warning.
 */

/** Slots: 0 first name, 1 unsubscribe link, 2 open pixel, 3 + 3i (+1, +2) product i's title (price, link). */
const FIRST_NAME = 0;
const UNSUBSCRIBE = 1;
const PIXEL = 2;
const PRODUCT = 3;

const MARK = '\u0000'; // never in a view value: emailView strips control characters
const marker = (slot: number) => `${MARK}${slot}${MARK}`;
// One line of non-space characters with single spaces inside: tidying cannot change it.
// biome-ignore lint/suspicious/noControlCharactersInRegex: the marker character must not be in a value
const FILLABLE = /^[^\s\u0000]+(?: [^\s\u0000]+)*$/;
// A lone surrogate could pair with its neighbour in a full render, not in a plan's pieces.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const CRLF = Buffer.from('\r\n', 'latin1');

/** A literal piece of text, or the number of the slot whose value goes there. */
type Piece = string | number;

/**
 * A literal piece of a body line, quoted-printable from a given column. Soft line breaks depend
 * on the column a piece starts at (after a value of some length), so its bytes are kept per
 * starting column: at most 76 versions, usually a handful.
 */
class LiteralPiece {
  private readonly byColumn: ({ bytes: Buffer; width: number } | undefined)[] = [];

  constructor(
    readonly text: string,
    /** Last on its line: trailing whitespace is escaped. Otherwise a value (no leading space) follows. */
    private readonly endsLine: boolean,
  ) {}

  write(sink: ByteSink, width: number): number {
    let encoded = this.byColumn[width];
    if (!encoded) {
      const end = scratch.quotedPrintable(this.text, width, this.endsLine);
      encoded = { bytes: scratch.take(), width: end };
      this.byColumn[width] = encoded;
    }
    sink.bytes(encoded.bytes);
    return encoded.width;
  }
}
const scratch = new ByteSink(4096);

/** A body, line by line: runs of lines without a slot encoded once, the others piece by piece. */
type BodyBlock = Buffer | { pieces: (LiteralPiece | number)[]; crlf: boolean };

interface MailPlan {
  subject: Piece[];
  text: BodyBlock[];
  html: BodyBlock[];
}

/** The plans of one campaign and copy, by shape (null: that shape renders in full). */
type PlansByShape = Map<string, MailPlan | null>;

/**
 * Plans outlive a chunk: a worker process sends many chunks of the same campaign and copy. Keyed
 * by everything a plan depends on (campaign text and settings, the copy); the least recently
 * used go first.
 */
const sharedPlans = new Map<string, PlansByShape>();
const SHARED_PLANS_MAX = 256;

function plansFor(campaign: EmailCampaign, copy: EmailCopy): PlansByShape {
  const key = JSON.stringify([
    campaign.campaignId,
    campaign.template,
    campaign.templatesDir ?? '',
    campaign.sender,
    campaign.brand,
    campaign.currency ?? '',
    campaign.productCards ?? 3,
    campaign.openPixelUrlFor !== undefined,
    copy,
  ]);
  let plans = sharedPlans.get(key);
  if (plans)
    sharedPlans.delete(key); // re-inserted below: most recently used last
  else {
    plans = new Map();
    if (sharedPlans.size >= SHARED_PLANS_MAX) sharedPlans.delete(sharedPlans.keys().next().value as string);
  }
  sharedPlans.set(key, plans);
  return plans;
}

export class MailPlanner {
  /** Plans by copy (this planner's look-up of the shared ones) and shape. */
  private readonly plans = new Map<EmailCopy, PlansByShape>();
  private static warned = new Set<string>();
  /** Whether the template can be planned at all (it does not look values up by name). */
  private readonly plannable: boolean;
  /** Mails filled in from a plan, mails rendered in full, plans made, shapes that got none. */
  readonly stats = { planned: 0, full: 0, plans: 0, unplannable: 0 };

  constructor(
    private readonly campaign: EmailCampaign,
    private readonly date: Date,
  ) {
    this.plannable = !loadEmailTemplate(campaign.template, campaign.templatesDir).looksUpByValue;
  }

  /** One customer's mail, through a plan where it can. Throws as prepareEmail does. */
  prepare(customer: MailCustomer, copy: EmailCopy, products: readonly MailProduct[]): PreparedEmail {
    const input = customerRenderInput(this.campaign, customer, copy, products);
    const view = customerView(input.context);
    const values = this.plannable ? slotValues(view, input.openPixelUrl) : null;
    if (!values) return this.full(customer, input);
    const shape = shapeOf(values, view.products.length);
    let byShape = this.plans.get(copy);
    if (!byShape) {
      byShape = plansFor(this.campaign, copy);
      this.plans.set(copy, byShape);
    }
    const plan = byShape.get(shape);
    if (plan === null) return this.full(customer, input);
    if (plan !== undefined) {
      this.stats.planned++;
      return this.fill(plan, customer, values);
    }

    // First mail of this shape: make the plan and check it against a full render.
    const full = this.full(customer, input);
    const made = this.makePlan(input, values, view.products.length);
    const planned = made ? this.fill(made, customer, values) : null;
    const same = planned?.message.raw.equals(full.message.raw) === true;
    byShape.set(shape, same ? made : null);
    if (same) this.stats.plans++;
    else {
      this.stats.unplannable++;
      this.warnOnce();
    }
    return full;
  }

  private full(customer: MailCustomer, input: CustomerRenderInput): PreparedEmail {
    this.stats.full++;
    return prepareEmailFrom(this.campaign, customer, input, this.date);
  }

  private makePlan(
    input: CustomerRenderInput,
    values: (string | undefined)[],
    products: number,
  ): MailPlan | null {
    const view = emailView(input.context);
    view.firstName = values[FIRST_NAME] ? marker(FIRST_NAME) : '';
    view.unsubscribeUrl = marker(UNSUBSCRIBE);
    for (let i = 0; i < products; i++) {
      const slot = PRODUCT + 3 * i;
      view.products[i] = {
        title: values[slot] ? marker(slot) : '',
        price: values[slot + 1] ? marker(slot + 1) : '',
        url: values[slot + 2] ? marker(slot + 2) : '',
      };
    }
    const rendered = renderView(this.campaign.template, view, { templatesDir: this.campaign.templatesDir });
    if (input.openPixelUrl !== undefined) {
      rendered.html = withOpenPixel(rendered.html, values[PIXEL] ? marker(PIXEL) : '');
    }
    const subject = piecesOf(rendered.subject);
    const text = bodyBlocks(rendered.text);
    const html = bodyBlocks(rendered.html);
    return subject && text && html ? { subject, text, html } : null;
  }

  private fill(plan: MailPlan, customer: MailCustomer, values: (string | undefined)[]): PreparedEmail {
    const html = values.map((value, slot) =>
      value === undefined ? value : slot === PIXEL ? escapePixelUrl(value) : escapeHtmlValue(value),
    );
    const rendered = {
      subject: join(plan.subject, values),
      text: (sink: ByteSink) => writeBody(sink, plan.text, values),
      html: (sink: ByteSink) => writeBody(sink, plan.html, html),
    };
    // The view's link: parseWebUrl's href of the customer's link (customerView), checked there.
    const unsubscribe = { url: values[UNSUBSCRIBE] as string, checked: true };
    return preparedEmail(this.campaign, customer, rendered, unsubscribe, this.date);
  }

  private warnOnce(): void {
    const name = this.campaign.template;
    if (MailPlanner.warned.has(name)) return;
    MailPlanner.warned.add(name);
    process.emitWarning(
      `email template "${name}" uses a customer's values beyond showing them; its mails are rendered in full, one by one (slower)`,
      { code: 'TAILOR_MAIL_PLAN' },
    );
  }
}

/**
 * Each slot's value ('' when empty, undefined when the mail has no such slot), or null when a
 * value cannot be filled in safely (the customer is rendered in full).
 */
function slotValues(view: CustomerView, pixel: string | undefined): (string | undefined)[] | null {
  const values: (string | undefined)[] = [view.firstName, view.unsubscribeUrl, pixel];
  for (const product of view.products) values.push(product.title, product.price, product.url);
  if (!view.unsubscribeUrl) return null; // emailView refuses it: the full render says why
  for (const value of values) {
    if (value !== undefined && value !== '' && (!FILLABLE.test(value) || LONE_SURROGATE.test(value)))
      return null;
  }
  return values;
}

/** Which values are there: the template may branch on that, and on the number of products. */
function shapeOf(values: (string | undefined)[], products: number): string {
  let shape = `${products}:`;
  for (const value of values) shape += value === undefined ? '-' : value === '' ? '0' : '1';
  return shape;
}

/** A rendered string split at its markers; null if it holds a stray marker character. */
function piecesOf(text: string): Piece[] | null {
  const parts = text.split(MARK);
  if (parts.length % 2 === 0) return null;
  const pieces: Piece[] = [];
  for (let i = 0; i < parts.length; i++) {
    if (i % 2 === 0) {
      if (parts[i] !== '') pieces.push(parts[i]);
    } else {
      if (!/^\d+$/.test(parts[i])) return null;
      pieces.push(Number(parts[i]));
    }
  }
  return pieces;
}

/**
 * A body as blocks. Quoted-printable restarts at every hard line break, so encoding line by
 * line (lines joined by CRLF) gives exactly the bytes of encoding the whole body at once.
 */
function bodyBlocks(body: string): BodyBlock[] | null {
  const lines = body.split(/\r\n|\r|\n/);
  const blocks: BodyBlock[] = [];
  let fixed: string[] = [];
  const flush = (more: boolean) => {
    if (fixed.length === 0) return;
    const bytes = encodeQuotedPrintableBytes(fixed.join('\n'));
    blocks.push(more ? Buffer.concat([bytes, CRLF]) : bytes);
    fixed = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const last = i === lines.length - 1;
    if (!lines[i].includes(MARK)) {
      fixed.push(lines[i]);
      continue;
    }
    flush(true);
    const pieces = piecesOf(lines[i]);
    if (!pieces) return null;
    blocks.push({
      pieces: pieces.map((piece, j) =>
        typeof piece === 'number' ? piece : new LiteralPiece(piece, j === pieces.length - 1),
      ),
      crlf: !last,
    });
  }
  flush(false);
  return blocks;
}

function join(pieces: readonly Piece[], values: readonly (string | undefined)[]): string {
  let out = '';
  for (const piece of pieces) out += typeof piece === 'string' ? piece : (values[piece] ?? '');
  return out;
}

/** A planned body with the customer's values (already escaped for the part) filled in. */
function writeBody(
  sink: ByteSink,
  blocks: readonly BodyBlock[],
  values: readonly (string | undefined)[],
): void {
  for (const block of blocks) {
    if (Buffer.isBuffer(block)) {
      sink.bytes(block);
      continue;
    }
    let width = 0;
    const { pieces } = block;
    for (let j = 0; j < pieces.length; j++) {
      const piece = pieces[j];
      width =
        typeof piece === 'number'
          ? sink.quotedPrintable(values[piece] ?? '', width, j === pieces.length - 1)
          : piece.write(sink, width);
    }
    if (block.crlf) sink.bytes(CRLF);
  }
}

import { readFileSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import Handlebars from 'handlebars';
import { projectRoot } from '../config/paths.js';
import { type EmailRenderContext, type EmailView, emailView } from './email-view.js';

/** `templates/email/` of the installation: one directory per template. */
export const DEFAULT_EMAIL_TEMPLATES_DIR = join(projectRoot, 'templates', 'email');

/** A template name is a directory name and nothing else: it can never leave the templates dir. */
export const TEMPLATE_NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;

const PARTS = ['subject', 'html', 'text'] as const;
type Part = (typeof PARTS)[number];

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

export class EmailTemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EmailTemplateError';
  }
}

type CompiledEmailTemplate = Record<Part, HandlebarsTemplateDelegate<EmailView>> & {
  /** The template calls `lookup`: a value may pick what is shown (mail-plan.ts then renders in full). */
  looksUpByValue: boolean;
};

// An isolated Handlebars instance: no helper or partial registered elsewhere reaches these.
const hbs = Handlebars.create();
const compiled = new Map<string, CompiledEmailTemplate>();

/** Compiles (once per process and directory) the three parts of an email template. */
export function loadEmailTemplate(
  name: string,
  templatesDir = DEFAULT_EMAIL_TEMPLATES_DIR,
): CompiledEmailTemplate {
  const cacheKey = `${templatesDir}\0${name}`;
  const cached = compiled.get(cacheKey);
  if (cached) return cached;
  if (typeof name !== 'string' || !TEMPLATE_NAME_PATTERN.test(name)) {
    throw new EmailTemplateError(
      `email template name ${JSON.stringify(String(name)).slice(0, 80)} is not allowed: use lower-case letters, digits and '-' (at most 64)`,
    );
  }
  const root = resolve(templatesDir);
  const dir = resolve(root, name);
  if (!dir.startsWith(root + sep)) throw new EmailTemplateError(`email template ${name} is outside ${root}`);
  const template = { looksUpByValue: false } as CompiledEmailTemplate;
  for (const part of PARTS) {
    const file = join(dir, `${part}.hbs`);
    let source: string;
    try {
      source = readFileSync(file, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new EmailTemplateError(
        code === 'ENOENT'
          ? `email template "${name}" not found: ${file} is missing (a template needs subject.hbs, html.hbs and text.hbs in ${dir})`
          : `email template "${name}": cannot read ${file}: ${(error as Error).message}`,
      );
    }
    if (part === 'html') refuseUnescapedOutput(source, file);
    try {
      hbs.precompile(source); // syntax errors now, with the file named, rather than at first render
    } catch (error) {
      throw new EmailTemplateError(
        `email template ${file} is not valid Handlebars: ${(error as Error).message}`,
      );
    }
    if (usesLookup(hbs.parse(source))) template.looksUpByValue = true;
    // HTML escapes every value; subject and text are plain text and must not gain entities.
    template[part] = hbs.compile<EmailView>(source, { strict: true, noEscape: part !== 'html' });
  }
  compiled.set(cacheKey, template);
  return template;
}

/** Whether a parsed template names the `lookup` helper anywhere (conservative: any path `lookup`). */
function usesLookup(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(usesLookup);
  if (node === null || typeof node !== 'object') return false;
  const record = node as Record<string, unknown>;
  if (record.type === 'PathExpression' && (record.parts as unknown[])?.[0] === 'lookup') return true;
  return Object.entries(record).some(([key, value]) => key !== 'loc' && usesLookup(value));
}

/** Copy, customer and product text must never reach HTML unescaped: no `{{{x}}}` or `{{&x}}`. */
function refuseUnescapedOutput(source: string, file: string): void {
  const match = /\{\{~?\s*(?:\{|&)/.exec(source);
  if (!match) return;
  const line = source.slice(0, match.index).split('\n').length;
  throw new EmailTemplateError(
    `email template ${file} line ${line} uses unescaped output (${match[0]}...): write {{value}} so text is escaped`,
  );
}

/** Renders an email template with a context of plain text; the HTML part has every value escaped. */
export function renderEmail(
  name: string,
  context: EmailRenderContext,
  options: { templatesDir?: string } = {},
): RenderedEmail {
  return renderView(name, emailView(context), options);
}

/** Renders an email template with a view built by emailView (or derived from one). */
export function renderView(
  name: string,
  view: EmailView,
  options: { templatesDir?: string } = {},
): RenderedEmail {
  const template = loadEmailTemplate(name, options.templatesDir);
  try {
    return {
      subject: template.subject(view).replace(/\s+/g, ' ').trim(),
      html: template.html(view),
      text: tidyText(template.text(view)),
    };
  } catch (error) {
    throw new EmailTemplateError(`email template "${name}" failed to render: ${(error as Error).message}`);
  }
}

function tidyText(text: string): string {
  return `${text
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim()}\n`;
}

/** A value as Handlebars writes `{{value}}` into the HTML part. */
export function escapeHtmlValue(value: string): string {
  return hbs.escapeExpression(value);
}

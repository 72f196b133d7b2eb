import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { EmailTemplateError, loadEmailTemplate, renderEmail } from '../../src/dispatch/email-templates.js';
import type { EmailRenderContext } from '../../src/dispatch/email-view.js';
import { MessageInputError } from '../../src/dispatch/header-safety.js';
import { tempDir } from './support.js';

const context: EmailRenderContext = {
  brand: {
    name: "Rosie's Homeware",
    postalAddress: '1 High Street, Bristol',
    websiteUrl: 'https://rosies.example.com',
  },
  customer: { firstName: 'Ann' },
  copy: {
    subject: 'Picked for you',
    preheader: 'New favourites inside',
    body: 'Hi Ann,\n\nWe picked a few things:\n\n- Heart (£2.95)\n- Cakestand (£12.75)\n\nTake a look.\n\nRosie',
  },
  products: [
    { title: 'White Hanging Heart', price: '£2.95', url: 'https://rosies.example.com/p/1' },
    { title: 'Regency Cakestand', price: '£12.75', url: 'https://rosies.example.com/p/2' },
    { title: 'Jumbo Bag', price: '£2.08', url: 'https://rosies.example.com/p/3' },
  ],
  unsubscribeUrl: 'https://rosies.example.com/u?c=spring&u=C1',
};

const HOSTILE =
  '<script>alert(1)</script> {{brand.name}} {{{x}}} "quoted" \'single\' & `tick` =\r\nX-Header: 1';

const scratch = tempDir('templates');
afterAll(() => scratch.remove());

function writeTemplate(name: string, parts: { subject?: string; html?: string; text?: string }): string {
  const dir = join(scratch.path, name);
  mkdirSync(dir, { recursive: true });
  for (const [part, source] of Object.entries(parts)) writeFileSync(join(dir, `${part}.hbs`), source);
  return scratch.path;
}

describe('renderEmail with the default template', () => {
  it('renders greeting, body, three product cards, unsubscribe link and postal line', () => {
    const email = renderEmail('default', context);
    expect(email.subject).toBe('Picked for you');
    expect(email.html).toContain('<title>Picked for you</title>');
    expect(email.html).toContain('New favourites inside');
    expect(email.html).toContain('Hi Ann,');
    expect(email.html.match(/Hi Ann,/g)).toHaveLength(1); // the copy's own greeting is not repeated
    expect(email.html).toContain('<li style="margin:0 0 4px;">Heart (£2.95)</li>');
    expect(email.html.match(/class="card"/g)).toHaveLength(3);
    expect(email.html).toContain('href="https://rosies.example.com/p/2"');
    expect(email.html).toContain('Unsubscribe</a>');
    expect(email.html).toContain('href="https://rosies.example.com/u?c&#x3D;spring&amp;u&#x3D;C1"');
    expect(email.html).toContain('1 High Street, Bristol');
    expect(email.text).toContain(
      'Hi Ann,\n\nWe picked a few things:\n\n- Heart (£2.95)\n- Cakestand (£12.75)',
    );
    expect(email.text).toContain('Regency Cakestand - £12.75\nhttps://rosies.example.com/p/2');
    expect(email.text).toContain('Unsubscribe: https://rosies.example.com/u?c=spring&u=C1');
    expect(email.text).toContain('1 High Street, Bristol');
    expect(email.text).not.toMatch(/\n{3,}/);
  });

  it('greets without a name when there is none', () => {
    const email = renderEmail('default', { ...context, customer: { firstName: '' } });
    expect(email.html).toContain('Hello,');
    expect(email.text.startsWith('Hello,\n')).toBe(true);
  });

  it('escapes script tags, braces and quotes from copy, customer and product text in HTML', () => {
    const email = renderEmail('default', {
      brand: { name: HOSTILE, postalAddress: HOSTILE },
      customer: { firstName: HOSTILE },
      copy: { subject: HOSTILE, preheader: HOSTILE, body: `${HOSTILE}\n\n- ${HOSTILE}` },
      products: [{ title: HOSTILE, price: HOSTILE, url: 'https://rosies.example.com/p/"><script>' }],
      unsubscribeUrl: context.unsubscribeUrl,
    });
    expect(email.html).not.toContain('<script>');
    expect(email.html).not.toContain('"quoted"');
    expect(email.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(email.html).toContain('{{brand.name}} {{{x}}}'); // data is never evaluated as a template
    expect(email.html).not.toContain('\r'); // a CR/LF in copy is a <br> in HTML, never raw
    expect(email.html).toContain('&#x3D;<br>X-Header: 1</p>');
    expect(email.html).toContain('href="https://rosies.example.com/p/%22%3E%3Cscript%3E"');
    // the plain parts stay plain: no entities, and no line breaks in the subject
    expect(email.subject).toBe(
      '<script>alert(1)</script> {{brand.name}} {{{x}}} "quoted" \'single\' & `tick` = X-Header: 1',
    );
    expect(email.text).toContain('<script>alert(1)</script> {{brand.name}}');
    expect(email.text).not.toContain('&lt;');
  });

  it('drops links that are not http(s) and refuses a bad unsubscribe URL', () => {
    const email = renderEmail('default', {
      ...context,
      brand: { ...context.brand, websiteUrl: 'javascript:alert(1)' },
      products: [
        { title: 'A', price: '£1', url: 'javascript:alert(1)' },
        { title: 'B', price: '£1', url: 'data:text/html,<script>' },
      ],
    });
    expect(email.html).not.toMatch(/javascript:|data:text/);
    expect(email.html.match(/>View</g)).toBeNull();
    expect(() => renderEmail('default', { ...context, unsubscribeUrl: 'javascript:alert(1)' })).toThrow(
      MessageInputError,
    );
  });

  it('keeps every value escaped for any text (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 80 }),
        fc.string({ maxLength: 200 }),
        (word, body) => {
          const email = renderEmail('default', {
            brand: { name: word, postalAddress: word },
            customer: { firstName: word },
            copy: { subject: word, preheader: word, body: `${body}\n\n${word}` },
            products: [{ title: word, price: word, url: `https://x.example/${word}` }],
            unsubscribeUrl: context.unsubscribeUrl,
          });
          // Nothing from the data can open a tag or leave an attribute value: every '<' starts one of
          // the template's own tags, and every '"' belongs to one of its attributes.
          expect(email.html).not.toMatch(
            /<(?!\/?(?:!DOCTYPE|html|head|meta|title|style|body|div|table|tr|td|p|ul|li|a|br)[\s>])/,
          );
          expect(email.html.replace(/\s[a-z-]+="[^"<>]*"/g, '')).not.toContain('"');
          expect(email.subject).not.toMatch(/[\r\n]/);
          expect(email.html).not.toMatch(/<script/i);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('template registry', () => {
  it('refuses names that could leave the templates directory', () => {
    for (const name of [
      '../default',
      'default/../x',
      '/etc',
      'Default',
      '.hidden',
      '',
      'a'.repeat(65),
      'a b',
    ]) {
      expect(() => loadEmailTemplate(name), name).toThrow(/is not allowed/);
    }
  });

  it('names a missing template and its expected files', () => {
    expect(() => renderEmail('no-such-template', context)).toThrow(
      /email template "no-such-template" not found: .*no-such-template\/subject\.hbs is missing/,
    );
    const dir = writeTemplate('half', { subject: '{{subject}}', html: '<p>{{firstName}}</p>' });
    expect(() => loadEmailTemplate('half', dir)).toThrow(/half\/text\.hbs is missing/);
  });

  it('refuses triple-stash and {{& in HTML, naming the file and line', () => {
    const dir = writeTemplate('unsafe', {
      subject: '{{subject}}',
      html: '<p>\n{{{firstName}}}</p>',
      text: '{{firstName}}',
    });
    expect(() => loadEmailTemplate('unsafe', dir)).toThrow(/unsafe\/html\.hbs line 2 uses unescaped output/);
    const amp = writeTemplate('amp', { subject: '{{subject}}', html: '<p>{{& firstName}}</p>', text: 'x' });
    expect(() => loadEmailTemplate('amp', amp)).toThrow(EmailTemplateError);
  });

  it('reports a syntax error with the file, and a misspelt field at render time', () => {
    const broken = writeTemplate('broken', {
      subject: '{{subject}}',
      html: '<p>{{#if firstName}}</p>',
      text: 'x',
    });
    expect(() => loadEmailTemplate('broken', broken)).toThrow(/broken\/html\.hbs is not valid Handlebars/);
    const typo = writeTemplate('typo', { subject: '{{subjcet}}', html: '<p>{{firstName}}</p>', text: 'x' });
    expect(() => renderEmail('typo', context, { templatesDir: typo })).toThrow(/"subjcet" not defined/);
  });

  it('compiles a template once per process', () => {
    expect(loadEmailTemplate('default')).toBe(loadEmailTemplate('default'));
  });
});

import { z } from 'zod';
import { quoteValue } from './data-errors.js';
import { isTimeZone, parseTimestamp } from './timestamps.js';

/**
 * The generic input schema (documented in SCHEMA.md). CSV values arrive as strings and JSON
 * Lines values as JSON, so every field accepts both spellings. Each error names its field.
 */

export const CUSTOMER_COLUMNS = ['id', 'email', 'first_name', 'country', 'timezone', 'consent'] as const;
export const CUSTOMER_OPTIONAL_COLUMNS = ['profiling_objection'] as const;
export const PRODUCT_COLUMNS = ['id', 'title', 'description', 'category', 'price', 'url'] as const;
export const ORDER_COLUMNS = [
  'order_id',
  'customer_id',
  'product_id',
  'quantity',
  'unit_price',
  'ordered_at',
] as const;

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const TRUE_WORDS = new Set(['true', '1', 'yes', 'y', 't']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'n', 'f']);
// biome-ignore lint/suspicious/noControlCharactersInRegex: ids must not hold control characters
const CONTROL = /[\u0000-\u001f\u007f]/;

function describe(input: unknown): string {
  return input === undefined ? 'is missing' : `got ${quoteValue(input)}`;
}

/** An identifier: non-empty, at most 256 characters, no control characters; JSON numbers allowed. */
export const idField = z.preprocess(
  (value) => (typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : value),
  z
    .string({ error: (issue) => `must be a text id, ${describe(issue.input)}` })
    .trim()
    .min(1, { error: 'is empty' })
    .max(256, { error: 'is longer than 256 characters' })
    .refine((value) => !CONTROL.test(value), { error: 'holds a control character' }),
);

/** Free text that may be empty. */
export function textField(max: number) {
  return z
    .string({ error: (issue) => `must be text, ${describe(issue.input)}` })
    .trim()
    .max(max, { error: `is longer than ${max} characters` });
}

/** A decimal number written as text (`2.55`, `-1e3`) or a JSON number. */
export const numberField = z.preprocess(
  (value) => (typeof value === 'string' && DECIMAL.test(value.trim()) ? Number(value) : value),
  z.number({ error: (issue) => `must be a number, ${describe(issue.input)}` }).finite(),
);

/** true/false, 1/0, yes/no, y/n, t/f (any case) or a JSON boolean. */
export const booleanField = z.preprocess(
  (value) => {
    const word =
      typeof value === 'string'
        ? value.trim().toLowerCase()
        : typeof value === 'number'
          ? String(value)
          : value;
    if (typeof word !== 'string') return word;
    return TRUE_WORDS.has(word) ? true : FALSE_WORDS.has(word) ? false : value;
  },
  z.boolean({ error: (issue) => `must be true or false, ${describe(issue.input)}` }),
);

const timezoneField = textField(64).refine((zone) => zone === '' || isTimeZone(zone), {
  error: (issue) => `is not an IANA time zone such as Europe/London, got ${quoteValue(issue.input)}`,
});

const urlField = textField(2000).refine((url) => url === '' || /^https?:\/\/[^\s/]+/i.test(url), {
  error: 'must be an http(s) URL or empty',
});

const emailField = z
  .string({ error: (issue) => `must be an email address, ${describe(issue.input)}` })
  .trim()
  .max(320, { error: 'is longer than 320 characters' })
  .pipe(z.email({ error: (issue) => `is not a valid email address: ${quoteValue(issue.input)}` }));

export const customerRowSchema = z.object({
  id: idField,
  email: emailField,
  first_name: textField(200),
  country: textField(100),
  timezone: timezoneField,
  consent: booleanField,
  profiling_objection: z.preprocess(
    (value) => (value === undefined || value === '' ? false : value),
    booleanField,
  ),
});
export type CustomerRow = z.infer<typeof customerRowSchema>;

export const productRowSchema = z.object({
  id: idField,
  title: textField(500).min(1, { error: 'is empty' }),
  description: textField(20_000),
  category: textField(200),
  price: numberField.refine((price) => price >= 0, { error: 'must not be negative' }),
  url: urlField,
});
export type ProductRow = z.infer<typeof productRowSchema>;

/** Orders depend on the zone that times without an offset are read in. */
export function orderRowSchema(naiveTimeZone: string) {
  return z.object({
    order_id: idField,
    customer_id: idField,
    product_id: idField,
    quantity: numberField.refine((quantity) => quantity > 0, { error: 'must be greater than 0' }),
    unit_price: numberField.refine((price) => price >= 0, { error: 'must not be negative' }),
    ordered_at: z
      .string({ error: (issue) => `must be a timestamp, ${describe(issue.input)}` })
      .transform((text, context) => {
        const time = parseTimestamp(text, naiveTimeZone);
        if (time === null) {
          context.issues.push({
            code: 'custom',
            input: text,
            message: `must be ISO 8601 or YYYY-MM-DD HH:MM:SS, got ${quoteValue(text)}`,
          });
          return z.NEVER;
        }
        return time;
      }),
  });
}
export type OrderRow = z.infer<ReturnType<typeof orderRowSchema>>;

/** `field: problem; field: problem` — the reason text of a rejected row. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')} ${issue.message}` : issue.message))
    .join('; ');
}

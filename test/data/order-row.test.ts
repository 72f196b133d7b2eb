import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { orderRowSchema } from '../../src/data/generic-schema.js';
import { OrderRowValidator } from '../../src/data/order-row.js';

const pieces = [
  '',
  ' ',
  '0',
  '1',
  '2.5',
  '.5',
  '7.',
  '-1',
  '1e3',
  'x',
  'é',
  '\u00a0',
  '\t',
  '2024-01-05 10:00:00',
  'T',
  ':',
];
const value = fc.oneof(
  fc.array(fc.constantFrom(...pieces), { maxLength: 4 }).map((parts) => parts.join('')),
  fc.string({ maxLength: 6 }),
  fc.integer({ min: -5, max: 5 }),
  fc.constant(undefined),
);

/** Plain valid spellings most of the time, then odd ones (valid or not), then random noise. */
function mostly(plain: string[], odd: string[]) {
  return fc.oneof(
    { arbitrary: fc.constantFrom(...plain), weight: 8 },
    { arbitrary: fc.constantFrom(...odd), weight: 2 },
    { arbitrary: value, weight: 1 },
  );
}

describe('OrderRowValidator', () => {
  it('fast path accepts exactly what the zod schema accepts, with the same values', () => {
    const validator = new OrderRowValidator('Europe/London');
    const schema = orderRowSchema('Europe/London');
    let fastAccepted = 0;
    let zodOnly = 0;
    fc.assert(
      fc.property(
        fc.record({
          order_id: mostly(['o1', 'A 1', '536365'], [' o2', 'o3\u00a0', 'x\ty']),
          customer_id: mostly(['c1', '17850'], [' c2 ', '\u00a0c3', 'é']),
          product_id: mostly(['p1', '85123A', 'p 2'], ['p3 ', '']),
          quantity: mostly(['1', '2.5', '.5', '7.'], ['0', '-1', ' 3', '1e3', '3 ', '1.2.3', '0.0']),
          unit_price: mostly(['0', '2.55', '10'], ['-0.5', ' 1', '+2', '1E-2']),
          ordered_at: mostly(
            ['2024-01-05 10:00:00', '2024-07-05T10:00:00'],
            ['2024-02-30 10:00:00', ' 2024-01-05 10:00:00', '2024-01-05'],
          ),
        }),
        (row) => {
          const fast = validator.parseFast(row);
          const reference = schema.safeParse(row);
          if (fast !== null) expect(reference.success && reference.data).toEqual(fast);
          if (fast !== null) fastAccepted++;
          else if (reference.success) zodOnly++;
          const parsed = validator.parse(row);
          if (reference.success) expect(parsed).toEqual(reference.data);
          else expect(typeof parsed).toBe('string');
        },
      ),
      { numRuns: 3000 },
    );
    // Both paths must have been exercised for the comparison to mean something.
    expect(fastAccepted).toBeGreaterThan(300);
    expect(zodOnly).toBeGreaterThan(30);
  });

  it('names every bad field', () => {
    const validator = new OrderRowValidator('UTC');
    const reason = validator.parse({
      order_id: 'o1',
      customer_id: '',
      product_id: 'p1',
      quantity: 'two',
      unit_price: '-1',
      ordered_at: '2024-02-30',
    });
    expect(reason).toBe(
      'customer_id is empty; quantity must be a number, got "two"; unit_price must not be negative; ' +
        'ordered_at must be ISO 8601 or YYYY-MM-DD HH:MM:SS, got "2024-02-30"',
    );
  });
});

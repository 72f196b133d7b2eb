import { describe, expect, it } from 'vitest';
import { RecurringMemo } from '../../src/util/recurring-memo.js';

describe('RecurringMemo', () => {
  it('keeps a value from its second sighting and answers it without computing again', () => {
    const calls: string[] = [];
    const memo = new RecurringMemo((key: string) => {
      calls.push(key);
      return key.toUpperCase();
    });
    expect(memo.get('a')).toBe('A');
    expect(memo.get('a')).toBe('A');
    expect(memo.get('a')).toBe('A');
    expect(calls).toEqual(['a', 'a']);
  });

  it('does not keep values seen once, and stays within its bounds', () => {
    let computed = 0;
    const memo = new RecurringMemo(
      (key: string) => {
        computed++;
        return key.length;
      },
      4,
      8,
    );
    for (let i = 0; i < 100; i++) expect(memo.get(`once-${i}`)).toBe(`once-${i}`.length);
    expect(computed).toBe(100);
    // Recurring keys are kept once seen twice (a clear of the seen-once set may cost one more try).
    for (let round = 0; round < 3; round++) for (const key of ['p', 'q', 'r']) expect(memo.get(key)).toBe(1);
    expect(computed).toBeLessThanOrEqual(100 + 9);
    const settled = computed;
    for (let round = 0; round < 5; round++) for (const key of ['p', 'q', 'r']) expect(memo.get(key)).toBe(1);
    expect(computed).toBe(settled);
    // More recurring keys than maxKept: the memo starts over, answers stay right.
    for (let round = 0; round < 3; round++)
      for (const key of ['k1', 'k2', 'k3', 'k4', 'k5']) expect(memo.get(key)).toBe(2);
  });
});

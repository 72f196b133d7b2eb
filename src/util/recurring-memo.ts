/**
 * A memo for a pure function of a string that is called both with values that recur (catalogue
 * links, common mail domains) and with values seen once (a customer's signed link). A value is
 * kept only from its second sighting: values seen once stay in a small, often-cleared set and die
 * young, instead of filling the memo and being copied by every garbage collection until evicted.
 */
export class RecurringMemo<V> {
  private readonly kept = new Map<string, V>();
  private seenOnce = new Set<string>();

  constructor(
    private readonly compute: (key: string) => V,
    private readonly maxKept = 10_000,
    private readonly maxSeenOnce = 1_024,
  ) {}

  get(key: string): V {
    const known = this.kept.get(key);
    if (known !== undefined) return known;
    const value = this.compute(key);
    if (this.seenOnce.has(key)) {
      if (this.kept.size >= this.maxKept) this.kept.clear();
      this.kept.set(key, value);
    } else {
      if (this.seenOnce.size >= this.maxSeenOnce) this.seenOnce = new Set();
      this.seenOnce.add(key);
    }
    return value;
  }
}

/**
 * Dense indices for string ids (customers, products), in order of first sight. The only
 * per-entity structure that is not a typed array: a Map entry plus the id string, about
 * 80–100 bytes per id for short ids, so 1M customers cost about 100 MB.
 */
export class IdIndex {
  private readonly indices = new Map<string, number>();
  readonly ids: string[] = [];

  get size(): number {
    return this.ids.length;
  }

  /** Index of `id`, or -1. */
  indexOf(id: string): number {
    return this.indices.get(id) ?? -1;
  }

  /** Index of `id`, adding it when new. */
  add(id: string): number {
    let index = this.indices.get(id);
    if (index === undefined) {
      index = this.ids.length;
      this.indices.set(id, index);
      this.ids.push(id);
    }
    return index;
  }
}

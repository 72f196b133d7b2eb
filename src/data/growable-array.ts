/**
 * A typed array that grows by doubling: compact per-customer and per-product state (8 bytes a
 * Float64 value instead of ~16+ for a boxed number in a JS array, and no GC pressure).
 */
type Typed = Float64Array | Float32Array | Uint32Array | Uint16Array | Uint8Array;

export class GrowableArray<T extends Typed> {
  length = 0;
  private data: T;

  constructor(
    private readonly make: (capacity: number) => T,
    initialCapacity = 1024,
    private readonly fill = 0,
  ) {
    this.data = make(Math.max(1, initialCapacity));
    if (fill !== 0) this.data.fill(fill);
  }

  push(value: number): number {
    if (this.length === this.data.length) this.grow(this.length + 1);
    this.data[this.length] = value;
    return this.length++;
  }

  get(index: number): number {
    return this.data[index];
  }

  set(index: number, value: number): void {
    this.data[index] = value;
  }

  /** The first `length` values (a view: valid until the next push). */
  view(): T {
    return this.data.subarray(0, this.length) as T;
  }

  private grow(needed: number): void {
    let capacity = this.data.length * 2;
    while (capacity < needed) capacity *= 2;
    const next = this.make(capacity);
    next.set(this.data);
    if (this.fill !== 0) next.fill(this.fill, this.data.length);
    this.data = next;
  }
}

export const float64s = (capacity: number) => new Float64Array(capacity);
export const float32s = (capacity: number) => new Float32Array(capacity);
export const uint32s = (capacity: number) => new Uint32Array(capacity);
export const uint16s = (capacity: number) => new Uint16Array(capacity);
export const uint8s = (capacity: number) => new Uint8Array(capacity);

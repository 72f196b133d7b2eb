import { join } from 'node:path';
import { NdjsonWriter } from './column-writer.js';
import type { ProductRow } from './generic-schema.js';
import { float64s, GrowableArray } from './growable-array.js';
import { IdIndex } from './id-index.js';
import { SNAPSHOT_FILES } from './snapshot-files.js';

/** A catalogue record as stored in products.ndjson (the reader adds `index`). */
export interface StoredProduct {
  id: string;
  title: string;
  description: string;
  category: string;
  price: number;
  url: string;
}

/** How an orders format turns a product id and its latest description into a record. */
export type DeriveProduct = (id: string, description: string) => Omit<StoredProduct, 'id' | 'price'>;

/** Generic orders carry only ids: the id is the title until a products file says more. */
export const deriveGenericProduct: DeriveProduct = (id) => ({
  title: id,
  description: '',
  category: '',
  url: '',
});

/**
 * The products of a snapshot, in index order. With a products file, its rows are the
 * catalogue (streamed to disk as read; catalogue prices) and an order for any other id is
 * rejected. Without one, products come from the order lines in order of first sight, with the
 * latest unit price and latest non-empty description (by order time).
 *
 * Memory per derived product: the id index (~100 bytes), two float64 (price, its time), one
 * description string and its time; catalogues are thousands to a few hundred thousand items.
 */
export class ProductCatalog {
  readonly index = new IdIndex();
  private readonly records: NdjsonWriter;
  private readonly price = new GrowableArray(float64s);
  private readonly priceTime = new GrowableArray(float64s);
  private readonly descriptionTime = new GrowableArray(float64s);
  private readonly descriptions: string[] = [];

  constructor(
    dir: string,
    /** `fromFile`: a products file is the catalogue (read it with addRecord before any order). */
    readonly fromFile: boolean,
    private readonly derive: DeriveProduct = deriveGenericProduct,
  ) {
    this.records = new NdjsonWriter(
      join(dir, SNAPSHOT_FILES.products),
      join(dir, SNAPSHOT_FILES.productOffsets),
    );
  }

  get size(): number {
    return this.index.size;
  }

  /** Adds a products-file row; false when its id was already added. */
  addRecord(row: ProductRow): boolean {
    if (this.index.indexOf(row.id) !== -1) return false;
    this.index.add(row.id);
    const record: StoredProduct = { ...row };
    this.records.write(record);
    return true;
  }

  /** Index of an order line's product, or -1 when a products file was given without this id. */
  resolve(id: string, unitPrice: number, time: number, description: string | undefined): number {
    if (this.fromFile) return this.index.indexOf(id);
    const before = this.index.size;
    const index = this.index.add(id);
    if (index === before) {
      this.price.push(unitPrice);
      this.priceTime.push(time);
      this.descriptionTime.push(Number.NEGATIVE_INFINITY);
      this.descriptions.push('');
    } else if (time >= this.priceTime.get(index)) {
      this.price.set(index, unitPrice);
      this.priceTime.set(index, time);
    }
    if (description && time >= this.descriptionTime.get(index)) {
      this.descriptions[index] = description;
      this.descriptionTime.set(index, time);
    }
    return index;
  }

  /** Writes the derived records (if any). Returns the product count. */
  finish(): number {
    if (!this.fromFile) {
      const { ids } = this.index;
      for (let i = 0; i < ids.length; i++) {
        const record: StoredProduct = {
          id: ids[i],
          ...this.derive(ids[i], this.descriptions[i]),
          price: this.price.get(i),
        };
        this.records.write(record);
      }
    }
    this.records.close();
    return this.index.size;
  }
}

import { join } from 'node:path';
import { ColumnWriter, NdjsonWriter } from './column-writer.js';
import { timeZoneOfCountry } from './country-timezones.js';
import type { CustomerRow } from './generic-schema.js';
import { float64s, GrowableArray, uint8s, uint16s } from './growable-array.js';
import { IdIndex } from './id-index.js';
import { FLAG_CONSENT, FLAG_PROFILING_OBJECTION } from './snapshot.js';
import { SNAPSHOT_FILES } from './snapshot-files.js';

/** A contact record as stored in customers.ndjson (the reader adds `index`). */
export interface StoredCustomer {
  id: string;
  email: string;
  firstName: string;
  country: string;
  timezone: string;
  consent: boolean;
  profilingObjection: boolean;
}

/** Placeholder first name of customers known only from their orders. */
export const PLACEHOLDER_FIRST_NAME = 'Customer';

/**
 * `customer-<id>@example.com`: example.com is reserved for documentation (RFC 2606), so a
 * placeholder can never reach a real mailbox. Ids outside [A-Za-z0-9._-] are hex-encoded.
 */
export function placeholderEmail(id: string): string {
  const safe = /^[A-Za-z0-9_-]([A-Za-z0-9._-]{0,62}[A-Za-z0-9_-])?$/.test(id) && !id.includes('..');
  const local = safe ? id : `x${Buffer.from(id).toString('hex').slice(0, 60)}`;
  return `customer-${local}@example.com`;
}

/**
 * The customers of a snapshot, in index order. With a customers file, its rows define the
 * customers (in file order, contact records streamed straight to disk) and an order for any
 * other id is rejected. Without one, customers are derived from their orders in order of first
 * sight, with placeholder contact data, the country of their latest order line and its time
 * zone, and consent (nothing in an order file says otherwise).
 *
 * Memory per customer: the id index (~100 bytes) + 1 byte of flags; derived customers add
 * 10 bytes (country code u16, time of that country f64).
 */
export class CustomerDirectory {
  readonly index = new IdIndex();
  private readonly flags = new GrowableArray(uint8s);
  private readonly countries = new IdIndex();
  private readonly countryCode = new GrowableArray(uint16s);
  private readonly countryTime = new GrowableArray(float64s);
  private readonly records: NdjsonWriter;

  /** `fromFile`: a customers file defines the customers (read it with addRecord before any order). */
  constructor(
    private readonly dir: string,
    readonly fromFile: boolean,
  ) {
    this.records = new NdjsonWriter(
      join(dir, SNAPSHOT_FILES.customers),
      join(dir, SNAPSHOT_FILES.customerOffsets),
    );
    this.countries.add('');
  }

  get size(): number {
    return this.index.size;
  }

  /** Adds a customers-file row; false when its id was already added. */
  addRecord(row: CustomerRow): boolean {
    if (this.index.indexOf(row.id) !== -1) return false;
    this.index.add(row.id);
    this.flags.push(
      (row.consent ? FLAG_CONSENT : 0) | (row.profiling_objection ? FLAG_PROFILING_OBJECTION : 0),
    );
    const record: StoredCustomer = {
      id: row.id,
      email: row.email,
      firstName: row.first_name,
      country: row.country,
      timezone: row.timezone,
      consent: row.consent,
      profilingObjection: row.profiling_objection,
    };
    this.records.write(record);
    return true;
  }

  /** Index of an order line's customer, or -1 when a customers file was given without this id. */
  resolve(id: string, country: string | undefined, time: number): number {
    // Lines of one order are usually adjacent: skip the map for a repeated id.
    const index = id === this.lastId ? this.lastIndex : this.lookUp(id);
    this.lastId = id;
    this.lastIndex = index;
    if (!this.fromFile && country && time >= this.countryTime.get(index)) {
      const code =
        this.countries.size < 0xffff || this.countries.indexOf(country) !== -1
          ? this.countries.add(country)
          : 0;
      this.countryCode.set(index, code);
      this.countryTime.set(index, time);
    }
    return index;
  }

  private lastId: string | null = null;
  private lastIndex = -1;

  private lookUp(id: string): number {
    if (this.fromFile) return this.index.indexOf(id);
    const before = this.index.size;
    const index = this.index.add(id);
    if (index === before) {
      this.flags.push(FLAG_CONSENT);
      this.countryCode.push(0);
      this.countryTime.push(Number.NEGATIVE_INFINITY);
    }
    return index;
  }

  /** Writes the derived contact records (if any) and the flags column. Returns the count. */
  finish(): number {
    if (!this.fromFile) {
      const { ids } = this.index;
      for (let i = 0; i < ids.length; i++) {
        const country = this.countries.ids[this.countryCode.get(i)];
        const record: StoredCustomer = {
          id: ids[i],
          email: placeholderEmail(ids[i]),
          firstName: PLACEHOLDER_FIRST_NAME,
          country,
          timezone: timeZoneOfCountry(country),
          consent: true,
          profilingObjection: false,
        };
        this.records.write(record);
      }
    }
    this.records.close();
    const flags = new ColumnWriter(join(this.dir, SNAPSHOT_FILES.flags), uint8s);
    flags.pushAll(this.flags.view());
    flags.close();
    return this.index.size;
  }
}

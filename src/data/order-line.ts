/**
 * One accepted order line, the same whatever format it came from. Adapters that know more
 * about the product or customer than their ids (UCI Online Retail: description, country) fill
 * the optional fields; the catalogue and customer directory keep the latest by time.
 */
export interface OrderLine {
  customerId: string;
  orderId: string;
  productId: string;
  quantity: number;
  unitPrice: number;
  /** Epoch ms. */
  orderedAt: number;
  productDescription?: string;
  country?: string;
}

/** A row an adapter drops on purpose (cleaning), counted by reason in the import summary. */
export interface SkippedRow {
  skip: string;
}

/** A malformed row: counted as rejected and reported with its line. */
export interface RejectedRow {
  reject: string;
}

export type AdaptedRow = OrderLine | SkippedRow | RejectedRow;

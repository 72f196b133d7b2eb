import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { Mulberry32 as SeededRandom } from '../../src/util/mulberry32.js';

/**
 * A synthetic shop in Tailor's generic import schema (src/data/SCHEMA.md): customers, a product
 * catalogue and one to four orders per customer, from a seed. What the chaos run checks against
 * is known here, independently of Tailor: who may be mailed and who the relay refuses for good.
 */
export interface SyntheticCustomer {
  id: string;
  email: string;
  consent: boolean;
}

export interface SyntheticShop {
  dir: string;
  files: { customers: string; products: string; orders: string };
  customers: SyntheticCustomer[];
  /** Addresses the SMTP sink answers 550 (every 97th customer: a fixed list, the same for every seed). */
  hardBounces: Set<string>;
  orderLines: number;
}

const COUNTRIES: [country: string, zone: string][] = [
  ['United Kingdom', 'Europe/London'],
  ['France', 'Europe/Paris'],
  ['Germany', 'Europe/Berlin'],
  ['Spain', 'Europe/Madrid'],
  ['Netherlands', 'Europe/Amsterdam'],
];
const NAMES = ['Ann', 'Bob', 'Chloé', 'Dev', 'Eve', 'Farid', 'Greta', 'Hana', 'Ivo', 'June', ''];
const PRODUCTS = 300;

/** Consent is withheld by about 4 % of customers: they are not eligible and must get nothing. */
const NO_CONSENT = 0.04;

export function customerId(i: number): string {
  return `K${String(i).padStart(7, '0')}`;
}

export async function writeSyntheticShop(
  dir: string,
  customers: number,
  seed: number,
): Promise<SyntheticShop> {
  await mkdir(dir, { recursive: true });
  const random = new SeededRandom(seed ^ 0x5eed);
  const files = {
    customers: join(dir, 'customers.csv'),
    products: join(dir, 'products.csv'),
    orders: join(dir, 'orders.csv'),
  };

  const products = createWriteStream(files.products);
  products.write('id,title,description,category,price,url\n');
  for (let p = 0; p < PRODUCTS; p++) {
    const id = `P${String(p).padStart(4, '0')}`;
    const price = (1 + random.int(0, 4000) / 100).toFixed(2);
    products.write(
      `${id},"Hand-made item ${p}","A lovely thing, number ${p}",Homeware,${price},https://shop.example.com/p/${id}\n`,
    );
  }
  products.end();

  const list: SyntheticCustomer[] = [];
  const hardBounces = new Set<string>();
  const people = createWriteStream(files.customers);
  people.write('id,email,first_name,country,timezone,consent,profiling_objection\n');
  const orders = createWriteStream(files.orders);
  orders.write('order_id,customer_id,product_id,quantity,unit_price,ordered_at\n');
  let orderLines = 0;
  let orderNo = 0;
  for (let i = 0; i < customers; i++) {
    const id = customerId(i);
    const email = `customer-${i}@example.net`;
    const consent = !random.chance(NO_CONSENT);
    const [country, zone] = random.pick(COUNTRIES);
    const objection = random.chance(0.05);
    people.write(`${id},${email},${random.pick(NAMES)},${country},${zone},${consent},${objection}\n`);
    list.push({ id, email, consent });
    if (i % 97 === 13) hardBounces.add(email);
    const count = random.int(1, 4);
    for (let o = 0; o < count; o++) {
      const order = `O${++orderNo}`;
      const day = new Date(
        Date.UTC(2024, 0, 1) + random.int(0, 364) * 86_400_000 + random.int(0, 86_399) * 1000,
      );
      const at = day.toISOString().replace('.000Z', 'Z');
      const lines = random.int(1, 3);
      for (let l = 0; l < lines; l++) {
        const product = `P${String(random.int(0, PRODUCTS - 1)).padStart(4, '0')}`;
        orders.write(
          `${order},${id},${product},${random.int(1, 6)},${(1 + random.int(0, 4000) / 100).toFixed(2)},${at}\n`,
        );
        orderLines++;
      }
    }
    // Keep memory flat for large shops: wait when the file buffers fill up.
    if (people.writableNeedDrain) await once(people, 'drain');
    if (orders.writableNeedDrain) await once(orders, 'drain');
  }
  people.end();
  orders.end();
  await Promise.all([finished(products), finished(people), finished(orders)]);
  return { dir, files, customers: list, hardBounces, orderLines };
}

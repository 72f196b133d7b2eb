import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { importDataset } from '../../src/data/import-dataset.js';

/** Customers by zone: `u*` in UTC, `t*` in Tokyo, `n1` without consent; each with one past order. */
export const TZ_CUSTOMERS = [
  ...Array.from({ length: 10 }, (_, i) => ({ id: `u${i}`, zone: 'UTC', consent: true })),
  ...Array.from({ length: 4 }, (_, i) => ({ id: `t${i}`, zone: 'Asia/Tokyo', consent: true })),
  { id: 'n1', zone: 'UTC', consent: false },
];

export const emailOf = (id: string) => `${id}@example.com`;

/** Writes and imports the dataset `tz` under `root` (generic schema). */
export async function importTimeZoneShop(root: string, dir: string): Promise<void> {
  const customers = join(dir, 'customers.csv');
  const products = join(dir, 'products.csv');
  const orders = join(dir, 'orders.csv');
  writeFileSync(
    customers,
    [
      'id,email,first_name,country,timezone,consent,profiling_objection',
      ...TZ_CUSTOMERS.map(
        (c) => `${c.id},${emailOf(c.id)},${c.id.toUpperCase()},,${c.zone},${c.consent},false`,
      ),
    ].join('\n'),
  );
  writeFileSync(
    products,
    [
      'id,title,description,category,price,url',
      'p1,Teapot,A round teapot,kitchen,24.00,https://shop.example.com/p/p1',
      'p2,Mug,Stoneware mug,kitchen,8.50,https://shop.example.com/p/p2',
      'p3,Tea towel,Linen,textiles,6.00,https://shop.example.com/p/p3',
    ].join('\n'),
  );
  writeFileSync(
    orders,
    [
      'order_id,customer_id,product_id,quantity,unit_price,ordered_at',
      ...TZ_CUSTOMERS.map((c, i) => `o${i},${c.id},p${(i % 3) + 1},1,8.50,2024-01-0${(i % 9) + 1}T10:00:00Z`),
    ].join('\n'),
  );
  await importDataset({ name: 'tz', root, orders, customers, products });
}

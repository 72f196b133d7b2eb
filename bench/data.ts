/**
 * A synthetic retailer made of real UCI Online Retail shoppers, in the generic schema:
 *
 *   npm run bench:data -- --customers 1000000 --out .tailor/bench/retail-1m [--seed 1] [--source FILE]
 *
 * Writes customers.csv.gz, products.csv.gz and orders.csv.gz (see synthetic-retailer.ts for how
 * customers are resampled) and retailer.json; a second run with the same arguments reuses them.
 * Progress on a TTY (stderr); one JSON line on stdout.
 */
import { progressBar } from '../src/cli/progress.js';
import { BenchArgs, UCI_ONLINE_RETAIL } from './bench-args.js';
import { writeSyntheticRetailer } from './synthetic-retailer.js';

const args = new BenchArgs();
try {
  const customers = args.integer('customers');
  const bar = progressBar(`retailer ${customers}`);
  const result = await writeSyntheticRetailer({
    source: args.string('source', UCI_ONLINE_RETAIL),
    customers,
    out: args.string('out'),
    seed: args.integer('seed', 1),
    onProgress: (done, total) => bar.update(done, total, 'customers'),
  });
  bar.stop();
  const { dir, cached, customers: n, orderLines, products, seed, seconds, bytes } = result;
  console.log(JSON.stringify({ dir, cached, customers: n, orderLines, products, seed, seconds, bytes }));
} catch (error) {
  process.stderr.write(`bench:data: ${(error as Error).message}\n`);
  process.exit(1);
}

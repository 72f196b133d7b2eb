import type { Command } from 'commander';
import { tailorHome } from '../config/paths.js';
import { importDataset } from '../data/import-dataset.js';
import { printJson } from './cli-runtime.js';
import { progressBar } from './progress.js';

export function registerImportCommand(program: Command): void {
  program
    .command('import')
    .description('import customers, products and orders (CSV or JSONL, .gz allowed) into a snapshot')
    .requiredOption('--name <name>', 'dataset name campaigns refer to')
    .requiredOption('--orders <files...>', 'orders file(s): generic schema or UCI Online Retail')
    .option('--format <format>', 'auto | generic | online-retail', 'auto')
    .option('--customers <file>', 'customers file (generic schema)')
    .option('--products <file>', 'products file (generic schema)')
    .option('--max-baskets <n>', 'newest baskets kept per customer', '50')
    .option('--time-zone <zone>', 'zone of order times written without an offset', 'UTC')
    .option('--json', 'print only the JSON summary')
    .action(async (options) => {
      const format = String(options.format);
      if (!['auto', 'generic', 'online-retail'].includes(format)) {
        throw new Error(`--format must be auto, generic or online-retail (got '${format}')`);
      }
      const bar = options.json ? undefined : progressBar(`import ${options.name}`);
      const result = await importDataset({
        name: options.name,
        root: tailorHome(),
        orders: options.orders,
        ordersFormat: format as 'auto' | 'generic' | 'online-retail',
        customers: options.customers,
        products: options.products,
        maxBaskets: Number(options.maxBaskets),
        naiveTimeZone: options.timeZone,
        onProgress: (p) =>
          bar?.update(p.bytesRead, Math.max(p.bytesTotal, 1), `${p.phase} ${p.linesRead} lines`),
      });
      bar?.stop();
      if (!options.json) {
        for (const reject of result.rejects.slice(0, 20)) {
          process.stderr.write(`rejected ${reject.file}:${reject.line}: ${reject.reason}\n`);
        }
      }
      const m = result.manifest;
      printJson({
        name: m.name,
        version: m.version,
        dir: result.dir,
        customers: m.customers,
        products: m.products,
        orderLines: m.orderLines,
        baskets: m.baskets,
        files: m.import.files,
        seconds: m.import.seconds,
      });
    });
}

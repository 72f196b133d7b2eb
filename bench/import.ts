/**
 * Import speed on the UCI Online Retail file, against csv-parse reading the same file in the
 * same run (the reference that src/data/csv-records.ts is measured against).
 *
 *   npx vite-node bench/import.ts [--file PATH] [--replicas N] [--heap-mb MB]
 *
 * --replicas N first writes a generic-schema orders file (gzip) holding the UCI customers N
 * times over under new ids, to watch memory stay flat as lines grow. The import runs in a
 * child process so `peakRssMb` is its own; --heap-mb caps its V8 heap, to show the import's
 * live memory stays under a bound whatever the number of lines. Prints one JSON line.
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { parse } from 'csv-parse';
import { type ImportProgress, importDataset } from '../src/data/import-dataset.js';
import { adaptOnlineRetailRow, ONLINE_RETAIL_COLUMNS } from '../src/data/online-retail.js';
import { isRowReject, TableReader } from '../src/data/table-reader.js';
import { DEFAULT_TEXT_LIMITS } from '../src/data/text-limits.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 && args[at + 1] ? args[at + 1] : fallback;
};
const source = option('file', '../shared/datasets/uci-online-retail/online_retail.csv.gz');
const replicas = Number(option('replicas', '0'));
const heapMb = Number(option('heap-mb', '0'));
const work = args[0] === '--child' ? '' : mkdtempSync(join(tmpdir(), 'tailor-bench-import-'));
const mb = (kilobytes: number) => Math.round(kilobytes / 1024);
const round = (seconds: number) => Math.round(seconds * 100) / 100;

/** Generic orders: every accepted UCI line once per replica, with replica-specific ids. */
async function writeReplicas(count: number): Promise<string> {
  const path = join(work, `orders-x${count}.csv.gz`);
  const lines: string[] = [];
  const reader = await TableReader.open(source, DEFAULT_TEXT_LIMITS);
  for await (const batch of reader.batches({ required: ONLINE_RETAIL_COLUMNS })) {
    for (const item of batch) {
      if (isRowReject(item)) continue;
      const line = adaptOnlineRetailRow(item.values);
      if (!('customerId' in line)) continue;
      const at = new Date(line.orderedAt).toISOString();
      lines.push(`,${line.productId},${line.quantity},${line.unitPrice},${at}`);
      lines.push(`${line.orderId}|${line.customerId}`);
    }
  }
  async function* rows() {
    yield 'order_id,customer_id,product_id,quantity,unit_price,ordered_at\n';
    for (let r = 0; r < count; r++) {
      const out: string[] = [];
      for (let i = 0; i < lines.length; i += 2) {
        const [order, customer] = lines[i + 1].split('|');
        out.push(`${order}-${r},${customer}-${r}${lines[i]}\n`);
        if (out.length === 10_000) yield out.splice(0).join('');
      }
      yield out.join('');
    }
  }
  await pipeline(rows, createGzip({ level: 1 }), createWriteStream(path));
  return path;
}

async function countLines(path: string): Promise<number> {
  const reader = await TableReader.open(path, DEFAULT_TEXT_LIMITS);
  let rows = 0;
  for await (const batch of reader.batches({ required: [] })) rows += batch.length;
  return rows + 1; // header
}

async function csvParseRecords(path: string): Promise<number> {
  let records = 0;
  const records$ = createReadStream(path)
    .pipe(createGunzip())
    .pipe(parse({ relax_column_count: true, bom: true }));
  for await (const _record of records$) records++;
  return records;
}

async function timed<T>(run: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const value = await run();
  return [value, (performance.now() - started) / 1000];
}

/** The import alone, in this process: run as a child so its peak RSS is the import's own. */
async function measureImport(input: string, root: string) {
  const rssBefore = process.resourceUsage().maxRSS;
  const started = performance.now();
  let readSeconds = 0;
  const onProgress = (progress: ImportProgress) => {
    if (progress.phase === 'baskets') readSeconds = (performance.now() - started) / 1000;
  };
  const [result, seconds] = await timed(() =>
    importDataset({ name: 'bench', root, orders: input, onProgress }),
  );
  const { customers, products, orderLines, baskets } = result.manifest;
  const peakRssMb = mb(process.resourceUsage().maxRSS);
  const passes = { pass1Seconds: round(readSeconds), pass2Seconds: round(seconds - readSeconds) };
  return {
    seconds,
    ...passes,
    rssBeforeMb: mb(rssBefore),
    peakRssMb,
    customers,
    products,
    orderLines,
    baskets,
  };
}

if (args[0] === '--child') {
  console.log(JSON.stringify(await measureImport(args[1], args[2])));
} else {
  try {
    const input = replicas > 0 ? await writeReplicas(replicas) : source;
    // Same runner (vite-node) and script, fresh process.
    const heapLimit = heapMb > 0 ? [`--max-old-space-size=${heapMb}`] : [];
    const script = [process.argv[1], 'bench/import.ts', '--child', input, work];
    const child = spawnSync(process.execPath, [...heapLimit, ...script], {
      encoding: 'utf8',
      maxBuffer: 1 << 20,
    });
    if (child.status !== 0) throw new Error(`import child failed: ${child.stderr}`);
    const imported = JSON.parse(child.stdout.trim().split('\n').at(-1) ?? '{}');
    const [lines, parserSeconds] = await timed(() => countLines(input));
    const [csvParseCount, csvParseSeconds] = await timed(() => csvParseRecords(input));
    const { seconds, ...counts } = imported;
    console.log(
      JSON.stringify({
        file: input,
        lines,
        heapLimitMb: heapMb || null,
        ...counts,
        importSeconds: round(seconds),
        importLinesPerSecond: Math.round(lines / seconds),
        parserLinesPerSecond: Math.round(lines / parserSeconds),
        csvParseLinesPerSecond: Math.round(csvParseCount / csvParseSeconds),
        parserSpeedupOverCsvParse:
          Math.round((lines / parserSeconds / (csvParseCount / csvParseSeconds)) * 10) / 10,
      }),
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

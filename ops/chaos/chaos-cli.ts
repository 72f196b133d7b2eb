/**
 * `npm run chaos -- --customers 10000 [--seed S] [--json]`: one chaos run (see chaos-harness.ts),
 * ending with one JSON line. Exit code 1 when the run misses the bar (lost mail, a count that does
 * not add up, or more re-deliveries than worker kills).
 */
import { parseArgs } from 'node:util';
import { runChaos } from './chaos-harness.js';

const { values } = parseArgs({
  options: {
    customers: { type: 'string', default: '10000' },
    seed: { type: 'string' },
    workers: { type: 'string', default: '3' },
    'chunk-size': { type: 'string' },
    'kill-ms': { type: 'string', default: '1000-4000' },
    'relay-ms': { type: 'string' },
    'timeout-s': { type: 'string', default: '1200' },
    keep: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
  strict: true,
});

function wholeNumber(name: string, raw: string, min: number): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    process.stderr.write(`chaos: --${name} must be a whole number ≥ ${min} (got '${raw}')\n`);
    process.exit(2);
  }
  return value;
}

const killRange = /^(\d+)-(\d+)$/.exec(values['kill-ms']);
if (!killRange || Number(killRange[1]) > Number(killRange[2])) {
  process.stderr.write(
    `chaos: --kill-ms must be MIN-MAX milliseconds, e.g. 1000-4000 (got '${values['kill-ms']}')\n`,
  );
  process.exit(2);
}

const report = await runChaos({
  customers: wholeNumber('customers', values.customers, 1),
  seed: values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : wholeNumber('seed', values.seed, 0),
  workers: wholeNumber('workers', values.workers, 1),
  chunkSize:
    values['chunk-size'] === undefined ? undefined : wholeNumber('chunk-size', values['chunk-size'], 1),
  relayMs: values['relay-ms'] === undefined ? undefined : wholeNumber('relay-ms', values['relay-ms'], 0),
  killMinMs: Number(killRange[1]),
  killMaxMs: Number(killRange[2]),
  timeoutMs: wholeNumber('timeout-s', values['timeout-s'], 1) * 1000,
  keep: values.keep,
  log: values.json ? undefined : (line) => process.stderr.write(`chaos: ${line}\n`),
});
process.stdout.write(`${JSON.stringify(report)}\n`);
if (!report.ok) process.exitCode = 1;

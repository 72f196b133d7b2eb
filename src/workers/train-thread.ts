import { parentPort, workerData } from 'node:worker_threads';
import { openSnapshot } from '../data/snapshot-catalog.js';
import { readSnapshotSequences } from '../prediction/snapshot-sequences.js';
import { trainAndRegister } from '../prediction/train-and-register.js';

/** Worker-thread entry: trains on a snapshot and registers the model (see retrain.ts). */
const { home, dataset } = workerData as { home: string; dataset: string };
const reader = await openSnapshot(home, dataset);
try {
  const data = await readSnapshotSequences(reader);
  const result = await trainAndRegister({
    root: home,
    sequences: data.sequences,
    catalogue: data.catalogue,
    productIds: data.productIds,
    datasetVersion: data.datasetVersion,
    onEpoch: (report) => parentPort?.postMessage({ type: 'epoch', report }),
  });
  parentPort?.postMessage({
    type: 'done',
    result: { version: result.version, passed: result.passed, metrics: result.metrics },
  });
} finally {
  await reader.close();
}

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunRecord } from '../campaigns/campaign-store.js';
import type { SnapshotReader } from '../data/snapshot.js';
import { baselineCandidates, evaluateSequences } from '../prediction/evaluation.js';
import { EVALUATION_FILE, type EvaluationRecord, lstmModelsDir } from '../prediction/model-registry.js';
import { readSnapshotSequences } from '../prediction/snapshot-sequences.js';
import type { ModelScores } from './report-model.js';

/** The cut-off the report compares methods at (Recall@10, NDCG@10). */
export const SCORE_K = 10;
/** Customers whose baskets the baselines are measured on, at most (evenly spaced blocks). */
export const BASELINE_CUSTOMERS = 20_000;

const VERSION_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const measured = new Map<string, Promise<ModelScores>>();
const MEASURED_CACHE = 8;

/**
 * Offline scores for the run's predictor. A trained model version carries its own evaluation
 * record (`<home>/models/lstm/<version>/evaluation.json`: the model against top-frequency on
 * held-out last baskets); for the non-learned baselines the same protocol is measured here on
 * (a bounded sample of) the run's snapshot, once per snapshot version and process.
 */
export async function modelScores(
  home: string,
  run: Pick<RunRecord, 'predictor' | 'predictorVersion'>,
  snapshot: SnapshotReader,
): Promise<{ scores?: ModelScores; note?: string }> {
  const version = run.predictorVersion;
  if (version && version !== 'baseline') {
    const record = await readEvaluation(home, version);
    if (!record)
      return { note: `model version ${version} has no evaluation record under ${lstmModelsDir(home)}` };
    // The record compares the model with one baseline; the others are measured the same way
    // (same protocol, at the same K) so the manager sees the model next to every baseline.
    const others = await measuredBaselines(snapshot).catch(() => undefined);
    const recorded = new Set([run.predictor, record.baseline.method]);
    const extra =
      others && others.k === record.k ? others.methods.filter((m) => !recorded.has(m.method)) : [];
    return {
      scores: {
        k: record.k,
        users: record.users,
        evaluatedAt: record.evaluatedAt,
        source:
          `evaluation record of model version ${version}` +
          (extra.length ? `; ${extra.map((m) => m.method).join(' and ')} ${others?.source}` : ''),
        methods: [
          ...extra,
          { method: record.baseline.method, ...pick(record.baseline), used: false },
          { method: run.predictor ?? 'model', ...pick(record.model), used: true },
        ],
        passed: record.passed,
        rule: record.rule,
      },
    };
  }
  try {
    const scores = await measuredBaselines(snapshot);
    return {
      scores: {
        ...scores,
        methods: scores.methods.map((m) => ({ ...m, used: m.method === run.predictor })),
      },
    };
  } catch (error) {
    return { note: `no offline scores: ${(error as Error).message}` };
  }
}

async function readEvaluation(home: string, version: string): Promise<EvaluationRecord | undefined> {
  if (!VERSION_NAME.test(version)) return undefined; // a run record never names a path
  try {
    return JSON.parse(
      await readFile(join(lstmModelsDir(home), version, EVALUATION_FILE), 'utf8'),
    ) as EvaluationRecord;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function measuredBaselines(snapshot: SnapshotReader): Promise<ModelScores> {
  const key = `${snapshot.dir}\0${snapshot.manifest.version}`;
  let pending = measured.get(key);
  if (!pending) {
    pending = measure(snapshot);
    measured.set(key, pending);
    pending.catch(() => measured.delete(key));
    if (measured.size > MEASURED_CACHE) measured.delete(measured.keys().next().value as string);
  }
  return pending;
}

async function measure(snapshot: SnapshotReader): Promise<ModelScores> {
  const read = await readSnapshotSequences(snapshot, BASELINE_CUSTOMERS);
  const result = await evaluateSequences(read.sequences, read.catalogue, {
    k: SCORE_K,
    candidates: baselineCandidates(),
  });
  const sampled = read.sequences.length < read.customers ? ` (a sample of ${read.sequences.length})` : '';
  return {
    k: SCORE_K,
    users: result.users,
    evaluatedAt: new Date().toISOString(),
    source: `measured for this report on ${result.users.toLocaleString('en-GB')} customers of dataset ${snapshot.manifest.name}${sampled}`,
    methods: Object.entries(result.methods).map(([method, m]) => ({ method, ...pick(m), used: false })),
  };
}

function pick(m: { recall: number; ndcg: number; hr: number }) {
  return { recall: m.recall, ndcg: m.ndcg, hr: m.hr };
}

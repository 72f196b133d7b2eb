import type { Redis } from 'ioredis';
import { retentionDaysFromEnv } from '../config/retention.js';
import type { CopyResult } from '../generation/copywriter.js';
import type { CampaignSpec } from '../queues/campaign-spec.js';
import type { SegmentProfile } from '../segmentation/segmenter.js';
import {
  decodeAssignments,
  decodePredictionChunk,
  encodeAssignments,
  encodePredictionChunk,
  type PredictionChunk,
} from './chunk-codec.js';
import type { SegmentKey } from './copy-plan.js';
import { campaignIndexKey, campaignKey, runKeys } from './run-keys.js';

export type RunState =
  | 'queued'
  | 'running'
  | 'reviewed'
  | 'dispatching'
  | 'completed'
  | 'failed'
  | 'cancelled';

/** One run of a campaign: what it read, how far it got, which methods it used. */
export interface RunRecord {
  runId: string;
  campaignId: string;
  name: string;
  state: RunState;
  dryRun: boolean;
  dataset: string;
  snapshotVersion: string;
  customers: number;
  chunkSize: number;
  chunks: number;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  segmenter?: string;
  predictor?: string;
  predictorVersion?: string;
  copywriter?: string;
  error?: string;
  spec: CampaignSpec;
}

export interface SegmentsResult {
  method: string;
  k: number;
  profiles: SegmentProfile[];
  details: Record<string, unknown>;
}

/**
 * Campaigns and their runs in Redis: the run record, per-stage results (segments, predictions
 * per chunk, copy) and counters. Never order lines, never whole customer records.
 */
export class CampaignStore {
  readonly retentionSeconds: number;

  constructor(
    private readonly redis: Redis,
    retentionDays = retentionDaysFromEnv(),
  ) {
    this.retentionSeconds = Math.round(retentionDays * 86_400);
  }

  async createRun(
    spec: CampaignSpec,
    campaignId: string,
    plan: { dataset: string; snapshotVersion: string; customers: number; chunkSize: number; dryRun: boolean },
  ): Promise<RunRecord> {
    const n = await this.redis.hincrby(campaignKey(campaignId), 'runs', 1);
    const runId = `${campaignId}-r${n}`;
    const record: RunRecord = {
      runId,
      campaignId,
      name: spec.name,
      state: 'queued',
      dryRun: plan.dryRun,
      dataset: plan.dataset,
      snapshotVersion: plan.snapshotVersion,
      customers: plan.customers,
      chunkSize: plan.chunkSize,
      chunks: Math.ceil(plan.customers / plan.chunkSize),
      createdAt: new Date().toISOString(),
      spec,
    };
    // Three keys in three Cluster slots: one MULTI per slot, the run record first so the
    // campaign never points at a run that does not exist.
    await this.redis
      .multi()
      .hset(runKeys(runId).record, serialise(record))
      .expire(runKeys(runId).record, this.retentionSeconds)
      .exec();
    await this.redis.hset(campaignKey(campaignId), {
      name: spec.name,
      latestRun: runId,
      spec: JSON.stringify(spec),
    });
    await this.redis.zadd(campaignIndexKey, Date.now(), campaignId);
    return record;
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    const hash = await this.redis.hgetall(runKeys(runId).record);
    return hash.runId ? deserialise(hash) : undefined;
  }

  async requireRun(runId: string): Promise<RunRecord> {
    const run = await this.getRun(runId);
    if (!run) throw new Error(`campaign run ${runId} not found (expired or never created)`);
    return run;
  }

  async latestRunId(campaignId: string): Promise<string | undefined> {
    return (await this.redis.hget(campaignKey(campaignId), 'latestRun')) ?? undefined;
  }

  async listCampaigns(limit = 100): Promise<string[]> {
    return this.redis.zrevrange(campaignIndexKey, 0, limit - 1);
  }

  async updateRun(runId: string, fields: Partial<Omit<RunRecord, 'runId' | 'spec'>>): Promise<void> {
    await this.redis.hset(runKeys(runId).record, serialise(fields));
  }

  async addStats(runId: string, counts: Record<string, number>): Promise<void> {
    const entries = Object.entries(counts).filter(([, n]) => n !== 0);
    if (entries.length === 0) return;
    const multi = this.redis.multi();
    for (const [field, n] of entries) multi.hincrby(runKeys(runId).stats, field, n);
    multi.expire(runKeys(runId).stats, this.retentionSeconds);
    await multi.exec();
  }

  async setStats(runId: string, values: Record<string, number | string>): Promise<void> {
    await this.redis
      .multi()
      .hset(runKeys(runId).stats, values)
      .expire(runKeys(runId).stats, this.retentionSeconds)
      .exec();
  }

  /**
   * Counts reported by one chunk job of a stage. Stored per chunk (not incremented), so a
   * retried job overwrites its own numbers instead of counting twice.
   */
  async setChunkStats(
    runId: string,
    stage: string,
    chunk: number,
    counts: Record<string, number>,
  ): Promise<void> {
    const key = runKeys(runId).chunkStats;
    await this.redis
      .multi()
      .hset(key, `${stage}:${chunk}`, JSON.stringify(counts))
      .expire(key, this.retentionSeconds)
      .exec();
  }

  async chunkTotals(runId: string, stage: string): Promise<Record<string, number>> {
    return (await this.chunkTotalsByStage(runId))[stage] ?? {};
  }

  /** Every stage's totals from one read of the run's chunk counts (status is polled often). */
  async chunkTotalsByStage(runId: string): Promise<Record<string, Record<string, number>>> {
    const hash = await this.redis.hgetall(runKeys(runId).chunkStats);
    const byStage: Record<string, Record<string, number>> = {};
    for (const [field, json] of Object.entries(hash)) {
      const stage = field.slice(0, field.indexOf(':'));
      byStage[stage] ??= {};
      const totals = byStage[stage];
      for (const [name, n] of Object.entries(JSON.parse(json) as Record<string, number>))
        totals[name] = (totals[name] ?? 0) + n;
    }
    return byStage;
  }

  async stats(runId: string): Promise<Record<string, number>> {
    const hash = await this.redis.hgetall(runKeys(runId).stats);
    return Object.fromEntries(Object.entries(hash).map(([k, v]) => [k, Number(v)]));
  }

  async saveSegments(runId: string, result: SegmentsResult, assignments: Int16Array): Promise<void> {
    const keys = runKeys(runId);
    await this.redis
      .multi()
      .set(keys.segments, JSON.stringify(result), 'EX', this.retentionSeconds)
      .set(keys.assignments, encodeAssignments(assignments), 'EX', this.retentionSeconds)
      .exec();
  }

  async loadSegments(runId: string): Promise<{ result: SegmentsResult; assignments: Int16Array }> {
    const keys = runKeys(runId);
    const [json, binary] = await Promise.all([
      this.redis.get(keys.segments),
      this.redis.getBuffer(keys.assignments),
    ]);
    if (!json || !binary)
      throw new Error(`segments of run ${runId} are missing: the segment stage has not finished`);
    return { result: JSON.parse(json) as SegmentsResult, assignments: decodeAssignments(binary) };
  }

  /** Segment ids of customers [start, end) only: a send chunk never reads the whole run's. */
  async loadAssignmentRange(runId: string, start: number, end: number): Promise<Int16Array> {
    const binary = await this.redis.getrangeBuffer(runKeys(runId).assignments, start * 2, end * 2 - 1);
    if (binary.length !== (end - start) * 2)
      throw new Error(`segment assignments of run ${runId} are missing or short`);
    return decodeAssignments(binary);
  }

  async loadSegmentsResult(runId: string): Promise<SegmentsResult> {
    const json = await this.redis.get(runKeys(runId).segments);
    if (!json) throw new Error(`segments of run ${runId} are missing: the segment stage has not finished`);
    return JSON.parse(json) as SegmentsResult;
  }

  async savePrediction(runId: string, chunk: number, data: PredictionChunk): Promise<void> {
    await this.redis.set(
      runKeys(runId).prediction(chunk),
      encodePredictionChunk(data),
      'EX',
      this.retentionSeconds,
    );
  }

  async loadPrediction(runId: string, chunk: number, start: number): Promise<PredictionChunk> {
    const binary = await this.redis.getBuffer(runKeys(runId).prediction(chunk));
    if (!binary) throw new Error(`predictions of run ${runId} chunk ${chunk} are missing`);
    return decodePredictionChunk(binary, start);
  }

  async saveSegmentProducts(runId: string, products: Map<SegmentKey, number[]>): Promise<void> {
    await this.redis.set(
      runKeys(runId).segmentProducts,
      JSON.stringify([...products]),
      'EX',
      this.retentionSeconds,
    );
  }

  async loadSegmentProducts(runId: string): Promise<Map<SegmentKey, number[]>> {
    const json = await this.redis.get(runKeys(runId).segmentProducts);
    if (!json)
      throw new Error(`segment products of run ${runId} are missing: the generate stage has not finished`);
    return new Map(JSON.parse(json) as [SegmentKey, number[]][]);
  }

  async saveCopy(runId: string, results: CopyResult[]): Promise<void> {
    if (results.length === 0) return;
    const key = runKeys(runId).copy;
    const fields: Record<string, string> = {};
    for (const result of results) fields[result.key] = JSON.stringify(result);
    await this.redis.multi().hset(key, fields).expire(key, this.retentionSeconds).exec();
  }

  async loadCopy(runId: string, keys: string[]): Promise<Map<string, CopyResult>> {
    const out = new Map<string, CopyResult>();
    if (keys.length === 0) return out;
    const values = await this.redis.hmget(runKeys(runId).copy, ...keys);
    values.forEach((value, i) => {
      if (value) out.set(keys[i], JSON.parse(value) as CopyResult);
    });
    return out;
  }

  async allCopy(runId: string): Promise<CopyResult[]> {
    const hash = await this.redis.hgetall(runKeys(runId).copy);
    return Object.values(hash).map((v) => JSON.parse(v) as CopyResult);
  }
}

function serialise(fields: Partial<RunRecord>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    out[key] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return out;
}

const NUMERIC = new Set(['customers', 'chunkSize', 'chunks']);

function deserialise(hash: Record<string, string>): RunRecord {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(hash)) {
    if (key === 'spec') out.spec = JSON.parse(value);
    else if (key === 'dryRun') out.dryRun = value === 'true';
    else if (NUMERIC.has(key)) out[key] = Number(value);
    else out[key] = value;
  }
  return out as unknown as RunRecord;
}

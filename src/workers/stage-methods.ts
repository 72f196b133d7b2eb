import type { Redis } from 'ioredis';
import { RedisCopyCache } from '../campaigns/redis-copy-cache.js';
import type { SnapshotReader } from '../data/snapshot.js';
import { cachedCopywriter } from '../generation/copy-cache.js';
import type { Copywriter } from '../generation/copywriter.js';
import type { ModelDevice, ModelDtype } from '../generation/model-config.js';
import { type CopywriterConfig, openCopywriter } from '../generation/open-copywriter.js';
import type { Predictor } from '../prediction/predictor.js';
import { KMeansSegmenter } from '../segmentation/kmeans-segmenter.js';
import { RfmQuantileSegmenter } from '../segmentation/rfm-quantile.js';
import type { Segmenter } from '../segmentation/segmenter.js';
import { PredictorCache } from './predictor-cache.js';

/** A copywriter for one generate job, with what it did for the run's counters. */
export interface JobCopywriter {
  copywriter: Copywriter;
  /** Model generations (first attempts) and tokens so far: zero for template copy. */
  usage(): { generations: number; generatedTokens: number };
}

/** Copy settings from the environment (see README: "Copy generation"). */
export function copywriterConfigFromEnv(env: NodeJS.ProcessEnv = process.env): CopywriterConfig {
  return {
    mode: env.TAILOR_COPY_MODE === 'template' ? 'template' : 'model',
    model: env.TAILOR_MODEL || undefined,
    modelsDir: env.TAILOR_MODELS_DIR || undefined,
    dtype: (env.TAILOR_MODEL_DTYPE || undefined) as ModelDtype | undefined,
    device: (env.TAILOR_MODEL_DEVICE || 'auto') as ModelDevice,
    batchSize: env.TAILOR_GENERATE_BATCH ? Number(env.TAILOR_GENERATE_BATCH) : undefined,
  };
}

/**
 * Which implementation each stage uses. The one place where methods are chosen, so the
 * processors stay thin and the cores stay unaware of queues. Built lazily: a worker that only
 * dispatches never loads a model (the model runtime itself is loaded once per process).
 */
export class StageMethods {
  private readonly predictors: PredictorCache;
  private readonly copyCache: RedisCopyCache;
  private readonly opened: Copywriter[] = [];

  constructor(
    readonly home: string,
    redis: Redis,
    private readonly copyConfig: CopywriterConfig = copywriterConfigFromEnv(),
  ) {
    this.copyCache = new RedisCopyCache(redis);
    this.predictors = new PredictorCache(home);
  }

  segmenter(method: string): Segmenter {
    if (method === 'rfm-quantile') return new RfmQuantileSegmenter();
    if (method === 'kmeans') return new KMeansSegmenter();
    throw new Error(`segmentation method '${method}' is not available`);
  }

  /** The newest model that passed evaluation for this snapshot, else the top-frequency baseline. */
  predictor(snapshot: SnapshotReader): Promise<Predictor> {
    return this.predictors.get(snapshot);
  }

  /** The catalogue's titles let the guardrails reject copy naming products not in the prompt. */
  async copywriter(currency: string, catalogueTitles: string[]): Promise<JobCopywriter> {
    const opened = await openCopywriter({
      ...this.copyConfig,
      prompt: { ...this.copyConfig.prompt, currency },
      guardrails: { ...this.copyConfig.guardrails, catalogueTitles },
    });
    if (opened.kind === 'template') {
      return { copywriter: opened.copywriter, usage: () => ({ generations: 0, generatedTokens: 0 }) };
    }
    const llm = opened.copywriter;
    this.opened.push(llm);
    return {
      copywriter: cachedCopywriter(llm, this.copyCache),
      usage: () => ({ generations: llm.stats.generations, generatedTokens: llm.stats.generatedTokens }),
    };
  }

  async close(): Promise<void> {
    await this.predictors.close();
    // LlmCopywriter.close() closes the shared model runtime: once is enough.
    await this.opened[0]?.close?.();
    this.opened.length = 0;
  }
}

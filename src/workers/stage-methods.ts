import type { Copywriter } from '../generation/copywriter.js';
import { TemplateCopywriter } from '../generation/template-copywriter.js';
import type { Predictor } from '../prediction/predictor.js';
import { TopFrequencyPredictor } from '../prediction/top-frequency.js';
import { RfmQuantileSegmenter } from '../segmentation/rfm-quantile.js';
import type { Segmenter } from '../segmentation/segmenter.js';

/**
 * Which implementation each stage uses. The one place where methods are chosen, so the
 * processors stay thin and the cores stay unaware of queues. Built lazily: a worker that only
 * dispatches never loads a model.
 */
export class StageMethods {
  private readonly copywriters = new Map<string, Promise<Copywriter>>();
  private predictorInstance?: Promise<Predictor>;

  constructor(readonly home: string) {}

  segmenter(method: string): Segmenter {
    if (method === 'rfm-quantile') return new RfmQuantileSegmenter();
    throw new Error(`segmentation method '${method}' is not available`);
  }

  predictor(): Promise<Predictor> {
    this.predictorInstance ??= Promise.resolve(new TopFrequencyPredictor());
    return this.predictorInstance;
  }

  copywriter(currency: string): Promise<Copywriter> {
    let copywriter = this.copywriters.get(currency);
    if (!copywriter) {
      copywriter = Promise.resolve(new TemplateCopywriter({ currency }));
      this.copywriters.set(currency, copywriter);
    }
    return copywriter;
  }

  async close(): Promise<void> {
    for (const pending of this.copywriters.values()) await (await pending).close?.();
    this.copywriters.clear();
  }
}

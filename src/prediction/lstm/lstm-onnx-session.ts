import * as ort from 'onnxruntime-node';
import type { NetworkOutputs } from './lstm-network.js';
import { ONNX_INPUTS, ONNX_OUTPUTS } from './lstm-onnx-export.js';
import type { SequenceBatch } from './sequence-batch.js';

/** Where onnxruntime runs the model: CPU by default, CUDA when configured and installed. */
export type ExecutionProvider = 'cpu' | 'cuda';

export interface SessionOptions {
  executionProvider?: ExecutionProvider;
  /** Intra-op threads for the CPU provider (default: onnxruntime's choice). */
  threads?: number;
}

/** The configured execution provider cannot run here (a configuration problem, not a transient one). */
export class ExecutionProviderUnavailableError extends Error {
  override readonly name = 'ExecutionProviderUnavailableError';
}

/** An onnxruntime session over an exported next-basket model. */
export class LstmOnnxSession {
  private constructor(private readonly session: ort.InferenceSession) {}

  static async open(model: string | Uint8Array, options: SessionOptions = {}): Promise<LstmOnnxSession> {
    const provider = options.executionProvider ?? 'cpu';
    const sessionOptions: ort.InferenceSession.SessionOptions = {
      executionProviders: provider === 'cuda' ? ['cuda', 'cpu'] : ['cpu'],
      graphOptimizationLevel: 'all',
      ...(options.threads ? { intraOpNumThreads: options.threads } : {}),
    };
    try {
      const session =
        typeof model === 'string'
          ? await ort.InferenceSession.create(model, sessionOptions)
          : await ort.InferenceSession.create(model, sessionOptions);
      return new LstmOnnxSession(session);
    } catch (error) {
      if (provider === 'cuda' && /cuda|shared library|provider/i.test((error as Error).message)) {
        throw new ExecutionProviderUnavailableError(
          'onnxruntime cannot use CUDA here: install onnxruntime-node with ONNXRUNTIME_NODE_INSTALL=cuda12 ' +
            `on a machine with an NVIDIA driver, or set the prediction provider to 'cpu' (${(error as Error).message})`,
        );
      }
      throw error;
    }
  }

  /**
   * The `count` best slots per customer [customers × count] (best first) and log gaps of a
   * prediction batch: top-k runs inside the graph, so only k slots per customer cross into JS.
   */
  async top(
    batch: SequenceBatch,
    vocabulary: number,
    count: number,
  ): Promise<{ slots: BigInt64Array; logGap: Float32Array }> {
    const result = await this.session.run(onnxFeeds(batch, vocabulary, count), [
      ONNX_OUTPUTS.topSlots,
      ONNX_OUTPUTS.logGap,
    ]);
    return {
      slots: result[ONNX_OUTPUTS.topSlots].data as BigInt64Array,
      logGap: result[ONNX_OUTPUTS.logGap].data as Float32Array,
    };
  }

  /** Every output, the network's parts included (for the export round-trip check). */
  async run(
    batch: SequenceBatch,
    vocabulary: number,
  ): Promise<NetworkOutputs & { scores: Float32Array; ranking: Float32Array }> {
    const result = await this.session.run(onnxFeeds(batch, vocabulary, 1));
    return {
      ranking: result[ONNX_OUTPUTS.ranking].data as Float32Array,
      scores: result[ONNX_OUTPUTS.scores].data as Float32Array,
      logits: result[ONNX_OUTPUTS.logits].data as Float32Array,
      repeatWeights: result[ONNX_OUTPUTS.repeatWeights].data as Float32Array,
      logGap: result[ONNX_OUTPUTS.logGap].data as Float32Array,
    };
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}

/** The graph inputs of a prediction batch. */
export function onnxFeeds(
  batch: SequenceBatch,
  vocabulary: number,
  topCount: number,
): Record<string, ort.Tensor> {
  const customers = batch.customers;
  if (batch.rows !== customers) throw new Error('ONNX batches need exactly one prediction row per customer');
  const steps = batch.stepItemStart.length - 1;
  const items = batch.stepItems.length;
  const G = steps > 0 ? batch.stepFeatures.length / steps : 0;

  // Gather takes int32 indices; ScatterND needs int64, written as little-endian (value, 0) pairs
  // of an Int32Array (indices are < 2^31): no BigInt per element.
  const itemBasket = new Int32Array(2 * items);
  const basketScale = new Float32Array(steps);
  for (let s = 0; s < steps; s++) {
    const i0 = batch.stepItemStart[s];
    const i1 = batch.stepItemStart[s + 1];
    basketScale[s] = i1 > i0 ? 1 / (i1 - i0) : 0;
    for (let i = i0; i < i1; i++) itemBasket[2 * i] = s;
  }
  let longest = 0;
  const lengths = new Int32Array(customers);
  for (let b = 0; b < customers; b++) {
    lengths[b] = batch.stepStart[b + 1] - batch.stepStart[b];
    if (lengths[b] < 1) throw new Error(`batch customer ${b} has no basket`);
    if (batch.rowStep[b] !== batch.stepStart[b + 1] - 1)
      throw new Error('prediction rows must read the last step');
    if (lengths[b] > longest) longest = lengths[b];
  }
  // Time-major step → basket index; padded steps repeat the last basket (ignored via sequence_lens).
  const stepBasket = new Int32Array(longest * customers);
  for (let t = 0; t < longest; t++) {
    for (let b = 0; b < customers; b++)
      stepBasket[t * customers + b] = batch.stepStart[b] + Math.min(t, lengths[b] - 1);
  }
  const entries = batch.repeatItems.length;
  const K = entries > 0 ? batch.repeatFeatures.length / entries : 0;
  const repeatIndex = new Int32Array(2 * entries);
  const repeatRow = new Int32Array(entries);
  for (let r = 0; r < batch.rows; r++) {
    for (let e = batch.repeatStart[r]; e < batch.repeatStart[r + 1]; e++) {
      repeatIndex[2 * e] = r * vocabulary + batch.repeatItems[e];
      repeatRow[e] = r;
    }
  }
  const int64 = (pairs: Int32Array) => new BigInt64Array(pairs.buffer, pairs.byteOffset, pairs.length / 2);
  const int32 = (values: Uint32Array) => new Int32Array(values.buffer, values.byteOffset, values.length);
  const I = ONNX_INPUTS;
  return {
    [I.topCount]: new ort.Tensor('int64', BigInt64Array.of(BigInt(Math.min(topCount, vocabulary))), [1]),
    [I.repeatIndex]: new ort.Tensor('int64', int64(repeatIndex), [entries, 1]),
    [I.repeatRow]: new ort.Tensor('int32', repeatRow, [entries]),
    [I.repeatSlot]: new ort.Tensor('int32', int32(batch.repeatItems), [entries]),
    [I.repeatFeatures]: new ort.Tensor('float32', batch.repeatFeatures, [entries, K]),
    [I.items]: new ort.Tensor('int32', int32(batch.stepItems), [items]),
    [I.itemBasket]: new ort.Tensor('int64', int64(itemBasket), [items, 1]),
    [I.basketScale]: new ort.Tensor('float32', basketScale, [steps, 1]),
    [I.basketFeatures]: new ort.Tensor('float32', batch.stepFeatures, [steps, G]),
    [I.stepBasket]: new ort.Tensor('int32', stepBasket, [longest, customers]),
    [I.sequenceLengths]: new ort.Tensor('int32', lengths, [customers]),
  };
}

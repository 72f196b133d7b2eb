import { inputWidth, type LstmShape, parameterLayout } from './lstm-parameters.js';
import { AttributeType, onnxModelType, TensorDataType } from './onnx-schema.js';
import { BLEND_FEATURE } from './repeat-blend.js';

/** Names of the exported graph's inputs and outputs (the serving contract). */
export const ONNX_INPUTS = {
  /** int32 [items]: vocabulary slot of every item of every basket in the batch. */
  items: 'items',
  /** int64 [items, 1]: the basket (row of basket_features) each item belongs to. */
  itemBasket: 'item_basket',
  /** float [baskets, 1]: 1 / items in the basket (the embedding mean). */
  basketScale: 'basket_scale',
  /** float [baskets, basketFeatures] */
  basketFeatures: 'basket_features',
  /** int32 [steps, customers]: basket of each step, time-major; padding may point anywhere. */
  stepBasket: 'step_basket',
  /** int32 [customers]: valid steps per customer. */
  sequenceLengths: 'sequence_lens',
  /** int64 [entries, 1]: customer row × vocabulary + slot of each product the customer bought. */
  repeatIndex: 'repeat_index',
  /** int32 [entries]: customer row of each repeat entry. */
  repeatRow: 'repeat_row',
  /** int32 [entries]: vocabulary slot of each repeat entry. */
  repeatSlot: 'repeat_slot',
  /** float [entries, repeatFeatures] */
  repeatFeatures: 'repeat_features',
  /** int64 [1]: how many best slots `top_slots` returns. */
  topCount: 'top_count',
} as const;

export const ONNX_OUTPUTS = {
  /** int64 [customers, top_count]: best slots by ranking score, best first (ties: lower slot). */
  topSlots: 'top_slots',
  /** float [customers, top_count] */
  topScores: 'top_scores',
  /** float [customers, vocabulary]: the final ranking score (softmax + own-purchase share). */
  ranking: 'ranking',
  /** float [customers, vocabulary]: logits + the learned repeat terms. */
  scores: 'scores',
  /** float [customers, vocabulary]: the sequence part alone */
  logits: 'logits',
  /** float [customers, repeatFeatures] */
  repeatWeights: 'repeat_weights',
  /** float [customers, 1]: log1p(days to the next order) */
  logGap: 'log_gap_days',
} as const;

export const ONNX_OPSET = 17;

interface TensorSpec {
  name: string;
  dims: number[];
  data_type: number;
  raw_data: Uint8Array;
}

function floatTensor(name: string, dims: number[], values: ArrayLike<number>): TensorSpec {
  const data = Float32Array.from(values);
  return { name, dims, data_type: TensorDataType.FLOAT, raw_data: new Uint8Array(data.buffer) };
}

function int64Tensor(name: string, values: number[]): TensorSpec {
  const data = BigInt64Array.from(values.map((v) => BigInt(v)));
  return {
    name,
    dims: [values.length],
    data_type: TensorDataType.INT64,
    raw_data: new Uint8Array(data.buffer),
  };
}

function valueInfo(name: string, elemType: number, dims: (number | string)[]) {
  return {
    name,
    type: {
      tensor_type: {
        elem_type: elemType,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) },
      },
    },
  };
}

type Attribute = {
  name: string;
  type: number;
  i?: number;
  f?: number;
  s?: Uint8Array;
  t?: TensorSpec;
  ints?: number[];
};

function node(opType: string, inputs: string[], outputs: string[], attribute: Attribute[] = []) {
  return { op_type: opType, name: `${opType}_${outputs[0]}`, input: inputs, output: outputs, attribute };
}

function slice(values: Float32Array, start: number, length: number): Float32Array {
  return values.subarray(start, start + length);
}

/**
 * The trained network as a standard ONNX model (opset 17): Gather + ScatterND(add) build the
 * basket means, the ONNX `LSTM` operator runs the sequences (sequence_lens for ragged batches),
 * three Gemm heads give the catalogue logits, repeat weights and log gap, a sparse
 * ScatterND(add) blends the repeat features of each customer's own products into the scores,
 * and the final ranking adds blendWeight × own-purchase share to the softmax (repeat-blend.ts).
 */
export function exportLstmOnnx(
  shape: LstmShape,
  params: Float32Array,
  blendWeight: number,
  metadata: Record<string, string> = {},
): Uint8Array {
  const { vocabulary: V, embedding: d, basketFeatures: G, hidden: H, repeatFeatures: K } = shape;
  const D = inputWidth(shape);
  const L = parameterLayout(shape);
  if (params.length !== L.total)
    throw new RangeError(`parameters hold ${params.length} values, shape needs ${L.total}`);

  const gateBias = slice(params, L.gateBias, 4 * H);
  const lstmBias = new Float32Array(8 * H);
  lstmBias.set(gateBias, 0); // Wb; Rb stays zero
  const initializer = [
    floatTensor('embedding', [V, d], slice(params, L.embedding, V * d)),
    floatTensor('lstm_W', [1, 4 * H, D], slice(params, L.inputWeights, 4 * H * D)),
    floatTensor('lstm_R', [1, 4 * H, H], slice(params, L.recurrentWeights, 4 * H * H)),
    floatTensor('lstm_B', [1, 8 * H], lstmBias),
    floatTensor('output_W', [V, H], slice(params, L.outputWeights, V * H)),
    floatTensor('output_b', [V], slice(params, L.outputBias, V)),
    floatTensor('repeat_W', [K, H], slice(params, L.repeatModulation, K * H)),
    floatTensor('repeat_b', [K], slice(params, L.repeatBias, K)),
    floatTensor('repeat_item_bias', [V], slice(params, L.repeatItemBias, V)),
    floatTensor('gap_W', [1, H], slice(params, L.gapWeights, H)),
    floatTensor('gap_b', [1], slice(params, L.gapBias, 1)),
    int64Tensor('embedding_width', [d]),
    int64Tensor('zero_index', [0]),
    int64Tensor('one_index', [1]),
    int64Tensor('flat_shape', [-1]),
    int64Tensor('blend_feature', [BLEND_FEATURE]),
    floatTensor('blend_weight', [1], [blendWeight]),
  ];
  const I = ONNX_INPUTS;
  const O = ONNX_OUTPUTS;
  const nodes = [
    node(
      'Gather',
      ['embedding', I.items],
      ['item_embedding'],
      [{ name: 'axis', type: AttributeType.INT, i: 0 }],
    ),
    node('Shape', [I.basketScale], ['basket_scale_shape']),
    node('Slice', ['basket_scale_shape', 'zero_index', 'one_index'], ['basket_count']),
    node(
      'Concat',
      ['basket_count', 'embedding_width'],
      ['basket_sum_shape'],
      [{ name: 'axis', type: AttributeType.INT, i: 0 }],
    ),
    node(
      'ConstantOfShape',
      ['basket_sum_shape'],
      ['basket_zeros'],
      [{ name: 'value', type: AttributeType.TENSOR, t: floatTensor('zero', [1], [0]) }],
    ),
    node(
      'ScatterND',
      ['basket_zeros', I.itemBasket, 'item_embedding'],
      ['basket_sum'],
      [{ name: 'reduction', type: AttributeType.STRING, s: new TextEncoder().encode('add') }],
    ),
    node('Mul', ['basket_sum', I.basketScale], ['basket_mean']),
    node(
      'Concat',
      ['basket_mean', I.basketFeatures],
      ['basket_input'],
      [{ name: 'axis', type: AttributeType.INT, i: 1 }],
    ),
    node(
      'Gather',
      ['basket_input', I.stepBasket],
      ['lstm_input'],
      [{ name: 'axis', type: AttributeType.INT, i: 0 }],
    ),
    node(
      'LSTM',
      ['lstm_input', 'lstm_W', 'lstm_R', 'lstm_B', I.sequenceLengths],
      ['', 'lstm_last_hidden'],
      [
        { name: 'hidden_size', type: AttributeType.INT, i: H },
        { name: 'direction', type: AttributeType.STRING, s: new TextEncoder().encode('forward') },
      ],
    ),
    node('Squeeze', ['lstm_last_hidden', 'zero_index'], ['hidden']),
    node(
      'Gemm',
      ['hidden', 'output_W', 'output_b'],
      [O.logits],
      [{ name: 'transB', type: AttributeType.INT, i: 1 }],
    ),
    node(
      'Gemm',
      ['hidden', 'repeat_W', 'repeat_b'],
      [O.repeatWeights],
      [{ name: 'transB', type: AttributeType.INT, i: 1 }],
    ),
    node(
      'Gemm',
      ['hidden', 'gap_W', 'gap_b'],
      [O.logGap],
      [{ name: 'transB', type: AttributeType.INT, i: 1 }],
    ),
    // Repeat blend: scores[row, slot] += ρ[slot] + Σ_k weights[row, k] · features[entry, k].
    node(
      'Gather',
      [O.repeatWeights, I.repeatRow],
      ['entry_weights'],
      [{ name: 'axis', type: AttributeType.INT, i: 0 }],
    ),
    node('Mul', ['entry_weights', I.repeatFeatures], ['entry_terms']),
    node(
      'ReduceSum',
      ['entry_terms', 'one_index'],
      ['entry_feature_score'],
      [{ name: 'keepdims', type: AttributeType.INT, i: 0 }],
    ),
    node(
      'Gather',
      ['repeat_item_bias', I.repeatSlot],
      ['entry_item_bias'],
      [{ name: 'axis', type: AttributeType.INT, i: 0 }],
    ),
    node('Add', ['entry_feature_score', 'entry_item_bias'], ['entry_score']),
    node('Reshape', [O.logits, 'flat_shape'], ['flat_logits']),
    node(
      'ScatterND',
      ['flat_logits', I.repeatIndex, 'entry_score'],
      ['flat_scores'],
      [{ name: 'reduction', type: AttributeType.STRING, s: new TextEncoder().encode('add') }],
    ),
    node('Shape', [O.logits], ['scores_shape']),
    node('Reshape', ['flat_scores', 'scores_shape'], [O.scores]),
    // Final ranking: softmax + blendWeight × share of the customer's baskets holding the product.
    node('Softmax', [O.scores], ['probabilities'], [{ name: 'axis', type: AttributeType.INT, i: 1 }]),
    node(
      'Gather',
      [I.repeatFeatures, 'blend_feature'],
      ['entry_share_column'],
      [{ name: 'axis', type: AttributeType.INT, i: 1 }],
    ),
    node('Reshape', ['entry_share_column', 'flat_shape'], ['entry_share']),
    node('Mul', ['entry_share', 'blend_weight'], ['entry_boost']),
    node('Reshape', ['probabilities', 'flat_shape'], ['flat_probabilities']),
    node(
      'ScatterND',
      ['flat_probabilities', I.repeatIndex, 'entry_boost'],
      ['flat_ranking'],
      [{ name: 'reduction', type: AttributeType.STRING, s: new TextEncoder().encode('add') }],
    ),
    node('Reshape', ['flat_ranking', 'scores_shape'], [O.ranking]),
    node(
      'TopK',
      [O.ranking, I.topCount],
      [O.topScores, O.topSlots],
      [{ name: 'axis', type: AttributeType.INT, i: 1 }],
    ),
  ];
  const model = {
    ir_version: 8,
    opset_import: [{ domain: '', version: ONNX_OPSET }],
    producer_name: 'tailor',
    producer_version: '1',
    doc_string: 'Tailor next-basket LSTM: basket means → LSTM → catalogue logits, repeat weights, log gap.',
    graph: {
      name: 'tailor_next_basket_lstm',
      node: nodes,
      initializer,
      input: [
        valueInfo(I.items, TensorDataType.INT32, ['items']),
        valueInfo(I.itemBasket, TensorDataType.INT64, ['items', 1]),
        valueInfo(I.basketScale, TensorDataType.FLOAT, ['baskets', 1]),
        valueInfo(I.basketFeatures, TensorDataType.FLOAT, ['baskets', G]),
        valueInfo(I.stepBasket, TensorDataType.INT32, ['steps', 'customers']),
        valueInfo(I.sequenceLengths, TensorDataType.INT32, ['customers']),
        valueInfo(I.repeatIndex, TensorDataType.INT64, ['entries', 1]),
        valueInfo(I.repeatRow, TensorDataType.INT32, ['entries']),
        valueInfo(I.repeatSlot, TensorDataType.INT32, ['entries']),
        valueInfo(I.repeatFeatures, TensorDataType.FLOAT, ['entries', K]),
        valueInfo(I.topCount, TensorDataType.INT64, [1]),
      ],
      output: [
        valueInfo(O.topSlots, TensorDataType.INT64, ['customers', 'top_count']),
        valueInfo(O.topScores, TensorDataType.FLOAT, ['customers', 'top_count']),
        valueInfo(O.ranking, TensorDataType.FLOAT, ['customers', V]),
        valueInfo(O.scores, TensorDataType.FLOAT, ['customers', V]),
        valueInfo(O.logits, TensorDataType.FLOAT, ['customers', V]),
        valueInfo(O.repeatWeights, TensorDataType.FLOAT, ['customers', K]),
        valueInfo(O.logGap, TensorDataType.FLOAT, ['customers', 1]),
      ],
    },
    metadata_props: Object.entries(metadata).map(([key, value]) => ({ key, value })),
  };
  const type = onnxModelType();
  const problem = type.verify(model);
  if (problem) throw new Error(`ONNX model does not match the schema: ${problem}`);
  return type.encode(type.fromObject(model)).finish();
}

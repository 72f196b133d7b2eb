/**
 * Copy generation throughput: the generate stage (LlmCopywriter on the threaded model runtime:
 * prompt building, batched generation, guardrails, retry, template fallback) against a bare
 * transformers.js `pipeline('text-generation')` call, on the same prompts, batch size and token
 * budget, in the same run. Prints one JSON line.
 *
 *   node <build>/bench/generate.js --model DIR --prompts N [--batch-size 8] [--rounds 3] [--json]
 *
 * The bare side replays the stage's own generate calls (first passes and sampled retries, same
 * seeds). Both sides count new tokens the same way (up to and including end-of-sequence, padding
 * not counted), and the best of `rounds` alternating runs is kept for each, so a noisy neighbour on
 * a shared machine hurts neither side more than the other.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type ChatMessage, plainPrompt } from '../src/generation/chat-messages.js';
import type { Channel, CopyRequest } from '../src/generation/copywriter.js';
import { LlmCopywriter } from '../src/generation/llm-copywriter.js';
import {
  MODEL_DEVICES,
  MODEL_DTYPES,
  type ModelDevice,
  type ModelDtype,
  resolveModelLocation,
} from '../src/generation/model-config.js';
import {
  type GenerateOptions,
  openModelRuntime,
  type TextGenerator,
} from '../src/generation/model-runtime.js';
import { buildCopyPrompt } from '../src/generation/prompt-builder.js';

const { values: args } = parseArgs({
  options: {
    model: { type: 'string' },
    prompts: { type: 'string', default: '32' },
    'batch-size': { type: 'string', default: '8' },
    rounds: { type: 'string', default: '3' },
    dtype: { type: 'string' },
    device: { type: 'string', default: 'auto' },
    threads: { type: 'string' },
    'email-tokens': { type: 'string' },
    'ads-tokens': { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});

const positive = (name: string, value: string | undefined): number | undefined => {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got "${value}"`);
  return n;
};
const promptCount = positive('prompts', args.prompts)!;
const batchSize = positive('batch-size', args['batch-size'])!;
const rounds = positive('rounds', args.rounds)!;
const threads = positive('threads', args.threads);
if (args.dtype && !MODEL_DTYPES.includes(args.dtype as ModelDtype))
  throw new Error(`--dtype must be one of ${MODEL_DTYPES.join(', ')}`);
if (!MODEL_DEVICES.includes(args.device as ModelDevice))
  throw new Error(`--device must be one of ${MODEL_DEVICES.join(', ')}`);
const maxNewTokens: Record<Channel, number> = {
  email: positive('email-tokens', args['email-tokens']) ?? 256,
  ads: positive('ads-tokens', args['ads-tokens']) ?? 72,
};
const model = args.model ?? fixtureModel();
const config = {
  model,
  dtype: args.dtype as ModelDtype | undefined,
  device: args.device as ModelDevice,
  threads,
};

/** The test fixture model, found upwards from this file (bench/ in the repo or in a build directory). */
function fixtureModel(): string {
  const relative = join('test', 'fixtures', 'models', 'karpathy', 'stories260K');
  for (let dir = dirname(fileURLToPath(import.meta.url)); dirname(dir) !== dir; dir = dirname(dir)) {
    if (existsSync(join(dir, relative))) return join(dir, relative);
  }
  throw new Error(`no ${relative} above ${fileURLToPath(import.meta.url)}: pass --model DIR`);
}

// A small UCI-style catalogue and the segment names the segmenters produce.
const CATALOGUE = [
  ['WHITE HANGING HEART T-LIGHT HOLDER', 2.55],
  ['REGENCY CAKESTAND 3 TIER', 12.75],
  ['JUMBO BAG RED RETROSPOT', 2.08],
  ['PARTY BUNTING', 4.95],
  ['LUNCH BAG RED RETROSPOT', 1.65],
  ['SET OF 3 CAKE TINS PANTRY DESIGN', 4.95],
  ['PACK OF 72 RETROSPOT CAKE CASES', 0.55],
  ['ASSORTED COLOUR BIRD ORNAMENT', 1.69],
  ['NATURAL SLATE HEART CHALKBOARD', 2.95],
  ['HEART OF WICKER SMALL', 1.65],
] as const;
const SEGMENTS = [
  ['Champions', 'Bought recently, order often and spend the most.'],
  ['Loyal customers', 'Order regularly with steady spend.'],
  ['At risk', 'Used to order often but have not for months.'],
  ['New customers', 'First orders in the last few weeks.'],
  ['Hibernating', 'Few, small, old orders.'],
] as const;

function benchRequests(count: number): CopyRequest[] {
  return Array.from({ length: count }, (_, i) => {
    const [name, description] = SEGMENTS[i % SEGMENTS.length];
    const products = [0, 1, 2].map((j) => {
      const [title, price] = CATALOGUE[(i * 3 + j * 7) % CATALOGUE.length];
      return { title, price, url: `https://shop.example.com/p/${(i * 3 + j * 7) % CATALOGUE.length}` };
    });
    return {
      key: `bench-${i}`,
      channel: i % 2 === 0 ? 'email' : 'ads',
      brand: { name: 'Hearth & Home', voice: 'Warm, playful, never pushy.' },
      segment: { name, description },
      products,
      ...(i % 3 === 0 && { customer: { firstName: 'Ada', country: 'United Kingdom' } }),
    };
  });
}

interface Run {
  seconds: number;
  tokens: number;
  eventLoopDelayMaxMs: number;
}

async function measure(work: () => Promise<number>): Promise<Run> {
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  const started = performance.now();
  const tokens = await work();
  const seconds = (performance.now() - started) / 1000;
  delay.disable();
  return { seconds, tokens, eventLoopDelayMaxMs: delay.max / 1e6 };
}

const requests = benchRequests(promptCount);
const runtime = await openModelRuntime(config);
const info = runtime.info;

// The bare side: the library's own pipeline, same weights, device, prompts and batches.
const transformers = await import('@huggingface/transformers');
const location = resolveModelLocation(config);
transformers.env.allowRemoteModels = false;
transformers.env.useFSCache = false;
transformers.env.localModelPath = location.localModelPath;
const pipe = await transformers.pipeline('text-generation', location.localId, {
  dtype: location.dtype,
  device: info.device,
  ...(threads !== undefined && { session_options: { intraOpNumThreads: threads } }),
});
const eos = new Set<number>(
  [pipe.model.generation_config?.eos_token_id ?? pipe.tokenizer.eos_token_id].flat(),
);
let bareTokens = 0;
const generate = pipe.model.generate.bind(pipe.model);
// Count new tokens exactly as the stage does, from the ids the pipeline's own generate returns.
pipe.model.generate = (async (inputs: { input_ids: { dims: number[] } }) => {
  const output = (await generate(inputs as never)) as { dims: number[]; data: BigInt64Array };
  const promptWidth = inputs.input_ids.dims[1];
  const [rows, width] = output.dims;
  for (let row = 0; row < rows; row++) {
    for (let j = promptWidth; j < width; j++) {
      bareTokens++;
      if (eos.has(Number(output.data[row * width + j]))) break;
    }
  }
  return output;
}) as typeof pipe.model.generate;

/**
 * The stage's generate calls (prompts and options, retries included), recorded on a warm-up run.
 * The first pass is greedy and retries use fixed seeds, so every round makes exactly these calls,
 * and the bare side replays them: the same prompts, batches, budgets and sampling.
 */
const calls: { prompts: ChatMessage[][]; options: GenerateOptions }[] = [];
const recorder: TextGenerator = {
  info,
  generateCalls: 0,
  generate(prompts, options) {
    calls.push({ prompts, options });
    return runtime.generate(prompts, options);
  },
  close: () => runtime.close(),
};
await new LlmCopywriter(recorder, { batchSize, maxNewTokens }).write(requests);

async function runBare(): Promise<number> {
  bareTokens = 0;
  for (const { prompts, options } of calls) {
    if (options.seed !== undefined) transformers.random.seed(options.seed);
    await pipe(prompts.map((m) => (info.chatTemplate ? m : plainPrompt(m))) as never, {
      max_new_tokens: options.maxNewTokens,
      do_sample: options.doSample ?? false,
      ...(options.temperature !== undefined && { temperature: options.temperature }),
      ...(options.topK !== undefined && { top_k: options.topK }),
      ...(options.topP !== undefined && { top_p: options.topP }),
    });
  }
  return bareTokens;
}

let lastWriter: LlmCopywriter | undefined;
async function runStage(): Promise<number> {
  lastWriter = new LlmCopywriter(runtime, { batchSize, maxNewTokens });
  await lastWriter.write(requests);
  return lastWriter.stats.generatedTokens;
}

// Warm the bare side too (session graphs, allocator arenas).
await pipe([plainPrompt(buildCopyPrompt(requests[0]))] as never, { max_new_tokens: 8 });

const stageRuns: Run[] = [];
const bareRuns: Run[] = [];
for (let round = 0; round < rounds; round++) {
  if (round % 2 === 0) {
    bareRuns.push(await measure(runBare));
    stageRuns.push(await measure(runStage));
  } else {
    stageRuns.push(await measure(runStage));
    bareRuns.push(await measure(runBare));
  }
  if (!args.json)
    console.error(
      `round ${round + 1}/${rounds}: stage ${stageRuns.at(-1)!.seconds.toFixed(2)} s, bare ${bareRuns.at(-1)!.seconds.toFixed(2)} s`,
    );
}
const best = (runs: Run[]) => runs.reduce((a, b) => (b.tokens / b.seconds > a.tokens / a.seconds ? b : a));
const stage = best(stageRuns);
const bare = best(bareRuns);
const stats = lastWriter!.stats;
const round3 = (x: number) => Math.round(x * 1000) / 1000;

console.log(
  JSON.stringify({
    bench: 'generate',
    model: info.modelId,
    dtype: info.dtype,
    device: info.device,
    deviceNote: info.deviceNote,
    prompts: promptCount,
    batchSize,
    maxNewTokens,
    rounds,
    stageTokensPerSecond: round3(stage.tokens / stage.seconds),
    bareTokensPerSecond: round3(bare.tokens / bare.seconds),
    stageToBare: round3(stage.tokens / stage.seconds / (bare.tokens / bare.seconds)),
    promptsPerSecond: round3(promptCount / stage.seconds),
    guardrailPassRate: round3(stats.model / stats.generations),
    stageSeconds: round3(stage.seconds),
    bareSeconds: round3(bare.seconds),
    stageTokens: stage.tokens,
    bareTokens: bare.tokens,
    generateCalls: stats.generateCalls,
    bareCalls: calls.length,
    retries: stats.retries,
    fallbackReasons: stats.fallbackReasons,
    // The stage generates on a worker thread; the bare pipeline blocks the thread it runs on.
    eventLoopDelayMaxMs: { stage: round3(stage.eventLoopDelayMaxMs), bare: round3(bare.eventLoopDelayMaxMs) },
    node: process.version,
  }),
);
await runtime.close();
await pipe.dispose();

import type { PreTrainedModel, PreTrainedTokenizer, Tensor } from '@huggingface/transformers';
import { type ChatMessage, plainPrompt } from './chat-messages.js';
import { deviceCandidates, type ExecutionDevice } from './device-select.js';
import { type ModelLocation, type ModelRuntimeConfig, resolveModelLocation } from './model-config.js';

export interface GenerateOptions {
  maxNewTokens: number;
  /** Greedy when false (the default): the same prompt gives the same copy, so caching is sound. */
  doSample?: boolean;
  temperature?: number;
  topK?: number;
  topP?: number;
  repetitionPenalty?: number;
  /** Seeds transformers.js's sampler before the call, so a retry is reproducible. */
  seed?: number;
}

export interface GenerateOutput {
  /** The generated continuation of each prompt, special tokens removed. */
  texts: string[];
  promptTokens: number[];
  /** New tokens per prompt up to and including its end-of-sequence token; padding not counted. */
  generatedTokens: number[];
  seconds: number;
}

export interface RuntimeInfo {
  modelId: string;
  dir: string;
  dtype: string;
  device: ExecutionDevice;
  /** How the device was chosen, e.g. "auto: cuda failed (...); using cpu". */
  deviceNote: string;
  chatTemplate: boolean;
  loadSeconds: number;
}

type Transformers = typeof import('@huggingface/transformers');

/**
 * One loaded model and tokenizer, used from the thread that owns it (the generation thread, or the
 * caller's thread in-process). Loading is offline only: remote models are disabled.
 */
export class GenerationEngine {
  private constructor(
    private readonly lib: Transformers,
    private readonly tokenizer: PreTrainedTokenizer,
    private readonly model: PreTrainedModel,
    private readonly eosIds: Set<number>,
    readonly info: RuntimeInfo,
  ) {}

  static async load(config: ModelRuntimeConfig): Promise<GenerationEngine> {
    const started = performance.now();
    const location = resolveModelLocation(config);
    const lib = await import('@huggingface/transformers');
    lib.env.allowRemoteModels = false;
    lib.env.allowLocalModels = true;
    lib.env.useFSCache = false;
    lib.env.localModelPath = location.localModelPath;
    const tokenizer = await lib.AutoTokenizer.from_pretrained(location.localId);
    tokenizer.padding_side = 'left'; // decoder-only: new tokens must follow every prompt directly
    const { model, device, note } = await loadOnDevice(lib, location, config);
    const eos = model.generation_config?.eos_token_id ?? tokenizer.eos_token_id;
    const eosIds = new Set<number>((Array.isArray(eos) ? eos : [eos]).filter((id) => typeof id === 'number'));
    const info: RuntimeInfo = {
      modelId: location.modelId,
      dir: location.dir,
      dtype: location.dtype,
      device,
      deviceNote: note,
      chatTemplate: Boolean(tokenizer.chat_template),
      loadSeconds: (performance.now() - started) / 1000,
    };
    return new GenerationEngine(lib, tokenizer, model, eosIds, info);
  }

  /** The exact text the model sees: the chat template when the model has one, plain text otherwise. */
  render(messages: readonly ChatMessage[]): string {
    if (!this.info.chatTemplate) return plainPrompt(messages);
    return this.tokenizer.apply_chat_template(messages as ChatMessage[], {
      tokenize: false,
      add_generation_prompt: true,
    }) as string;
  }

  /** One batched generate call over all prompts (left-padded). */
  async generate(
    prompts: readonly (readonly ChatMessage[])[],
    options: GenerateOptions,
  ): Promise<GenerateOutput> {
    const started = performance.now();
    const texts = prompts.map((messages) => this.render(messages));
    // Chat templates carry their own special tokens; plain prompts get the tokenizer's (BOS).
    const addSpecial = this.info.chatTemplate
      ? false
      : Boolean(this.tokenizer.add_bos_token || this.tokenizer.add_eos_token);
    const inputs = this.tokenizer(texts, { add_special_tokens: addSpecial, padding: true, truncation: true });
    const attention = inputs.attention_mask as Tensor;
    const promptWidth = attention.dims[1];
    const mask = attention.data as BigInt64Array;
    const promptTokens = prompts.map((_, row) => {
      let count = 0;
      for (let j = 0; j < promptWidth; j++) count += Number(mask[row * promptWidth + j]);
      return count;
    });
    if (options.seed !== undefined) this.lib.random.seed(options.seed);
    const output = (await this.model.generate({
      ...inputs,
      max_new_tokens: options.maxNewTokens,
      do_sample: options.doSample ?? false,
      ...(options.temperature !== undefined && { temperature: options.temperature }),
      ...(options.topK !== undefined && { top_k: options.topK }),
      ...(options.topP !== undefined && { top_p: options.topP }),
      ...(options.repetitionPenalty !== undefined && { repetition_penalty: options.repetitionPenalty }),
    })) as Tensor;
    const [rows, width] = output.dims;
    const ids = output.data as BigInt64Array;
    const generated: string[] = [];
    const generatedTokens: number[] = [];
    for (let row = 0; row < rows; row++) {
      const fresh: number[] = [];
      let counted = 0;
      for (let j = promptWidth; j < width; j++) {
        const id = Number(ids[row * width + j]);
        counted++;
        if (this.eosIds.has(id)) break; // what follows is padding
        fresh.push(id);
      }
      generatedTokens.push(counted);
      generated.push(this.tokenizer.decode(fresh, { skip_special_tokens: true }));
    }
    return { texts: generated, promptTokens, generatedTokens, seconds: (performance.now() - started) / 1000 };
  }

  async dispose(): Promise<void> {
    await this.model.dispose();
  }
}

async function loadOnDevice(
  lib: Transformers,
  location: ModelLocation,
  config: ModelRuntimeConfig,
): Promise<{ model: PreTrainedModel; device: ExecutionDevice; note: string }> {
  const { devices, note } = deviceCandidates(config.device ?? 'auto');
  const failures: string[] = [];
  for (const device of devices) {
    try {
      const model = await lib.AutoModelForCausalLM.from_pretrained(location.localId, {
        dtype: location.dtype,
        device,
        ...(config.threads !== undefined && { session_options: { intraOpNumThreads: config.threads } }),
      });
      const fellBack = failures.length > 0 ? `; ${failures.join('; ')}; using ${device}` : '';
      return { model, device, note: note + fellBack };
    } catch (error) {
      const message = (error as Error).message.split('\n')[0];
      if (devices.length === 1 || device === devices[devices.length - 1]) {
        throw new Error(`cannot load model ${location.modelId} (${location.dtype}) on ${device}: ${message}`);
      }
      failures.push(`${device} failed (${message})`);
    }
  }
  throw new Error(`no device to load model ${location.modelId} on`);
}

import { createHash } from 'node:crypto';
import type { ChatMessage } from './chat-messages.js';
import type { PromptKeyed } from './copy-cache.js';
import type { Channel, CopyRequest, CopyResult, Copywriter } from './copywriter.js';
import { type GuardrailConfig, Guardrails, type GuardrailVerdict } from './guardrails.js';
import type { GenerateOptions, TextGenerator } from './model-runtime.js';
import { buildCopyPrompt, type PromptOptions } from './prompt-builder.js';
import { TemplateCopywriter } from './template-copywriter.js';

export interface LlmCopywriterOptions {
  /** Prompts per generate call (left-padded into one batch). */
  batchSize?: number;
  /** New-token budget per channel: enough for the limits, no more, since it bounds each call. */
  maxNewTokens?: Partial<Record<Channel, number>>;
  /** The first attempt: greedy by default, so the same prompt gives the same copy. */
  first?: Omit<GenerateOptions, 'maxNewTokens'>;
  /** The one retry after a rejection: sampled with a fixed seed; `false` for none. */
  retry?: Omit<GenerateOptions, 'maxNewTokens'> | false;
  guardrails?: GuardrailConfig;
  prompt?: PromptOptions;
  fallback?: TemplateCopywriter;
}

export interface LlmCopywriterStats {
  /** Batched generate calls (first attempts and retries). */
  generateCalls: number;
  /** Distinct prompts sent for a first attempt: one per copy key. */
  generations: number;
  retries: number;
  promptTokens: number;
  generatedTokens: number;
  model: number;
  fallback: number;
  /** Fallbacks by guardrail rule or 'model error'. */
  fallbackReasons: Record<string, number>;
  /** Seconds spent inside generate calls. */
  generateSeconds: number;
}

const DEFAULT_MAX_NEW_TOKENS: Record<Channel, number> = { email: 256, ads: 72 };
const DEFAULT_RETRY: Omit<GenerateOptions, 'maxNewTokens'> = {
  doSample: true,
  temperature: 0.7,
  topP: 0.9,
  seed: 1,
};

interface Pending {
  request: CopyRequest;
  messages: ChatMessage[];
  tokens: number;
  rejection?: string;
}

/**
 * Copy from a local language model, checked by the guardrails: requests are grouped by channel and
 * sent in batches; rejected copy is retried once with sampling, then replaced by template copy
 * with the reason recorded. Requests sharing a key are generated once.
 */
export class LlmCopywriter implements Copywriter, PromptKeyed {
  readonly name: string;
  readonly stats: LlmCopywriterStats = {
    generateCalls: 0,
    generations: 0,
    retries: 0,
    promptTokens: 0,
    generatedTokens: 0,
    model: 0,
    fallback: 0,
    fallbackReasons: {},
    generateSeconds: 0,
  };
  private readonly batchSize: number;
  private readonly maxNewTokens: Record<Channel, number>;
  private readonly first: Omit<GenerateOptions, 'maxNewTokens'>;
  private readonly retry: Omit<GenerateOptions, 'maxNewTokens'> | false;
  private readonly guardrails: Guardrails;
  private readonly fallback: TemplateCopywriter;
  private readonly settingsHash: string;

  constructor(
    private readonly runtime: TextGenerator,
    private readonly options: LlmCopywriterOptions = {},
  ) {
    this.name = runtime.info.modelId;
    this.batchSize = options.batchSize ?? 8;
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1) {
      throw new Error(`batchSize must be a positive integer, got ${options.batchSize}`);
    }
    this.maxNewTokens = { ...DEFAULT_MAX_NEW_TOKENS, ...options.maxNewTokens };
    this.first = options.first ?? { doSample: false };
    this.retry = options.retry === undefined ? DEFAULT_RETRY : options.retry;
    this.guardrails = new Guardrails(options.guardrails);
    this.fallback = options.fallback ?? new TemplateCopywriter({ currency: options.prompt?.currency });
    // Everything besides the prompt that decides the outcome belongs in the cache key.
    this.settingsHash = sha1(
      JSON.stringify([
        runtime.info.modelId,
        runtime.info.dtype,
        this.maxNewTokens,
        this.first,
        this.retry,
        options.guardrails?.blocklist ?? null,
      ]),
    );
  }

  /** Cache key: model and settings + the prompt, so any change to either misses the cache. */
  promptKey(request: CopyRequest): string {
    const prompt = JSON.stringify(buildCopyPrompt(request, this.options.prompt));
    return `${this.name}:${sha1(this.settingsHash + prompt).slice(0, 32)}`;
  }

  async write(requests: CopyRequest[]): Promise<CopyResult[]> {
    const byKey = new Map<string, CopyResult>();
    const unique = new Map<string, CopyRequest>();
    for (const request of requests) if (!unique.has(request.key)) unique.set(request.key, request);
    for (const channel of ['email', 'ads'] as const) {
      const ofChannel = [...unique.values()].filter((request) => request.channel === channel);
      for (let start = 0; start < ofChannel.length; start += this.batchSize) {
        for (const result of await this.writeBatch(ofChannel.slice(start, start + this.batchSize))) {
          byKey.set(result.key, result);
        }
      }
    }
    return requests.map((request) => ({ ...byKey.get(request.key)!, key: request.key }));
  }

  private async writeBatch(requests: CopyRequest[]): Promise<CopyResult[]> {
    const pending: Pending[] = requests.map((request) => ({
      request,
      messages: buildCopyPrompt(request, this.options.prompt),
      tokens: 0,
    }));
    this.stats.generations += pending.length;
    const results = new Map<Pending, CopyResult>();
    let open = pending;
    for (const attempt of this.retry ? [this.first, this.retry] : [this.first]) {
      if (open.length === 0) break;
      const retrying = attempt !== this.first;
      if (retrying) this.stats.retries += open.length;
      let texts: string[];
      try {
        texts = await this.generate(open, attempt);
      } catch (error) {
        for (const item of open)
          results.set(item, this.fallBack(item, `model error: ${(error as Error).message}`));
        open = [];
        break;
      }
      const rejected: Pending[] = [];
      open.forEach((item, i) => {
        const verdict = this.guardrails.check(item.request, texts[i]);
        if (verdict.ok) {
          this.stats.model++;
          results.set(item, {
            key: item.request.key,
            channel: item.request.channel,
            copy: verdict.copy,
            source: 'model',
            model: this.name,
            tokens: item.tokens,
          });
          return;
        }
        const reason = describe(verdict);
        if (item.rejection === undefined) item.rejection = reason;
        else item.rejection = `${item.rejection}; retry: ${reason}`;
        rejected.push(item);
      });
      open = rejected;
    }
    for (const item of open) results.set(item, this.fallBack(item, `guardrail ${item.rejection}`));
    return pending.map((item) => results.get(item)!);
  }

  private async generate(
    items: Pending[],
    attempt: Omit<GenerateOptions, 'maxNewTokens'>,
  ): Promise<string[]> {
    const channel = items[0].request.channel;
    this.stats.generateCalls++;
    const output = await this.runtime.generate(
      items.map((item) => item.messages),
      { ...attempt, maxNewTokens: this.maxNewTokens[channel] },
    );
    if (output.texts.length !== items.length) {
      throw new Error(`generate returned ${output.texts.length} texts for ${items.length} prompts`);
    }
    items.forEach((item, i) => {
      item.tokens += output.generatedTokens[i];
      this.stats.promptTokens += output.promptTokens[i];
      this.stats.generatedTokens += output.generatedTokens[i];
    });
    this.stats.generateSeconds += output.seconds;
    return output.texts;
  }

  private fallBack(item: Pending, reason: string): CopyResult {
    this.stats.fallback++;
    const label = reason.startsWith('model error')
      ? 'model error'
      : (/^guardrail (\w+)/.exec(reason)?.[1] ?? reason);
    this.stats.fallbackReasons[label] = (this.stats.fallbackReasons[label] ?? 0) + 1;
    return { ...this.fallback.writeOne(item.request, reason), model: this.name, tokens: item.tokens };
  }

  /** Closes the model runtime: call at process shutdown, not per job (the model loads once). */
  async close(): Promise<void> {
    await this.runtime.close();
  }
}

function describe(verdict: Extract<GuardrailVerdict, { ok: false }>): string {
  return `${verdict.rule}: ${verdict.detail}`;
}

function sha1(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

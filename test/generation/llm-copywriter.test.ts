import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../src/generation/chat-messages.js';
import { cachedCopywriter, MemoryCopyCache } from '../../src/generation/copy-cache.js';
import type { CopyRequest, EmailCopy } from '../../src/generation/copywriter.js';
import { LlmCopywriter } from '../../src/generation/llm-copywriter.js';
import {
  type GenerateOptions,
  type GenerateOutput,
  openModelRuntime,
  type RuntimeInfo,
  type TextGenerator,
} from '../../src/generation/model-runtime.js';

const fixture = fileURLToPath(new URL('../fixtures/models/karpathy/stories260K', import.meta.url));
const brand = { name: 'Hearth & Home', voice: 'Warm, playful, never pushy.' };
const products = [
  { title: 'WHITE HANGING HEART T-LIGHT HOLDER', price: 2.55, url: 'https://shop.example.com/p/85123A' },
  { title: 'REGENCY CAKESTAND 3 TIER', price: 12.75, url: 'https://shop.example.com/p/22423' },
];

function requests(count: number, channel: 'email' | 'ads', prefix = channel): CopyRequest[] {
  return Array.from({ length: count }, (_, i) => ({
    key: `${prefix}-${i}`,
    channel,
    brand,
    segment: { name: `Segment ${i}`, description: 'Bought recently and often.' },
    products,
  }));
}

const small = { email: 24, ads: 12 };

describe('LlmCopywriter on the fixture model (which writes stories, not copy)', () => {
  let runtime: TextGenerator;
  beforeAll(async () => {
    runtime = await openModelRuntime({ model: fixture });
  });
  afterAll(async () => {
    await runtime.close();
  });

  it('batches per channel, falls back with the guardrail reason, and counts tokens', async () => {
    const writer = new LlmCopywriter(runtime, { batchSize: 2, maxNewTokens: small, retry: false });
    const input = [...requests(5, 'email'), ...requests(3, 'ads')];
    const results = await writer.write(input);
    expect(writer.name).toBe('karpathy/stories260K');
    expect(results.map((r) => r.key)).toEqual(input.map((r) => r.key));
    expect(writer.stats).toMatchObject({
      generateCalls: 3 + 2,
      generations: 8,
      retries: 0,
      model: 0,
      fallback: 8,
    });
    expect(writer.stats.fallbackReasons).toEqual({ format: 8 });
    for (const result of results) {
      expect(result).toMatchObject({ source: 'fallback', model: 'karpathy/stories260K' });
      expect(result.reason).toMatch(/^guardrail format: no (subject|headline)/);
      expect(result.tokens).toBeGreaterThan(0);
      expect(result.tokens).toBeLessThanOrEqual(result.channel === 'email' ? small.email : small.ads);
    }
    expect((results[0].copy as EmailCopy).subject).toContain('White Hanging Heart');
    expect(writer.stats.generatedTokens).toBe(results.reduce((sum, r) => sum + (r.tokens ?? 0), 0));
  });

  it('retries rejected copy once with sampling before falling back', async () => {
    const writer = new LlmCopywriter(runtime, { batchSize: 4, maxNewTokens: small });
    const results = await writer.write(requests(3, 'email'));
    expect(writer.stats).toMatchObject({ generateCalls: 2, generations: 3, retries: 3, fallback: 3 });
    for (const result of results) expect(result.reason).toMatch(/^guardrail format: .*; retry: format: /);
  });

  it('generates once per key', async () => {
    const writer = new LlmCopywriter(runtime, { batchSize: 8, maxNewTokens: small, retry: false });
    const [a, b] = requests(2, 'ads');
    const results = await writer.write([a, b, { ...a }, { ...b }, { ...a }]);
    expect(writer.stats.generations).toBe(2);
    expect(results.map((r) => r.key)).toEqual(['ads-0', 'ads-1', 'ads-0', 'ads-1', 'ads-0']);
    expect(results[2]).toEqual(results[0]);
  });

  it('makes no generate call on a rerun through the cache', async () => {
    const writer = new LlmCopywriter(runtime, { batchSize: 4, maxNewTokens: small });
    const cache = new MemoryCopyCache();
    const cached = cachedCopywriter(writer, cache);
    const input = [...requests(3, 'email'), ...requests(2, 'ads')];
    const first = await cached.write(input);
    const calls = writer.stats.generateCalls;
    expect(calls).toBeGreaterThan(0);
    expect(cache.size).toBe(5);

    const second = await cached.write(input);
    expect(writer.stats.generateCalls).toBe(calls);
    expect(cached.stats).toEqual({ hits: 5, misses: 5 });
    expect(second).toEqual(first);

    // A second campaign with the same segment, products and channel reuses the copy under its own key.
    const renamed = input.map((r) => ({ ...r, key: `other-${r.key}` }));
    const third = await cached.write(renamed);
    expect(writer.stats.generateCalls).toBe(calls);
    expect(third.map((r) => r.key)).toEqual(renamed.map((r) => r.key));
  });

  it('keys the cache by model settings and prompt, not by copy key', () => {
    const writer = new LlmCopywriter(runtime, { maxNewTokens: small });
    const [request] = requests(1, 'email');
    const key = writer.promptKey(request);
    expect(key).toMatch(/^karpathy\/stories260K:[0-9a-f]{32}$/);
    expect(writer.promptKey({ ...request, key: 'another' })).toBe(key);
    expect(writer.promptKey({ ...request, products: products.slice(1) })).not.toBe(key);
    expect(new LlmCopywriter(runtime, { maxNewTokens: { email: 99 } }).promptKey(request)).not.toBe(key);
  });
});

/**
 * A generator answering from a script, for the paths the fixture model can never reach (copy that
 * passes). It still goes through the real prompt builder, guardrails and fallback.
 */
class ScriptedGenerator implements TextGenerator {
  readonly info: RuntimeInfo = {
    modelId: 'scripted',
    dir: '',
    dtype: 'fp32',
    device: 'cpu',
    deviceNote: 'test',
    chatTemplate: true,
    loadSeconds: 0,
  };
  generateCalls = 0;
  readonly seen: { prompts: ChatMessage[][]; options: GenerateOptions }[] = [];
  constructor(private readonly answers: (string[] | Error)[]) {}

  async generate(prompts: ChatMessage[][], options: GenerateOptions): Promise<GenerateOutput> {
    this.generateCalls++;
    this.seen.push({ prompts, options });
    const answer = this.answers.shift();
    if (!answer) throw new Error('script ran out');
    if (answer instanceof Error) throw answer;
    return {
      texts: answer,
      promptTokens: prompts.map(() => 100),
      generatedTokens: answer.map(() => 40),
      seconds: 0.01,
    };
  }

  async close(): Promise<void> {}
}

describe('LlmCopywriter accept, retry and error paths', () => {
  const good = (subject: string) =>
    `Subject: ${subject}\nPreheader: Teatime, sorted.\nBody: Hi there, the Regency Cakestand 3 Tier (12.75) makes any tea party feel like an occasion.`;

  it('keeps copy that passes, and retries only what was rejected, with the retry seed', async () => {
    const generator = new ScriptedGenerator([
      [good('Tea for two'), good('Hi [name], tea?')],
      [good('Cake, anyone?')],
    ]);
    const writer = new LlmCopywriter(generator);
    const results = await writer.write(requests(2, 'email'));
    expect(results.map((r) => r.source)).toEqual(['model', 'model']);
    expect((results[0].copy as EmailCopy).subject).toBe('Tea for two');
    expect((results[1].copy as EmailCopy).subject).toBe('Cake, anyone?');
    expect(results[1].tokens).toBe(80);
    expect(generator.seen[0].options).toMatchObject({ doSample: false, maxNewTokens: 256 });
    expect(generator.seen[1].options).toMatchObject({ doSample: true, seed: 1 });
    expect(generator.seen[1].prompts).toHaveLength(1);
    expect(writer.stats).toMatchObject({ model: 2, fallback: 0, retries: 1, generateCalls: 2 });
  });

  it('falls back with the model error, and does not cache it', async () => {
    const generator = new ScriptedGenerator([new Error('thread died'), [good('Tea for two')]]);
    const writer = new LlmCopywriter(generator);
    const cached = cachedCopywriter(writer, new MemoryCopyCache());
    const [failed] = await cached.write(requests(1, 'email'));
    expect(failed).toMatchObject({ source: 'fallback', reason: 'model error: thread died' });
    expect(writer.stats.fallbackReasons).toEqual({ 'model error': 1 });
    const [retried] = await cached.write(requests(1, 'email'));
    expect(retried).toMatchObject({ source: 'model' });
  });
});

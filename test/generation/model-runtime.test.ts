import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../src/generation/chat-messages.js';
import { cudaProviderInstalled } from '../../src/generation/device-select.js';
import {
  DEFAULT_MODEL_ID,
  ModelNotFoundError,
  resolveModelLocation,
} from '../../src/generation/model-config.js';
import { openModelRuntime } from '../../src/generation/model-runtime.js';

const modelsDir = fileURLToPath(new URL('../fixtures/models/', import.meta.url));
const fixture = join(modelsDir, 'karpathy', 'stories260K');
const prompt = (text: string): ChatMessage[] => [{ role: 'user', content: text }];

describe('resolveModelLocation', () => {
  it('loads a local directory with the precision its config names', () => {
    expect(resolveModelLocation({ model: fixture })).toEqual({
      modelId: 'karpathy/stories260K',
      dir: fixture,
      localModelPath: join(modelsDir, 'karpathy'),
      localId: 'stories260K',
      dtype: 'fp32',
    });
  });

  it('finds a hub id under the models directory', () => {
    expect(resolveModelLocation({ model: 'karpathy/stories260K', modelsDir }).dir).toBe(fixture);
  });

  it('says where it looked when the default model is not on the machine', () => {
    const empty = mkdtempSync(join(tmpdir(), 'tailor-models-'));
    const saved = {
      HF_HOME: process.env.HF_HOME,
      HF_HUB_CACHE: process.env.HF_HUB_CACHE,
      TAILOR_MODEL: process.env.TAILOR_MODEL,
    };
    process.env.HF_HOME = empty;
    delete process.env.HF_HUB_CACHE;
    delete process.env.TAILOR_MODEL;
    try {
      expect(() => resolveModelLocation({ modelsDir: empty })).toThrow(ModelNotFoundError);
      expect(() => resolveModelLocation({ modelsDir: empty })).toThrow(
        new RegExp(`model ${DEFAULT_MODEL_ID} is not on this machine[\\s\\S]*${empty}`),
      );
    } finally {
      Object.assign(process.env, saved);
      for (const [name, value] of Object.entries(saved)) if (value === undefined) delete process.env[name];
    }
  });

  it('names the missing weights file for an absent dtype', () => {
    expect(() => resolveModelLocation({ model: fixture, dtype: 'q4' })).toThrow(
      /has no onnx\/model_q4\.onnx for dtype q4 \(present: fp32\)/,
    );
  });

  it('refuses a directory that is not a model', () => {
    expect(() => resolveModelLocation({ model: modelsDir })).toThrow(/has no config\.json/);
  });
});

describe('model runtime on the fixture model', () => {
  const opened: Promise<{ close(): Promise<void> }>[] = [];
  afterAll(async () => {
    for (const runtime of opened) await (await runtime.catch(() => ({ close: async () => {} }))).close();
  });

  it('loads once per process on a worker thread and says which device it chose', async () => {
    const first = openModelRuntime({ model: fixture });
    const second = openModelRuntime({ model: fixture });
    opened.push(first);
    expect(second).toBe(first);
    const runtime = await first;
    expect(runtime.info).toMatchObject({
      modelId: 'karpathy/stories260K',
      dtype: 'fp32',
      chatTemplate: false,
    });
    expect(['cpu', 'cuda']).toContain(runtime.info.device);
    expect(runtime.info.deviceNote).toMatch(/^auto: /);
    const output = await runtime.generate([prompt('Once upon a time')], { maxNewTokens: 20 });
    expect(output.texts[0]).toMatch(/^One day, a little girl named Lily/); // greedy: the fixture's own story
    expect(output.generatedTokens[0]).toBeGreaterThan(0);
    expect(output.generatedTokens[0]).toBeLessThanOrEqual(20);
    expect(runtime.generateCalls).toBe(1);
  });

  it('batches with left padding: one call gives what separate calls give', async () => {
    const runtime = await openModelRuntime({ model: fixture });
    const prompts = [
      'Once upon a time',
      'Lily and Ben went to the park to play with a big red ball',
      'The cat',
    ];
    const batched = await runtime.generate(prompts.map(prompt), { maxNewTokens: 24 });
    const alone = [];
    for (const text of prompts)
      alone.push((await runtime.generate([prompt(text)], { maxNewTokens: 24 })).texts[0]);
    expect(batched.texts).toEqual(alone);
    expect(new Set(batched.promptTokens).size).toBe(3);
  });

  it('samples reproducibly with a seed', async () => {
    const runtime = await openModelRuntime({ model: fixture });
    const options = { maxNewTokens: 24, doSample: true, temperature: 1, seed: 7 };
    const a = await runtime.generate([prompt('Once upon a time')], options);
    const b = await runtime.generate([prompt('Once upon a time')], options);
    const c = await runtime.generate([prompt('Once upon a time')], { ...options, seed: 8 });
    expect(a.texts).toEqual(b.texts);
    expect(c.texts).not.toEqual(a.texts);
  });

  it('runs on the caller thread when asked', async () => {
    const inline = openModelRuntime({ model: fixture, thread: false });
    opened.push(inline);
    const runtime = await inline;
    const threaded = await openModelRuntime({ model: fixture });
    const options = { maxNewTokens: 16 };
    expect((await runtime.generate([prompt('The dog')], options)).texts).toEqual(
      (await threaded.generate([prompt('The dog')], options)).texts,
    );
  });

  it('reports a missing model from the thread as ModelNotFoundError', async () => {
    await expect(openModelRuntime({ model: join(modelsDir, 'nobody', 'nothing') })).rejects.toThrow(
      ModelNotFoundError,
    );
  });

  it.skipIf(cudaProviderInstalled())('fails clearly when CUDA is requested but not installed', async () => {
    await expect(openModelRuntime({ model: fixture, device: 'cuda', thread: false })).rejects.toThrow(
      /cannot load model karpathy\/stories260K \(fp32\) on cuda/,
    );
  });
});

import { Worker } from 'node:worker_threads';
import { compiledSibling } from '../config/compiled-path.js';
import type { ChatMessage } from './chat-messages.js';
import type { GenerateOptions, GenerateOutput, GenerationEngine, RuntimeInfo } from './generation-engine.js';
import type { ThreadReply, ThreadRequest } from './generation-thread.js';
import { ModelNotFoundError, type ModelRuntimeConfig } from './model-config.js';

export type { GenerateOptions, GenerateOutput, RuntimeInfo } from './generation-engine.js';

/** What the LLM copywriter needs from a loaded model. */
export interface TextGenerator {
  readonly info: RuntimeInfo;
  /** One batched generate call. */
  generate(prompts: ChatMessage[][], options: GenerateOptions): Promise<GenerateOutput>;
  /** Generate calls made so far (the demo summary's `generateCalls`). */
  readonly generateCalls: number;
  close(): Promise<void>;
}

export interface ModelRuntimeOptions extends ModelRuntimeConfig {
  /**
   * Run the model on a worker thread (the default). `false` runs it on the caller's thread: each
   * ONNX Runtime step then blocks the event loop for its duration (see README.md for figures).
   */
  thread?: boolean;
}

/** A model on a worker thread; requests and replies are plain messages (prompts in, text out). */
class ThreadedModelRuntime implements TextGenerator {
  generateCalls = 0;
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (o: GenerateOutput) => void; reject: (e: Error) => void }
  >();
  private failure?: Error;

  private constructor(
    private readonly worker: Worker,
    readonly info: RuntimeInfo,
  ) {
    worker.on('message', (reply: ThreadReply) => this.onReply(reply));
    worker.on('error', (error) => this.fail(new Error(`generation thread failed: ${error.message}`)));
    worker.on('exit', (code) => this.fail(new Error(`generation thread exited (code ${code})`)));
    worker.unref(); // an idle model must not keep the process alive
  }

  static async start(config: ModelRuntimeConfig): Promise<ThreadedModelRuntime> {
    const worker = new Worker(compiledSibling(import.meta.url, './generation-thread.js'), {
      workerData: { config },
    });
    const info = await new Promise<RuntimeInfo>((resolve, reject) => {
      const onExit = (code: number) =>
        reject(new Error(`generation thread exited while loading (code ${code})`));
      worker.once('error', reject);
      worker.once('exit', onExit);
      worker.once('message', (reply: ThreadReply) => {
        worker.off('error', reject);
        worker.off('exit', onExit);
        if (reply.type === 'ready') resolve(reply.info);
        else if (reply.type === 'load-failed') {
          reject(
            reply.name === 'ModelNotFoundError'
              ? new ModelNotFoundError(reply.message)
              : new Error(reply.message),
          );
        } else reject(new Error(`generation thread sent ${reply.type} before ready`));
      });
    });
    return new ThreadedModelRuntime(worker, info);
  }

  generate(prompts: ChatMessage[][], options: GenerateOptions): Promise<GenerateOutput> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    this.generateCalls++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.ref();
      this.worker.postMessage({ type: 'generate', id, prompts, options } satisfies ThreadRequest);
    });
  }

  private onReply(reply: ThreadReply): void {
    if (reply.type !== 'generated' && reply.type !== 'generate-failed') return;
    const waiter = this.pending.get(reply.id);
    if (!waiter) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker.unref();
    if (reply.type === 'generated') waiter.resolve(reply.output);
    else waiter.reject(new Error(`generation failed: ${reply.message}`));
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiter of this.pending.values()) waiter.reject(error);
    this.pending.clear();
  }

  async close(): Promise<void> {
    if (this.failure) return;
    this.failure = new Error('model runtime closed');
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.postMessage({ type: 'close' } satisfies ThreadRequest);
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
    await this.worker.terminate();
  }
}

/** The model on the caller's thread: for benchmarks and one-off commands, not for queue workers. */
class InlineModelRuntime implements TextGenerator {
  generateCalls = 0;
  private constructor(private readonly engine: GenerationEngine) {}

  get info(): RuntimeInfo {
    return this.engine.info;
  }

  static async start(config: ModelRuntimeConfig): Promise<InlineModelRuntime> {
    const { GenerationEngine } = await import('./generation-engine.js');
    return new InlineModelRuntime(await GenerationEngine.load(config));
  }

  generate(prompts: ChatMessage[][], options: GenerateOptions): Promise<GenerateOutput> {
    this.generateCalls++;
    return this.engine.generate(prompts, options);
  }

  close(): Promise<void> {
    return this.engine.dispose();
  }
}

const runtimes = new Map<string, Promise<TextGenerator>>();

/**
 * The process's model runtime for this configuration, loaded on first use and shared afterwards
 * (a worker process loads its model once). A failed load is not cached, so a fixed setup can retry.
 */
export function openModelRuntime(options: ModelRuntimeOptions = {}): Promise<TextGenerator> {
  const { thread = true, ...config } = options;
  const key = JSON.stringify([
    thread,
    config.model,
    config.dtype,
    config.device,
    config.modelsDir,
    config.threads,
  ]);
  let runtime = runtimes.get(key);
  if (!runtime) {
    const started = thread ? ThreadedModelRuntime.start(config) : InlineModelRuntime.start(config);
    runtime = started.then((opened) => {
      const close = opened.close.bind(opened);
      // Closing forgets the shared instance, so the next open loads afresh.
      return Object.assign(opened, {
        close: async () => {
          runtimes.delete(key);
          await close();
        },
      });
    });
    runtimes.set(key, runtime);
    runtime.catch(() => runtimes.delete(key));
  }
  return runtime;
}

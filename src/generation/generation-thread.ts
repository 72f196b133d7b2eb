/**
 * Entry of the generation worker thread: loads the model once, then answers generate requests one
 * at a time. Tokenising, sampling and each ONNX Runtime step run synchronously in JavaScript, so
 * here they cannot stall the owning thread's event loop (and with it BullMQ's lock renewal).
 */
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import type { ChatMessage } from './chat-messages.js';
import { type GenerateOptions, GenerationEngine } from './generation-engine.js';
import type { ModelRuntimeConfig } from './model-config.js';

export type ThreadRequest =
  | { type: 'generate'; id: number; prompts: ChatMessage[][]; options: GenerateOptions }
  | { type: 'close' };

export type ThreadReply =
  | { type: 'ready'; info: GenerationEngine['info'] }
  | { type: 'load-failed'; message: string; name: string }
  | { type: 'generated'; id: number; output: Awaited<ReturnType<GenerationEngine['generate']>> }
  | { type: 'generate-failed'; id: number; message: string };

async function main(port: MessagePort): Promise<void> {
  const send = (reply: ThreadReply) => port.postMessage(reply);
  let engine: GenerationEngine;
  try {
    engine = await GenerationEngine.load((workerData as { config: ModelRuntimeConfig }).config);
  } catch (error) {
    send({ type: 'load-failed', message: (error as Error).message, name: (error as Error).name });
    return; // no listener keeps the thread alive: it ends once the reply is out
  }
  send({ type: 'ready', info: engine.info });

  let queue = Promise.resolve();
  port.on('message', (request: ThreadRequest) => {
    if (request.type === 'close') {
      queue = queue.then(async () => {
        await engine.dispose();
        port.close();
      });
      return;
    }
    // One generate at a time: the ONNX session is shared and batching is the caller's job.
    queue = queue.then(async () => {
      try {
        send({
          type: 'generated',
          id: request.id,
          output: await engine.generate(request.prompts, request.options),
        });
      } catch (error) {
        send({ type: 'generate-failed', id: request.id, message: (error as Error).message });
      }
    });
  });
}

if (!parentPort) throw new Error('generation-thread.js must run as a worker thread');
await main(parentPort);

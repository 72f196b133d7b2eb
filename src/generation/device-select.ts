import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { ModelDevice } from './model-config.js';

export type ExecutionDevice = Exclude<ModelDevice, 'auto'>;

const require = createRequire(import.meta.url);

/** Where onnxruntime-node keeps its native binding and optional execution-provider libraries. */
export function onnxRuntimeBinDir(): string {
  const packageRoot = join(dirname(require.resolve('onnxruntime-node')), '..');
  return join(packageRoot, 'bin', 'napi-v6', process.platform, process.arch);
}

/**
 * Whether the CUDA execution provider is installed: onnxruntime-node lists `cuda` as supported but
 * not bundled, and its provider libraries arrive only with `ONNXRUNTIME_NODE_INSTALL=cuda12`.
 * Checked on disk first, so a CPU-only install does not log ONNX Runtime's load failure.
 */
export function cudaProviderInstalled(): boolean {
  if (process.platform !== 'linux' || process.arch !== 'x64') return false;
  const ort = require('onnxruntime-node') as {
    listSupportedBackends?: () => { name: string; bundled: boolean }[];
  };
  const cuda = ort.listSupportedBackends?.().find((backend) => backend.name === 'cuda');
  if (!cuda) return false;
  if (cuda.bundled) return true;
  const bin = onnxRuntimeBinDir();
  return (
    existsSync(join(bin, 'libonnxruntime_providers_cuda.so')) &&
    existsSync(join(bin, 'libonnxruntime_providers_shared.so'))
  );
}

/**
 * Devices to try, in order, with why. `auto` tries CUDA when it is installed and falls back to the
 * CPU. WebGPU only when asked for: in Node it is experimental and, on a machine without a GPU
 * adapter, fails or lands on a slow software adapter.
 */
export function deviceCandidates(requested: ModelDevice): { devices: ExecutionDevice[]; note: string } {
  if (requested !== 'auto') return { devices: [requested], note: `${requested} (requested)` };
  if (cudaProviderInstalled()) return { devices: ['cuda', 'cpu'], note: 'auto: CUDA provider installed' };
  return {
    devices: ['cpu'],
    note: 'auto: no CUDA provider in onnxruntime-node (install with ONNXRUNTIME_NODE_INSTALL=cuda12)',
  };
}

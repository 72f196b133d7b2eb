import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';

/** Weight precisions Tailor loads (file suffixes as transformers.js names them). */
export const MODEL_DTYPES = ['q4', 'q8', 'fp16', 'fp32'] as const;
export type ModelDtype = (typeof MODEL_DTYPES)[number];

export const MODEL_DEVICES = ['auto', 'cpu', 'cuda', 'webgpu'] as const;
export type ModelDevice = (typeof MODEL_DEVICES)[number];

/** The default copy model: small, instruction-tuned, with a chat template and ONNX weights. */
export const DEFAULT_MODEL_ID = 'HuggingFaceTB/SmolLM2-360M-Instruct';

const DTYPE_FILE_SUFFIX: Record<ModelDtype, string> = {
  q4: '_q4',
  q8: '_quantized',
  fp16: '_fp16',
  fp32: '',
};

export interface ModelRuntimeConfig {
  /** A hub model id ("HuggingFaceTB/SmolLM2-360M-Instruct") or a local model directory. */
  model?: string;
  /** Weight precision; by default the model's own choice, else the first present of q4, q8, fp16, fp32. */
  dtype?: ModelDtype;
  /** `auto` takes CUDA when onnxruntime-node's CUDA provider is installed and works, else the CPU. */
  device?: ModelDevice;
  /** Extra directory searched for `<model id>/` before the caches (env TAILOR_MODELS_DIR). */
  modelsDir?: string;
  /** ONNX Runtime intra-op threads; ONNX Runtime's default (one per core) when absent. */
  threads?: number;
}

/** Where a model's files are on disk, in the form transformers.js loads offline. */
export interface ModelLocation {
  /** The id results record ("karpathy/stories260K", or the directory's name for a bare directory). */
  modelId: string;
  dir: string;
  /** transformers.js `env.localModelPath` and the id relative to it. */
  localModelPath: string;
  localId: string;
  dtype: ModelDtype;
}

/** The model cannot be found or read: a configuration problem, not worth retrying. */
export class ModelNotFoundError extends Error {
  override readonly name = 'ModelNotFoundError';
}

/**
 * Directories searched for a hub model id, in order: `modelsDir`/`TAILOR_MODELS_DIR`, the
 * transformers.js cache (`TRANSFORMERS_CACHE`, else its package `.cache/`), then the Hugging Face
 * hub cache (`HF_HUB_CACHE`, `HF_HOME/hub`, `~/.cache/huggingface/hub`) snapshots.
 */
export function modelSearchDirs(modelId: string, config: ModelRuntimeConfig = {}): string[] {
  const dirs: string[] = [];
  const modelsDir = config.modelsDir ?? process.env.TAILOR_MODELS_DIR;
  if (modelsDir) dirs.push(join(modelsDir, modelId));
  const transformersCache =
    process.env.TRANSFORMERS_CACHE ??
    resolve(dirname(createRequire(import.meta.url).resolve('@huggingface/transformers')), '..', '.cache');
  dirs.push(join(transformersCache, modelId));
  const hubCache =
    process.env.HF_HUB_CACHE ??
    (process.env.HF_HOME
      ? join(process.env.HF_HOME, 'hub')
      : join(homedir(), '.cache', 'huggingface', 'hub'));
  const repoDir = join(hubCache, `models--${modelId.replaceAll('/', '--')}`);
  dirs.push(...hubSnapshots(repoDir));
  return dirs;
}

/** Snapshot directories of a hub cache repo, the one `refs/main` names first. */
function hubSnapshots(repoDir: string): string[] {
  const snapshots = join(repoDir, 'snapshots');
  if (!existsSync(snapshots)) return [join(snapshots, '<revision>')];
  const all = readdirSync(snapshots).map((rev) => join(snapshots, rev));
  const refMain = join(repoDir, 'refs', 'main');
  const main = existsSync(refMain) ? join(snapshots, readFileSync(refMain, 'utf8').trim()) : undefined;
  return main ? [main, ...all.filter((d) => d !== main)] : all;
}

/** Finds the model's directory and the precision to load, or says exactly what is missing. */
export function resolveModelLocation(config: ModelRuntimeConfig = {}): ModelLocation {
  const model = config.model ?? process.env.TAILOR_MODEL ?? DEFAULT_MODEL_ID;
  let dir: string;
  let modelId: string;
  if (looksLikePath(model) || isDirectory(model)) {
    dir = resolve(model.replace(/^~(?=$|[/\\])/, homedir()));
    if (!isDirectory(dir)) throw new ModelNotFoundError(`model directory ${dir} does not exist`);
    modelId = modelIdOfDirectory(dir);
  } else {
    modelId = model;
    const searched = modelSearchDirs(model, config);
    const found = searched.find((d) => existsSync(join(d, 'config.json')));
    if (!found) {
      throw new ModelNotFoundError(
        `model ${model} is not on this machine (remote loading is off). Looked in:\n  ${searched.join('\n  ')}\n` +
          'Download it once where the hub is reachable (e.g. `huggingface-cli download ' +
          `${model} --include "*.json" "onnx/model_q4.onnx"\`) and copy the directory here, or pass --model DIR.`,
      );
    }
    dir = found;
  }
  for (const file of ['config.json', 'tokenizer.json']) {
    if (!existsSync(join(dir, file))) throw new ModelNotFoundError(`model directory ${dir} has no ${file}`);
  }
  return {
    modelId,
    dir,
    localModelPath: dirname(dir),
    localId: basename(dir),
    dtype: chooseDtype(dir, config.dtype),
  };
}

/** The precision to load: the requested one when its file exists, else the model's preference. */
export function chooseDtype(dir: string, requested?: ModelDtype): ModelDtype {
  const present = MODEL_DTYPES.filter((dtype) =>
    existsSync(join(dir, 'onnx', `model${DTYPE_FILE_SUFFIX[dtype]}.onnx`)),
  );
  if (requested) {
    if (!MODEL_DTYPES.includes(requested)) {
      throw new ModelNotFoundError(`dtype "${requested}" is not one of ${MODEL_DTYPES.join(', ')}`);
    }
    if (!present.includes(requested)) {
      throw new ModelNotFoundError(
        `model directory ${dir} has no onnx/model${DTYPE_FILE_SUFFIX[requested]}.onnx for dtype ${requested}` +
          (present.length > 0 ? ` (present: ${present.join(', ')})` : ' (no ONNX weights at all)'),
      );
    }
    return requested;
  }
  if (present.length === 0)
    throw new ModelNotFoundError(`model directory ${dir} has no onnx/model*.onnx weights`);
  const preferred = readConfig(dir)['transformers.js_config'] as { dtype?: string } | undefined;
  const own = preferred?.dtype as ModelDtype | undefined;
  return own && present.includes(own) ? own : present[0];
}

function readConfig(dir: string): Record<string, unknown> {
  const file = join(dir, 'config.json');
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new ModelNotFoundError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
}

/** "…/models/karpathy/stories260K" → "karpathy/stories260K"; hub snapshots → their repo id. */
function modelIdOfDirectory(dir: string): string {
  const snapshot = /models--([^/\\]+)[/\\]snapshots[/\\][^/\\]+$/.exec(dir);
  if (snapshot) return snapshot[1].replaceAll('--', '/');
  return `${basename(dirname(dir))}/${basename(dir)}`;
}

function looksLikePath(model: string): boolean {
  return model.startsWith('.') || model.startsWith('/') || model.startsWith('~') || model.includes('\\');
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

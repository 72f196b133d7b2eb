import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Versioned model artifacts: `<root>/models/lstm/<version>/` holds `model.onnx`,
 * `vocabulary.json`, `metadata.json` and, once evaluated, `evaluation.json`. Versions sort by
 * creation time, so "newest" is the greatest name. A version directory appears whole or not at
 * all (written beside, then renamed).
 */

export const MODEL_FILE = 'model.onnx';
export const VOCABULARY_FILE = 'vocabulary.json';
export const METADATA_FILE = 'metadata.json';
export const EVALUATION_FILE = 'evaluation.json';

export interface ScoreSummary {
  recall: number;
  ndcg: number;
  hr: number;
}

/** How a model did against the baseline on held-out baskets; `passed` gates serving. */
export interface EvaluationRecord {
  evaluatedAt: string;
  k: number;
  users: number;
  model: ScoreSummary;
  baseline: ScoreSummary & { method: string };
  passed: boolean;
  /** The rule `passed` applied, in words. */
  rule: string;
}

export interface ModelEntry {
  version: string;
  dir: string;
  metadata: Record<string, unknown>;
  evaluation: EvaluationRecord | null;
}

export function lstmModelsDir(root: string): string {
  return join(root, 'models', 'lstm');
}

/** A sortable, unique version name: UTC timestamp + random suffix. */
export function newModelVersion(now = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

export interface ModelFiles {
  onnx: Uint8Array;
  vocabulary: unknown;
  metadata: Record<string, unknown>;
  evaluation?: EvaluationRecord;
}

/** Writes a new version directory atomically and returns its entry. */
export async function saveModelVersion(
  root: string,
  files: ModelFiles,
  version = newModelVersion(),
): Promise<ModelEntry> {
  const base = lstmModelsDir(root);
  await mkdir(base, { recursive: true });
  const dir = join(base, version);
  const staging = join(base, `.${version}.partial`);
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging);
  const metadata = { ...files.metadata, version };
  await writeFile(join(staging, MODEL_FILE), files.onnx);
  await writeFile(join(staging, VOCABULARY_FILE), JSON.stringify(files.vocabulary));
  await writeFile(join(staging, METADATA_FILE), `${JSON.stringify(metadata, null, 2)}\n`);
  if (files.evaluation)
    await writeFile(join(staging, EVALUATION_FILE), `${JSON.stringify(files.evaluation, null, 2)}\n`);
  await rename(staging, dir);
  return { version, dir, metadata, evaluation: files.evaluation ?? null };
}

/** Adds or replaces the evaluation record of an existing version. */
export async function recordEvaluation(dir: string, evaluation: EvaluationRecord): Promise<void> {
  const tmp = join(dir, `.${EVALUATION_FILE}.partial`);
  await writeFile(tmp, `${JSON.stringify(evaluation, null, 2)}\n`);
  await rename(tmp, join(dir, EVALUATION_FILE));
}

/** Every complete version, newest first. Unreadable versions are skipped, not fatal. */
export async function listModelVersions(root: string): Promise<ModelEntry[]> {
  const base = lstmModelsDir(root);
  let names: string[];
  try {
    names = await readdir(base);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const entries: ModelEntry[] = [];
  for (const version of names
    .filter((n) => !n.startsWith('.'))
    .sort()
    .reverse()) {
    const dir = join(base, version);
    try {
      const metadata = JSON.parse(await readFile(join(dir, METADATA_FILE), 'utf8')) as Record<
        string,
        unknown
      >;
      let evaluation: EvaluationRecord | null = null;
      try {
        evaluation = JSON.parse(await readFile(join(dir, EVALUATION_FILE), 'utf8')) as EvaluationRecord;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
      entries.push({ version, dir, metadata, evaluation });
    } catch {
      // A half-deleted or foreign directory: not a usable version.
    }
  }
  return entries;
}

/** Versions whose evaluation passed, newest first. */
export async function passingModelVersions(root: string): Promise<ModelEntry[]> {
  return (await listModelVersions(root)).filter((e) => e.evaluation?.passed === true);
}

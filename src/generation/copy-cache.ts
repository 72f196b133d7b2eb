import type { CopyRequest, CopyResult, Copywriter } from './copywriter.js';

/**
 * Stored copy by prompt key (model id + prompt hash, see LlmCopywriter.promptKey), so a rerun or a
 * second campaign with the same segment, products and channel reuses copy instead of generating.
 * The in-memory implementation below is for tests and single runs; the Redis one lives with the queues.
 */
export interface CopyCache {
  /** One entry per key, null where nothing is stored. */
  getMany(keys: string[]): Promise<(CopyResult | null)[]>;
  setMany(entries: [string, CopyResult][]): Promise<void>;
}

/** A copywriter whose results depend only on what its prompt key covers. */
export interface PromptKeyed {
  promptKey(request: CopyRequest): string;
}

/** Copy that may be reused: everything except fallbacks caused by a failing model runtime. */
export function isCacheable(result: CopyResult): boolean {
  return !(result.source === 'fallback' && result.reason?.startsWith('model error'));
}

export class MemoryCopyCache implements CopyCache {
  private readonly entries = new Map<string, CopyResult>();

  /** At most `maxEntries` results; the oldest insertions go first. */
  constructor(private readonly maxEntries = 100_000) {}

  get size(): number {
    return this.entries.size;
  }

  async getMany(keys: string[]): Promise<(CopyResult | null)[]> {
    return keys.map((key) => this.entries.get(key) ?? null);
  }

  async setMany(entries: [string, CopyResult][]): Promise<void> {
    for (const [key, result] of entries) {
      this.entries.delete(key);
      this.entries.set(key, result);
      if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    }
  }
}

export interface CachedCopywriter extends Copywriter {
  readonly stats: { hits: number; misses: number };
}

/** Wraps a copywriter so cached copy is returned as is and only misses reach it. */
export function cachedCopywriter(inner: Copywriter & PromptKeyed, cache: CopyCache): CachedCopywriter {
  const stats = { hits: 0, misses: 0 };
  return {
    name: inner.name,
    stats,
    async write(requests: CopyRequest[]): Promise<CopyResult[]> {
      const keys = requests.map((request) => inner.promptKey(request));
      const stored = await cache.getMany(keys);
      const results: (CopyResult | null)[] = stored.map((hit, i) =>
        hit ? { ...hit, key: requests[i].key } : null,
      );
      const missing = requests.filter((_, i) => !results[i]);
      stats.hits += requests.length - missing.length;
      stats.misses += missing.length;
      if (missing.length > 0) {
        const written = await inner.write(missing);
        const toStore: [string, CopyResult][] = [];
        let next = 0;
        for (let i = 0; i < requests.length; i++) {
          if (results[i]) continue;
          const result = written[next++];
          results[i] = result;
          if (isCacheable(result)) toStore.push([keys[i], result]);
        }
        if (toStore.length > 0) await cache.setMany(toStore);
      }
      return results as CopyResult[];
    },
    close: inner.close?.bind(inner),
  };
}

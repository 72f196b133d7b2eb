import { resolve } from 'node:path';

/** Options of a bench script, with a clear error for a missing or bad value. */
export class BenchArgs {
  constructor(private readonly args: readonly string[] = process.argv.slice(2)) {}

  has(name: string): boolean {
    return this.args.includes(`--${name}`);
  }

  /** `--name value`, or `--name=value` (the form for a value that itself starts with `--`). */
  string(name: string, fallback?: string): string {
    const joined = this.args.find((arg) => arg.startsWith(`--${name}=`));
    if (joined !== undefined) return joined.slice(name.length + 3);
    const at = this.args.indexOf(`--${name}`);
    if (at === -1) {
      if (fallback === undefined) throw new Error(`--${name} is required`);
      return fallback;
    }
    const value = this.args[at + 1];
    if (value === undefined || value.startsWith('--')) throw new Error(`--${name} needs a value`);
    return value;
  }

  /** `--name 'a b c'`: space-separated words (an empty value for none). */
  words(name: string, fallback: string): string[] {
    return this.string(name, fallback).split(' ').filter(Boolean);
  }

  /**
   * `--name 'KEY=value KEY2=value'`: environment variables, space-separated (empty for none).
   * A pair without `=` or with a bad name is an error naming it.
   */
  envPairs(name: string, fallback: string): Record<string, string> {
    const pairs: Record<string, string> = {};
    for (const pair of this.words(name, fallback)) {
      const at = pair.indexOf('=');
      const key = pair.slice(0, at);
      if (at <= 0 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
        throw new Error(`--${name}: '${pair}' is not NAME=value`);
      }
      pairs[key] = pair.slice(at + 1);
    }
    return pairs;
  }

  integer(name: string, fallback?: number): number {
    const raw = this.string(name, fallback === undefined ? undefined : String(fallback));
    const value = Number(raw.replaceAll('_', ''));
    if (!Number.isSafeInteger(value)) throw new Error(`--${name} must be an integer, got '${raw}'`);
    return value;
  }
}

export const UCI_ONLINE_RETAIL = '../shared/datasets/uci-online-retail/online_retail.csv.gz';

/** The repository root, whether this runs compiled (dist-bench/bench/) or from source (bench/). */
export const REPO_ROOT = resolve(
  import.meta.dirname,
  import.meta.dirname.includes('dist-bench') ? '../..' : '..',
);

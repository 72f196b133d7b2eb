import { describe, expect, it } from 'vitest';
import { BenchArgs } from '../../bench/bench-args.js';

describe('bench options', () => {
  it('reads environment pairs, with the fallback when the option is absent', () => {
    expect(new BenchArgs([]).envPairs('worker-env', 'A=1 B_2=x=y')).toEqual({ A: '1', B_2: 'x=y' });
    expect(new BenchArgs(['--worker-env=C=3']).envPairs('worker-env', 'A=1')).toEqual({ C: '3' });
    // `--worker-env=` turns the default off.
    expect(new BenchArgs(['--worker-env=']).envPairs('worker-env', 'A=1')).toEqual({});
  });

  it('names the pair that is not NAME=value', () => {
    expect(() => new BenchArgs(['--worker-env=A=1 nope']).envPairs('worker-env', '')).toThrow(
      "--worker-env: 'nope' is not NAME=value",
    );
    expect(() => new BenchArgs(['--worker-env=1A=2']).envPairs('worker-env', '')).toThrow("'1A=2'");
  });
});

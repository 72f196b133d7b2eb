import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { readSpecFile } from '../../src/cli/spec-file.js';
import { projectRoot } from '../../src/config/paths.js';
import { CampaignSpecSchema, InvalidSpecError, parseCampaignSpec } from '../../src/queues/campaign-spec.js';
import { hostileText } from './hostile-text.js';

/**
 * Campaign specs from outside (CLI files, the HTTP API, schedules) are random JSON as far as
 * Tailor knows: parsing never throws anything but InvalidSpecError, and each of its issues names
 * the field at fault (issue 8).
 */

const RUNS = 1000;
const VALID = JSON.parse(readFileSync(join(projectRoot, 'examples', 'demo-campaign.json'), 'utf8')) as Record<
  string,
  unknown
>;
const TOP_LEVEL = new Set(Object.keys(CampaignSpecSchema.shape));

const work = mkdtempSync(join(tmpdir(), 'tailor-spec-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Parses, and checks that a refusal is an InvalidSpecError whose every issue names a field. */
function checkParse(input: unknown): 'valid' | 'refused' {
  try {
    parseCampaignSpec(input, 'spec.json');
    return 'valid';
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidSpecError);
    const { issues, message } = error as InvalidSpecError;
    expect(message.startsWith('spec.json: invalid campaign spec: ')).toBe(true);
    expect(issues.length).toBeGreaterThan(0);
    const isObject = typeof input === 'object' && input !== null && !Array.isArray(input);
    for (const issue of issues) {
      expect(issue.field.length).toBeGreaterThan(0);
      expect(issue.message.length).toBeGreaterThan(0);
      const unknownKey = /^Unrecognized keys?: /.test(issue.message);
      if (issue.field === '(root)') {
        // The spec as a whole: not an object, or an unknown top-level key (named in the message).
        expect(!isObject || unknownKey, `${issue.field}: ${issue.message}`).toBe(true);
      } else {
        expect(TOP_LEVEL.has(issue.field.split('.')[0]), issue.field).toBe(true);
      }
      if (unknownKey) expect(issue.message).toMatch(/"[^"]*"/); // the key itself is named
    }
    return 'refused';
  }
}

/** A JSON value to put somewhere in a spec. */
const anyJson = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  hostileText(3),
  fc.constantFrom(null, '', 0, -1, 1e308, true, [], {}, 'x'.repeat(1000)),
);

/** A change to the valid spec: replace or delete a field (possibly nested), or add an unknown one. */
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    kind: fc.constant('set' as const),
    path: fc.array(
      fc.oneof(
        fc.constantFrom(...Object.keys(VALID), 'audience', 'sender', 'brand', 'email', 'name'),
        fc.string(),
      ),
      { minLength: 1, maxLength: 3 },
    ),
    value: anyJson,
  }),
  fc.record({ kind: fc.constant('delete' as const), key: fc.constantFrom(...Object.keys(VALID)) }),
);

type Mutation = { kind: 'set'; path: string[]; value: unknown } | { kind: 'delete'; key: string };

function mutate(base: Record<string, unknown>, changes: readonly Mutation[]): Record<string, unknown> {
  const spec = structuredClone(base);
  for (const change of changes) {
    if (change.kind === 'delete') {
      delete spec[change.key];
      continue;
    }
    let node: Record<string, unknown> = spec;
    change.path.slice(0, -1).forEach((key) => {
      const next = Object.hasOwn(node, key) ? node[key] : undefined;
      if (typeof next !== 'object' || next === null || Array.isArray(next)) setOwn(node, key, {});
      node = node[key] as Record<string, unknown>;
    });
    setOwn(node, change.path[change.path.length - 1], change.value);
  }
  return spec;
}

/**
 * An own property, as JSON.parse makes one, even for a key like `__proto__` (fast-check
 * generates it): plain assignment would reach Object.prototype and pollute every later test.
 */
function setOwn(node: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(node, key, { value, enumerable: true, writable: true, configurable: true });
}

describe('campaign spec from random JSON', () => {
  it('the shipped example is valid', () => {
    expect(checkParse(VALID)).toBe('valid');
  });

  it('any JSON value is refused with an InvalidSpecError whose issues name fields (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (input) => {
        checkParse(input);
      }),
      { numRuns: RUNS },
    );
  });

  it('a valid spec changed anywhere parses or is refused naming the field (property)', () => {
    const outcomes = { valid: 0, refused: 0 };
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (changes) => {
        outcomes[checkParse(mutate(VALID, changes))]++;
      }),
      { numRuns: RUNS },
    );
    expect(outcomes.refused).toBeGreaterThan(RUNS / 2);
  });

  it('names a misspelt nested field and an unknown top-level one', () => {
    const error = (() => {
      try {
        parseCampaignSpec(
          { ...VALID, sender: { ...(VALID.sender as object), emial: 'x' }, colour: 'red' },
          's',
        );
      } catch (e) {
        return e as InvalidSpecError;
      }
      throw new Error('expected a refusal');
    })();
    expect(error.issues).toEqual(
      expect.arrayContaining([
        { field: 'sender', message: 'Unrecognized key: "emial"' },
        { field: '(root)', message: 'Unrecognized key: "colour"' },
      ]),
    );
  });
});

describe('campaign spec files', () => {
  let n = 0;
  const write = (content: Buffer | string) => {
    const path = join(work, `spec-${n++}.json`);
    writeFileSync(path, content);
    return path;
  };

  it('random bytes are refused with one error naming the file (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
          fc.jsonValue({ maxDepth: 3 }).map((value) => Buffer.from(JSON.stringify(value))),
          fc.constant(Buffer.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d])), // BOM + {}
          fc.constant(Buffer.from([0xff, 0xfe, 0x7b, 0x00, 0x7d, 0x00])), // UTF-16
        ),
        (bytes) => {
          const path = write(bytes);
          try {
            readSpecFile(path);
          } catch (error) {
            expect(error).toBeInstanceOf(Error);
            expect((error as Error).message.startsWith(`${path}: `)).toBe(true);
            if (error instanceof InvalidSpecError)
              checkParse(JSON.parse(bytes.toString('utf8').replace(/^\uFEFF/, '')));
            return;
          }
          throw new Error(`random bytes parsed as a spec: ${bytes.toString('hex').slice(0, 80)}`);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('refuses a file over the size limit with the limit named, and a missing file by name', () => {
    const huge = write(JSON.stringify({ ...VALID, name: 'x'.repeat(300 * 1024) }));
    expect(() => readSpecFile(huge)).toThrow(`${huge}: campaign spec larger than 262144 bytes`);
    const missing = join(work, 'missing.json');
    expect(() => readSpecFile(missing)).toThrow(`${missing}: cannot read campaign spec (ENOENT)`);
  });
});

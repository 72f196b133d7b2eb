import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { snapshotDir } from '../../src/data/snapshot-catalog.js';
import { adPartPath } from '../../src/dispatch/ad-export.js';
import { assertCampaignId, InvalidCampaignIdError } from '../../src/dispatch/campaign-id.js';
import { EmailTemplateError, loadEmailTemplate } from '../../src/dispatch/email-templates.js';
import { outboxFileName } from '../../src/dispatch/message-id.js';
import { campaignOutboxDir } from '../../src/dispatch/outbox-transport.js';
import { ledgerField, SendLedger } from '../../src/dispatch/send-ledger.js';
import { HOSTILE_PIECES } from './hostile-text.js';

/**
 * Names that come from data or users and end up in paths or keys (template names, campaign ids,
 * Message-IDs, dataset names) can never leave their directory (issue 8): each is refused with a
 * clear error or resolves inside its root.
 */

const RUNS = 1000;
const ROOT = resolve('/srv/tailor-root');

/** Path-like strings: traversal, separators, absolute paths, NUL, dots, and random text. */
const pathish = fc.oneof(
  fc
    .array(
      fc.oneof(
        fc.constantFrom(
          '..',
          '.',
          '/',
          '\\',
          '%2e%2e',
          '%2f',
          '\u0000',
          '~',
          'C:',
          '//',
          '..\\..',
          'a',
          'x.eml',
          ...HOSTILE_PIECES,
        ),
        fc.string({ maxLength: 8 }),
      ),
      { maxLength: 8 },
    )
    .map((parts) => parts.join('')),
  fc.string({ unit: 'binary', maxLength: 40 }),
);

/** True when `path` is `root` itself or inside it. */
function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return (
    rel === '' || (!rel.startsWith('..') && !rel.startsWith(sep) && !resolve(root, rel).includes('\u0000'))
  );
}

describe('names that become paths', () => {
  it('template names either refuse or stay inside the templates directory (property)', () => {
    fc.assert(
      fc.property(pathish, (name) => {
        try {
          loadEmailTemplate(name, ROOT);
        } catch (error) {
          expect(error).toBeInstanceOf(EmailTemplateError);
          const message = (error as Error).message;
          // Refused as a name, or (a plain name) looked up inside the root and not found there.
          if (!/is not allowed/.test(message)) {
            expect(message).toContain(`${join(ROOT, name)}${sep}`);
            expect(inside(ROOT, join(ROOT, name))).toBe(true);
          }
          return;
        }
        throw new Error(`template ${JSON.stringify(name)} loaded from ${ROOT}`);
      }),
      { numRuns: RUNS },
    );
  });

  it('campaign ids either refuse or name a directory directly under the outbox (property)', () => {
    fc.assert(
      fc.property(pathish, fc.nat({ max: 1_000_000 }), (id, chunk) => {
        let dir: string;
        try {
          dir = campaignOutboxDir(ROOT, id);
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidCampaignIdError);
          expect(() => adPartPath(ROOT, id, chunk)).toThrow(InvalidCampaignIdError);
          expect(() => new SendLedger({} as never, { leaseMs: 1000 }).keys(id)).toThrow(
            InvalidCampaignIdError,
          );
          return;
        }
        expect(relative(ROOT, dir)).toBe(assertCampaignId(id));
        expect(relative(ROOT, dir)).not.toContain(sep);
        expect(id).not.toMatch(/^\.+$/);
        expect(inside(dir, adPartPath(ROOT, id, chunk))).toBe(true);
        // Ledger keys keep the id inside one hash tag.
        const { ledger } = new SendLedger({} as never, { leaseMs: 1000 }).keys(id);
        expect(ledger).toBe(`tailor:ledger:{${id}}`);
        expect(id).not.toMatch(/[{}]/);
      }),
      { numRuns: RUNS },
    );
  });

  it('outbox file names from any Message-ID are one plain file name (property)', () => {
    fc.assert(
      fc.property(pathish, pathish, (local, domain) => {
        const name = outboxFileName(`<${local}@${domain}>`);
        // One path segment (no separator, never '.' or '..'), ending .eml.
        expect(name).toMatch(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}\.eml$/);
        expect(basename(name)).toBe(name);
        expect(dirname(join(ROOT, name))).toBe(ROOT);
      }),
      { numRuns: RUNS },
    );
  });

  it('dataset names either refuse or name a directory directly under snapshots/ (property)', () => {
    fc.assert(
      fc.property(pathish, (name) => {
        let dir: string;
        try {
          dir = snapshotDir(ROOT, name);
        } catch (error) {
          expect(error).toBeInstanceOf(RangeError);
          expect((error as Error).message).toMatch(/^invalid dataset name /);
          return;
        }
        expect(relative(join(ROOT, 'snapshots'), dir)).toBe(name);
        expect(name).not.toContain(sep);
        expect(name).not.toContain('..');
      }),
      { numRuns: RUNS },
    );
  });

  it('ad export chunk numbers are whole and non-negative', () => {
    for (const chunk of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 60]) {
      expect(() => adPartPath(ROOT, 'camp', chunk)).toThrow(/chunk must be a whole number/);
    }
  });

  it('ledger fields keep any customer id to one hash field', () => {
    expect(ledgerField('a:b\r\n{x}', 'email')).toBe('a:b\r\n{x}:email');
  });
});

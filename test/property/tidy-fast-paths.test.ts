import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { headerText } from '../../src/dispatch/header-safety.js';
import { parseWebUrl, safeLinkUrl } from '../../src/dispatch/unsubscribe-url.js';
import { singleLine } from '../../src/generation/product-text.js';
import { hostileText } from './hostile-text.js';

/**
 * singleLine, headerText and safeLinkUrl return a value they find already tidy without working
 * it over (dispatch calls them for every mail). These check that the shortcut gives exactly what
 * the full computation gives, for hostile text and for link-shaped strings.
 */

const RUNS = 3000;

// The full computations, as the functions did them before they had a shortcut.
// biome-ignore lint/suspicious/noControlCharactersInRegex: as in product-text.ts
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]/g;
const UNSAFE_IN_HEADER =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: as in header-safety.ts
  /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]/g;
const fullSingleLine = (text: string) => text.replace(INVISIBLE, ' ').replace(/\s+/g, ' ').trim();
const fullHeaderText = (text: string) => text.replace(UNSAFE_IN_HEADER, ' ').replace(/\s+/g, ' ').trim();
const fullSafeLink = (value: string) => {
  try {
    return parseWebUrl(value, 'link').href;
  } catch {
    return '';
  }
};

// Text with the whitespace that matters here: single, double, leading, trailing, non-breaking.
const spacedText = fc
  .array(
    fc.oneof(
      fc.constantFrom(' ', '  ', '\u00a0', '\t', '\u3000', '\u200b', 'a', 'Zoë', '£3.95'),
      hostileText(2),
    ),
    {
      maxLength: 8,
    },
  )
  .map((parts) => parts.join(''));

describe('tidy-text shortcuts', () => {
  it('singleLine gives what the full replace-and-trim gives', () => {
    fc.assert(
      fc.property(spacedText, (text) => {
        expect(singleLine(text)).toBe(fullSingleLine(text));
      }),
      { numRuns: RUNS },
    );
  });

  it('headerText gives what the full replace-and-trim gives', () => {
    fc.assert(
      fc.property(spacedText, (text) => {
        expect(headerText(text, 'subject', 10_000)).toBe(fullHeaderText(text));
      }),
      { numRuns: RUNS },
    );
  });

  it('a tidy value comes back as it is, an untidy one tidied', () => {
    expect(singleLine('Regency Cakestand 3 Tier')).toBe('Regency Cakestand 3 Tier');
    expect(singleLine(' Regency  Cakestand\u200b3 Tier ')).toBe('Regency Cakestand 3 Tier');
    expect(headerText('Ann\u00a0Lee', 'recipient.name', 200)).toBe('Ann Lee');
  });
});

describe('safeLinkUrl shortcut for signed links', () => {
  const bases = [
    'https://rosies.example.com/t/u/',
    'https://rosies.example.com/',
    'http://localhost:8080/u/',
    'https://ROSIES.example.com/u/',
    'https://rosies.example.com:443/u/',
    'https://rosies.example.com/a b/',
    'https://rosies.example.com/./u/',
    'https://rosies.example.com/%7e/',
    'https://user:pw@rosies.example.com/u/',
    'https://rosies.example.com/?q=/',
    'https://rosies.example.com/#f/',
    'javascript://rosies.example.com/u/',
    'https:///',
    'https://',
    'https://xn--zo-wia.example/u/',
    'https://zoë.example/u/',
  ];
  const segment = fc.oneof(
    fc.stringMatching(/^[A-Za-z0-9_-]{0,80}$/),
    fc.constantFrom('.', '..', '%41', 'a.b', 'a?b', 'a#b', 'a\\b', 'ä', ' a'),
    fc.string({ maxLength: 12 }),
  );

  it('gives what parsing the URL gives, for links built from any base and last segment', () => {
    fc.assert(
      fc.property(fc.constantFrom(...bases), segment, fc.integer({ min: 1, max: 3 }), (base, last, times) => {
        // Seen more than once, as a base is in a campaign: the prefix memo keeps it.
        for (let i = 0; i < times; i++) {
          const value = `${base}${last}`;
          expect(safeLinkUrl(value)).toBe(fullSafeLink(value));
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('keeps the length bound of a header URL', () => {
    const long = `https://rosies.example.com/u/${'a'.repeat(900)}`;
    expect(safeLinkUrl(long)).toBe('');
    expect(safeLinkUrl(long)).toBe(fullSafeLink(long));
  });
});

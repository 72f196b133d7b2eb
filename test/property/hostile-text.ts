import fc from 'fast-check';

/**
 * Text a customer record, a catalogue or a model may hold: markup, template syntax, header
 * injection, control and invisible characters, encoded-word look-alikes, lone surrogates and
 * plain random strings, mixed.
 */
export const HOSTILE_PIECES = [
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  "' onmouseover='alert(1)",
  '{{brand.name}}',
  '{{{unsubscribeUrl}}}',
  '{{#each products}}x{{/each}}',
  '{{> partial}}',
  '\r\nBcc: victim@evil.example',
  '\nX-Injected: 1',
  '\r\n\r\n<html>',
  '=?UTF-8?B?PHNjcmlwdD4=?=',
  'javascript:alert(1)',
  '&amp; &lt; &#x3C;',
  '\u0000\u0007\u001b[31m',
  '\u2028\u2029\u200b\u202e\ufeff',
  '😀 Zoë Ünïcødé',
  '\ud800',
  '%0d%0aBcc:%20x@y.z',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template literal look-alike is the point
  '`${process.env}`',
  ' ',
] as const;

/** One piece of hostile or random text. */
export const hostilePiece = fc.oneof(
  { arbitrary: fc.constantFrom(...HOSTILE_PIECES), weight: 3 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 30 }), weight: 2 },
  { arbitrary: fc.string({ maxLength: 20 }), weight: 1 },
);

/** A field value: a few pieces joined, up to `maxPieces`. */
export function hostileText(maxPieces = 4): fc.Arbitrary<string> {
  return fc.array(hostilePiece, { maxLength: maxPieces }).map((pieces) => pieces.join(''));
}

/** A URL field: mostly URL-shaped, with hostile paths, schemes and credentials. */
export const hostileUrl = fc.oneof(
  hostileText(3).map((path) => `https://shop.example.com/p/${path}`),
  fc.constantFrom(
    'javascript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'https://user:pw@shop.example.com/p',
    'http://shop.example.com/"><script>',
    '',
    'mailto:x@y.z',
  ),
  hostileText(2),
);

/**
 * Text into HTML, safely. Every value the report shows (customer, product, segment and model
 * text) goes through one of these; nothing is ever concatenated into markup unescaped.
 */

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text for an element body or a quoted attribute value. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

/**
 * JSON for a `<script type="application/json">` block: every `<` becomes `\u003c`, so no
 * `</script>` or `<!--` inside a string can end or change the block. Line and paragraph
 * separators are escaped too (valid JSON, but trouble for anything that reads it as script).
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Refuses script text that could end its `<script>` element early. */
export function assertInlineScript(name: string, source: string): string {
  if (/<\/script|<!--/i.test(source))
    throw new Error(`${name} cannot be inlined: it contains </script or <!--`);
  return source;
}

/**
 * Whether a POST body is RFC 8058's `List-Unsubscribe=One-Click`. Mailbox providers send it as
 * `application/x-www-form-urlencoded` or `multipart/form-data` (the RFC's example); a browser
 * form sends the former. Anything else is refused, so no stray POST unsubscribes anyone.
 */
export function isOneClickBody(body: string, contentType: string | undefined): boolean {
  const type = (contentType ?? '').toLowerCase();
  if (type.startsWith('multipart/form-data')) {
    return multipartFields(body, contentType ?? '').some(
      ([name, value]) => name === 'List-Unsubscribe' && value.trim() === 'One-Click',
    );
  }
  const params = new URLSearchParams(body.trim());
  return params.getAll('List-Unsubscribe').includes('One-Click');
}

/** The simple fields of a multipart/form-data body: enough for one short value. */
function multipartFields(body: string, contentType: string): [string, string][] {
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
  if (!boundary) return [];
  const fields: [string, string][] = [];
  for (const part of body.split(`--${boundary}`)) {
    const split = part.search(/\r?\n\r?\n/);
    if (split === -1) continue;
    const headers = part.slice(0, split);
    const name = /content-disposition:\s*form-data;\s*name="([^"]*)"/i.exec(headers)?.[1];
    if (name === undefined) continue;
    fields.push([
      name,
      part
        .slice(split)
        .replace(/^\r?\n\r?\n/, '')
        .replace(/\r?\n$/, ''),
    ]);
  }
  return fields;
}

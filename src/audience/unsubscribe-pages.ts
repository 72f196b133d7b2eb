/**
 * The small pages a recipient sees after following an unsubscribe link: plain HTML, no script,
 * no external resource, readable on a phone. The confirmation page's button posts the RFC 8058
 * body to the same URL, so a browser and a mailbox provider's one-click POST take one path.
 */

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
<style>
  body { margin: 0; padding: 48px 16px; background: #f5f2ed; font-family: Helvetica, Arial, sans-serif; color: #2b2b2b; }
  main { max-width: 480px; margin: 0 auto; background: #fff; border-radius: 8px; padding: 32px; }
  h1 { margin: 0 0 16px; font-family: Georgia, 'Times New Roman', serif; font-size: 24px; color: #1d5c57; }
  p { line-height: 1.5; }
  button { font-size: 16px; padding: 12px 20px; border: 0; border-radius: 4px; background: #1d5c57; color: #fff; cursor: pointer; }
</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

/** GET /u/:token: asks; only the button's POST unsubscribes (mail scanners prefetch links). */
export function confirmPage(brand: string): string {
  const name = escapeHtml(brand);
  return page(
    `Unsubscribe from ${brand}`,
    `<h1>Unsubscribe from ${name} emails?</h1>
<p>You will no longer receive marketing emails from ${name} at this address.</p>
<form method="post">
<input type="hidden" name="List-Unsubscribe" value="One-Click">
<button type="submit">Unsubscribe</button>
</form>`,
  );
}

/** POST /u/:token done. */
export function unsubscribedPage(brand: string): string {
  const name = escapeHtml(brand);
  return page(
    'You are unsubscribed',
    `<h1>You are unsubscribed</h1>
<p>${name} will send no more marketing emails to this address.</p>`,
  );
}

/** A link that does not verify or names something unknown: nothing changed. */
export function refusedPage(reason: string): string {
  return page(
    'Link not valid',
    `<h1>This link cannot be used</h1>
<p>${escapeHtml(reason.charAt(0).toUpperCase() + reason.slice(1))}. Nothing was changed. To stop our emails, use the unsubscribe link in the newest email you received.</p>`,
  );
}

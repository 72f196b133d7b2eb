import type { SuppressionInput, SuppressionList } from '../dispatch/suppression.js';

/**
 * Adds addresses a manager (CLI, API, file import) names. An address already on the list keeps
 * its record: an import of a "manual" list must not turn a complaint or an unsubscribe into
 * something weaker, nor reset when it happened.
 */
export async function addSuppressions(
  list: SuppressionList,
  entries: readonly SuppressionInput[],
): Promise<{ added: number; alreadySuppressed: number }> {
  if (entries.length === 0) return { added: 0, alreadySuppressed: 0 };
  const existing = await list.checkMany(entries.map((e) => e.email));
  const seen = new Set<string>();
  const fresh: SuppressionInput[] = [];
  entries.forEach((entry, i) => {
    const key = entry.email.toLowerCase();
    if (existing[i] !== null || seen.has(key)) return;
    seen.add(key);
    fresh.push(entry);
  });
  await list.addMany(fresh);
  return { added: fresh.length, alreadySuppressed: entries.length - fresh.length };
}

/**
 * Deterministic, evenly spread samples: the same run always gives the same report, and a sample
 * covers the whole range instead of clustering where a random draw happened to fall.
 */

/** Ranks (0..population-1) of at most `limit` members spread evenly over the population. */
export function evenRanks(population: number, limit: number): number[] {
  if (population <= 0 || limit <= 0) return [];
  if (population <= limit) return Array.from({ length: population }, (_, i) => i);
  const out: number[] = [];
  for (let j = 0; j < limit; j++) out.push(Math.floor(((j + 0.5) * population) / limit));
  return out;
}

/** At most `limit` items spread evenly over the list, in list order. */
export function pickEvenly<T>(items: readonly T[], limit: number): T[] {
  return evenRanks(items.length, limit).map((rank) => items[rank]);
}

/**
 * At most `limit` members over all groups, shared round-robin (every non-empty group gets a
 * member before any gets a second), each group's share spread evenly over the group.
 */
export function pickAcrossGroups<T>(groups: readonly (readonly T[])[], limit: number): T[] {
  const shares = groups.map(() => 0);
  for (let left = limit, progress = true; left > 0 && progress; ) {
    progress = false;
    groups.forEach((group, g) => {
      if (left > 0 && shares[g] < group.length) {
        shares[g]++;
        left--;
        progress = true;
      }
    });
  }
  return groups.flatMap((group, g) => pickEvenly(group, shares[g]));
}

/**
 * Index ranges that cover the sorted indices, merging neighbours closer than `maxGap` (one read
 * of a few extra rows beats many tiny reads) and never longer than `maxLength`.
 */
export function coveringRanges(
  sorted: readonly number[],
  maxGap: number,
  maxLength: number,
): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  for (const index of sorted) {
    const last = out.at(-1);
    if (last && index < last.end) continue;
    if (last && index - last.end <= maxGap && index + 1 - last.start <= maxLength) last.end = index + 1;
    else out.push({ start: index, end: index + 1 });
  }
  return out;
}

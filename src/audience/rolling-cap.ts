/**
 * "At most N marketing mails per customer in any rolling window", across every campaign. Each
 * customer has a short history of the marketing mails reserved for them: `<second>:<holder>`
 * entries, comma-separated, where the holder is a short hash of the campaign id (so a retried
 * send job of the same campaign finds its own reservation instead of counting twice).
 *
 * This file is the definition, pure and clock-free; mail-history.ts runs the same rules inside
 * Redis (a Lua script, atomic across concurrent campaigns), and a test checks they agree.
 */

export interface MailCapPolicy {
  maxMails: number;
  windowDays: number;
}

export interface HistoryEntry {
  /** Epoch seconds the mail was reserved. */
  at: number;
  holder: string;
}

/** The history is kept this long (the longest window a cap may have). */
export const HISTORY_DAYS = 31;
export const HISTORY_SECONDS = HISTORY_DAYS * 86_400;

/** The skip reason for a customer the cross-campaign cap held back. */
export const MAIL_CAP_SKIP = 'mail-cap';

/** Short holder name of a campaign: 32-bit FNV-1a in base 36. */
export function holderOf(campaignId: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < campaignId.length; i++) {
    hash ^= campaignId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(36);
}

export function parseHistory(value: string | null | undefined): HistoryEntry[] {
  if (!value) return [];
  const out: HistoryEntry[] = [];
  for (const match of value.matchAll(/(\d+):([0-9a-z]+)/g))
    out.push({ at: Number(match[1]), holder: match[2] });
  return out;
}

export function formatHistory(entries: readonly HistoryEntry[]): string {
  return entries.map((e) => `${e.at}:${e.holder}`).join(',');
}

/**
 * Whether `holder` may mail the customer at `now` (epoch seconds), and the history afterwards.
 * Entries older than the history are dropped; the holder's own entry allows without adding;
 * otherwise the mails within the window (later than now − window) are counted against the cap.
 * Without a policy every mail is allowed and recorded (other campaigns' caps count it).
 */
export function reserveInHistory(
  entries: readonly HistoryEntry[],
  now: number,
  policy: MailCapPolicy | undefined,
  holder: string,
): { allowed: boolean; entries: HistoryEntry[] } {
  const kept = entries.filter((e) => e.at > now - HISTORY_SECONDS);
  if (kept.some((e) => e.holder === holder)) return { allowed: true, entries: kept };
  if (policy) {
    const window = Math.round(policy.windowDays * 86_400);
    const recent = kept.filter((e) => e.at > now - window).length;
    if (recent >= policy.maxMails) return { allowed: false, entries: kept };
  }
  return { allowed: true, entries: [...kept, { at: now, holder }] };
}

/** The history without the holder's reservation (a mail that did not go out after all). */
export function releaseFromHistory(entries: readonly HistoryEntry[], holder: string): HistoryEntry[] {
  return entries.filter((e) => e.holder !== holder);
}

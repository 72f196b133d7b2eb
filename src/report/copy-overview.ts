import type { Redis } from 'ioredis';
import { runKeys } from '../campaigns/run-keys.js';
import type { AdCopy, CopyResult, EmailCopy } from '../generation/copywriter.js';
import type { CopyVariant } from './report-model.js';

/** Copy entries read to count fallback reasons, at most (a per-customer run can have millions). */
export const REASON_SCAN_LIMIT = 200_000;

/**
 * A fallback's reason as a short label: the guardrail rule that rejected the model's copy
 * ('price', 'blocklist', ...), 'model error', or the reason itself ('template': model off).
 * The same labels the LLM copywriter counts in its stats.
 */
export function fallbackReasonLabel(reason: string | undefined): string {
  if (!reason) return 'unknown';
  if (reason.startsWith('model error')) return 'model error';
  const rule = /^guardrail (\w+)/.exec(reason)?.[1];
  return rule ? `guardrail: ${rule}` : reason;
}

/** Fallback reasons over the run's stored copy (HSCAN, bounded by `limit` entries). */
export async function tallyFallbackReasons(
  redis: Redis,
  runId: string,
  limit = REASON_SCAN_LIMIT,
): Promise<{ reasons: Record<string, number>; counted: number }> {
  const reasons: Record<string, number> = {};
  let counted = 0;
  let cursor = '0';
  do {
    const [next, flat] = await redis.hscan(runKeys(runId).copy, cursor, 'COUNT', 1000);
    cursor = next;
    for (let i = 1; i < flat.length && counted < limit; i += 2) {
      counted++;
      const result = JSON.parse(flat[i]) as CopyResult;
      if (result.source !== 'fallback') continue;
      const label = fallbackReasonLabel(result.reason);
      reasons[label] = (reasons[label] ?? 0) + 1;
    }
  } while (cursor !== '0' && counted < limit);
  return { reasons, counted };
}

/** What a manager reads of one piece of copy: the subject and preheader, or the ad's two lines. */
export function copyVariant(result: CopyResult): CopyVariant {
  const base = {
    channel: result.channel,
    source: result.source,
    ...(result.source === 'fallback' ? { reason: fallbackReasonLabel(result.reason) } : {}),
  };
  if (result.channel === 'email') {
    const email = result.copy as EmailCopy;
    return { ...base, title: email.subject, text: email.preheader };
  }
  const ad = result.copy as AdCopy;
  return { ...base, title: ad.headline, text: ad.description };
}

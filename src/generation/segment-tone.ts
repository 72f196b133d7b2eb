/** The register fallback copy takes for a segment, read from its name and description. */
export type SegmentTone = 'loyal' | 'winback' | 'welcome' | 'general';

// Segment names come from the segmenters (RFM quantiles, k-means profiles): "Champions",
// "Loyal customers", "At risk", "Hibernating", "New customers", ...
const TONE_PATTERNS: [SegmentTone, RegExp][] = [
  [
    'winback',
    /\b(at[ -]risk|risk|lapsed|lapsing|lost|hibernat\w*|dormant|sleep\w*|inactive|churn\w*|win[ -]?back)\b/i,
  ],
  ['loyal', /\b(champions?|loyal\w*|vip|best|top|frequent|high[ -]value|big spenders?)\b/i],
  ['welcome', /\b(new|recent|first[ -]time|promising|newcomers?)\b/i],
];

export function segmentTone(segment: { name: string; description: string }): SegmentTone {
  for (const [tone, pattern] of TONE_PATTERNS) if (pattern.test(segment.name)) return tone;
  for (const [tone, pattern] of TONE_PATTERNS) if (pattern.test(segment.description)) return tone;
  return 'general';
}

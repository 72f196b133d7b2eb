/**
 * Redis keys of a campaign run. Every key of one run shares the `{runId}` hash tag, so multi-key
 * scripts work on Redis Cluster. Results expire with the run's retention.
 */
export const runKeys = (runId: string) => {
  const base = `tailor:run:{${runId}}`;
  return {
    record: base,
    segments: `${base}:segments`,
    assignments: `${base}:assign`,
    prediction: (chunk: number) => `${base}:pred:${chunk}`,
    copy: `${base}:copy`,
    segmentProducts: `${base}:segment-products`,
    stats: `${base}:stats`,
    chunkStats: `${base}:chunk-stats`,
  };
};

export const campaignKey = (campaignId: string) => `tailor:campaign:${campaignId}`;
export const campaignIndexKey = 'tailor:campaigns';

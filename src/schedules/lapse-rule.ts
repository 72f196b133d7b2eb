/**
 * Who counts as lapsed for a re-engagement campaign: no order for `lapsedForDays`, or (when the
 * audience asks for it) past the date the prediction stage expected their next order, plus a
 * grace period. Either condition is enough. Pure: the predict stage calls it once per chunk,
 * after predicting, because only then is the expected next order known.
 */

const DAY_MS = 86_400_000;

export interface LapseRule {
  /** No order for at least this many days. */
  lapsedForDays?: number;
  /** Past the predicted next order date (customers without a prediction never match this part). */
  pastPredictedNextOrder?: boolean;
  /** Days after the predicted date before a customer counts as lapsed (default 0). */
  graceDays?: number;
}

export interface LapseInput {
  /** Epoch ms of each customer's last order (NaN when none). */
  lastOrderAt: ArrayLike<number>;
  /** Epoch ms the prediction expects the next order (NaN when unknown). */
  expectedNextOrderAt: ArrayLike<number>;
  /** The dataset's "now". */
  referenceTime: number;
}

/** True when the rule asks for anything (an empty rule keeps everyone). */
export function hasLapseRule(rule: LapseRule | undefined): rule is LapseRule {
  return Boolean(rule && (rule.lapsedForDays !== undefined || rule.pastPredictedNextOrder));
}

/** 1 for each lapsed customer, 0 otherwise. Customers with no order are never lapsed. */
export function lapsedMask(input: LapseInput, rule: LapseRule): Uint8Array {
  const n = input.lastOrderAt.length;
  if (input.expectedNextOrderAt.length !== n) {
    throw new Error(`lapsedMask: ${n} last-order times but ${input.expectedNextOrderAt.length} predictions`);
  }
  const out = new Uint8Array(n);
  const grace = (rule.graceDays ?? 0) * DAY_MS;
  for (let i = 0; i < n; i++) {
    const last = input.lastOrderAt[i];
    if (!Number.isFinite(last)) continue;
    const byDays =
      rule.lapsedForDays !== undefined && (input.referenceTime - last) / DAY_MS >= rule.lapsedForDays;
    const expected = input.expectedNextOrderAt[i];
    const byPrediction =
      rule.pastPredictedNextOrder === true &&
      Number.isFinite(expected) &&
      expected + grace < input.referenceTime;
    if (byDays || byPrediction) out[i] = 1;
  }
  return out;
}

/**
 * Narrow a chunk's audience (AUDIENCE codes, 0 = outside) to lapsed customers, in place.
 * Returns how many customers it removed.
 */
export function keepLapsed(audience: Uint8Array, input: LapseInput, rule: LapseRule): number {
  if (!hasLapseRule(rule)) return 0;
  const mask = lapsedMask(input, rule);
  let removed = 0;
  for (let i = 0; i < audience.length; i++) {
    if (audience[i] !== 0 && mask[i] === 0) {
      audience[i] = 0;
      removed++;
    }
  }
  return removed;
}

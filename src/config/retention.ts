/**
 * How long Tailor keeps what it writes to Redis, read from the environment:
 *
 * - `TAILOR_RETENTION_DAYS` (default 180): run records, per-stage results and earnings.
 * - `TAILOR_LEDGER_RETENTION_DAYS` (default: `TAILOR_RETENTION_DAYS`): each campaign's send
 *   ledger, counted from its last write. The ledger is what makes a re-run of a campaign skip
 *   everyone it already mailed, so it must last as long as anyone may re-run the campaign; a
 *   team that keeps run results briefly can still keep ledgers longer.
 *
 * A value that is not a positive number of days stops the process with the variable's name,
 * instead of every key being written without an expiry (or Redis refusing each write).
 */
export const DEFAULT_RETENTION_DAYS = 180;

export function retentionDaysFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  return daysFrom(env, 'TAILOR_RETENTION_DAYS') ?? DEFAULT_RETENTION_DAYS;
}

export function ledgerRetentionDaysFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  return daysFrom(env, 'TAILOR_LEDGER_RETENTION_DAYS') ?? retentionDaysFromEnv(env);
}

export const MS_PER_DAY = 86_400_000;

function daysFrom(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  const days = Number(raw);
  // At least a second: Redis expiries are whole seconds (a fraction of a day is fine for tests).
  if (!Number.isFinite(days) || days * 86_400 < 1) {
    throw new Error(`${name} must be a number of days, at least 1 second's worth (got '${raw}')`);
  }
  return days;
}

import { describe, expect, it } from 'vitest';
import { ledgerRetentionDaysFromEnv, retentionDaysFromEnv } from '../../src/config/retention.js';

describe('retention from the environment', () => {
  it('keeps 180 days by default, and the ledger as long as the rest unless told otherwise', () => {
    expect(retentionDaysFromEnv({})).toBe(180);
    expect(ledgerRetentionDaysFromEnv({})).toBe(180);
    expect(ledgerRetentionDaysFromEnv({ TAILOR_RETENTION_DAYS: '30' })).toBe(30);
    expect(
      ledgerRetentionDaysFromEnv({ TAILOR_RETENTION_DAYS: '30', TAILOR_LEDGER_RETENTION_DAYS: ' 400 ' }),
    ).toBe(400);
    expect(retentionDaysFromEnv({ TAILOR_RETENTION_DAYS: '30', TAILOR_LEDGER_RETENTION_DAYS: '400' })).toBe(
      30,
    );
    expect(retentionDaysFromEnv({ TAILOR_RETENTION_DAYS: '' })).toBe(180);
  });

  it('names the variable when a value is not a positive number of days', () => {
    expect(() => retentionDaysFromEnv({ TAILOR_RETENTION_DAYS: 'six months' })).toThrow(
      "TAILOR_RETENTION_DAYS must be a number of days, at least 1 second's worth (got 'six months')",
    );
    expect(() => ledgerRetentionDaysFromEnv({ TAILOR_LEDGER_RETENTION_DAYS: '0' })).toThrow(
      /TAILOR_LEDGER_RETENTION_DAYS/,
    );
    expect(() => ledgerRetentionDaysFromEnv({ TAILOR_LEDGER_RETENTION_DAYS: '-3' })).toThrow(/got '-3'/);
    // The ledger falls back to TAILOR_RETENTION_DAYS, so a bad one is reported for it too.
    expect(() => ledgerRetentionDaysFromEnv({ TAILOR_RETENTION_DAYS: 'Infinity' })).toThrow(
      /TAILOR_RETENTION_DAYS/,
    );
  });
});

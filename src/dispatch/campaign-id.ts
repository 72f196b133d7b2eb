/**
 * Campaign ids name Redis keys (inside a `{...}` hash tag) and outbox directories, so only a
 * conservative set of characters is allowed: no path separators, no braces, no dot-only names.
 */
export const CAMPAIGN_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export class InvalidCampaignIdError extends Error {
  constructor(value: unknown) {
    super(
      `campaign id ${JSON.stringify(String(value)).slice(0, 80)} is not allowed: use 1-128 letters, digits, '.', '_' or '-', starting with a letter or digit`,
    );
    this.name = 'InvalidCampaignIdError';
  }
}

export function assertCampaignId(value: string): string {
  if (typeof value !== 'string' || !CAMPAIGN_ID_PATTERN.test(value)) throw new InvalidCampaignIdError(value);
  return value;
}

import { createHash } from 'node:crypto';

/**
 * The hold-out group: a random share of the eligible audience that the campaign deliberately
 * does not mail, so what the mail earned is measured against customers like them. The draw is
 * a hash of (seed, campaign, customer id): the same customer is in or out on every run and
 * retry of the campaign, whatever the chunking, and each campaign holds out different people.
 */

/** The customer's draw in [0, 1). */
export function holdoutDraw(seed: number, campaignId: string, customerId: string): number {
  const digest = createHash('sha256').update(`${seed}\u0000${campaignId}\u0000${customerId}`).digest();
  return digest.readUIntBE(0, 6) / 2 ** 48;
}

export function isHeldOut(share: number, seed: number, campaignId: string, customerId: string): boolean {
  return share > 0 && holdoutDraw(seed, campaignId, customerId) < share;
}

/** The skip reason recorded in the ledger and the run's counts for a held-out customer. */
export const HOLDOUT_SKIP = 'holdout';

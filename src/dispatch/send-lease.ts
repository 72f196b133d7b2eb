import { randomBytes } from 'node:crypto';
import type { ClaimResult, SendLedger } from './send-ledger.js';

/**
 * One delivery attempt's hold on the ledger fields it claimed. The ledger keeps a lease on each
 * held field for `leaseMs` after its last renewal; this side renews every third of that while
 * fields are held, and answers before each send whether the field is still safely ours:
 * claimed or renewed less than two thirds of a lease ago, measured on this process's monotonic
 * clock from before the request left. Another attempt can take a field over only once a full
 * lease has passed on the Redis clock since the renewal was applied, so the last third is the
 * margin for a send that was started just in time (and for the clocks' drift).
 *
 * When renewals cannot get through (Redis restarting), fields stop being valid and senders wait
 * in `ensure()` until a renewal is answered; a field another attempt took over in the meantime
 * is never sent by this one.
 */
export class SendLease {
  readonly token = randomBytes(12).toString('base64url');
  readonly leaseMs: number;
  /** Held fields and until when (performance.now()) each may be sent. */
  private readonly validUntil = new Map<string, number>();
  private renewing: Promise<void> | null = null;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly now?: () => number;
  /** Renewal round trips made. */
  renewals = 0;

  constructor(
    private readonly ledger: SendLedger,
    private readonly campaignId: string,
    options: { leaseMs?: number; now?: () => number } = {},
  ) {
    this.leaseMs = options.leaseMs ?? ledger.leaseMs;
    if (!(Number.isInteger(this.leaseMs) && this.leaseMs > 0))
      throw new Error(`send lease must be a positive whole number of ms, got ${options.leaseMs}`);
    this.now = options.now;
  }

  /** Claims fields under this lease (one round trip); claimed and reclaimed ones are held. */
  async claim(fields: readonly string[]): Promise<ClaimResult[]> {
    const started = performance.now();
    const results = await this.ledger.claim(this.campaignId, fields, {
      token: this.token,
      leaseMs: this.leaseMs,
      now: this.now?.(),
    });
    const until = started + this.validFor();
    results.forEach((result, i) => {
      if (result === 'claimed' || result === 'reclaimed') this.validUntil.set(fields[i], until);
    });
    if (this.validUntil.size > 0) this.startHeartbeat();
    return results;
  }

  /** Whether a field may be sent now without renewing first. */
  valid(field: string): boolean {
    const until = this.validUntil.get(field);
    return until !== undefined && performance.now() < until;
  }

  /**
   * Resolves true when the field is held and may be sent now (renewing first if its validity ran
   * out), false when this attempt no longer holds it. While Redis cannot be reached nothing new
   * is sent (its outcome could not be recorded): this waits for a renewal to get through.
   */
  async ensure(field: string): Promise<boolean> {
    while (this.validUntil.has(field) && !(this.valid(field) && this.ledger.connected)) {
      if (this.closed) return false;
      await this.renew();
    }
    return this.valid(field);
  }

  /** The field reached a final state in the ledger: nothing left to hold. */
  forget(field: string): void {
    this.validUntil.delete(field);
  }

  /** Renews every held field in one round trip; fields taken over are dropped. Coalesced. */
  renew(): Promise<void> {
    if (!this.renewing) {
      this.renewing = this.renewHeld().finally(() => {
        this.renewing = null;
      });
    }
    return this.renewing;
  }

  private async renewHeld(): Promise<void> {
    const fields = [...this.validUntil.keys()];
    if (fields.length === 0) return;
    const started = performance.now();
    const held = await this.ledger.renew(this.campaignId, fields, {
      token: this.token,
      leaseMs: this.leaseMs,
      now: this.now?.(),
    });
    this.renewals++;
    const until = started + this.validFor();
    held.forEach((ok, i) => {
      // A field forgotten while the renewal was on its way stays forgotten.
      if (!this.validUntil.has(fields[i])) return;
      if (ok) this.validUntil.set(fields[i], until);
      else this.validUntil.delete(fields[i]);
    });
  }

  /**
   * Stops renewing and hands back what is still held (left unfinished: a transient failure, a
   * stop), so the next attempt need not wait for the lease to run out. Best effort: a lease that
   * cannot be released simply runs out.
   */
  async release(): Promise<void> {
    this.closed = true;
    this.stopHeartbeat();
    await this.renewing?.catch(() => {});
    const fields = [...this.validUntil.keys()];
    this.validUntil.clear();
    if (fields.length > 0) await this.ledger.release(this.campaignId, fields, this.token).catch(() => {});
  }

  /** Fields currently held. */
  get size(): number {
    return this.validUntil.size;
  }

  private validFor(): number {
    return Math.floor((this.leaseMs * 2) / 3);
  }

  private startHeartbeat(): void {
    if (this.timer || this.closed) return;
    const every = Math.max(50, Math.floor(this.leaseMs / 3));
    this.timer = setInterval(() => {
      if (this.validUntil.size === 0) return;
      // Failures show as fields no longer valid; senders then wait in ensure().
      this.renew().catch(() => {});
    }, every);
    this.timer.unref();
  }

  private stopHeartbeat(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

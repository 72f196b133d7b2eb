import type { LedgerTransition, SendLedger } from './send-ledger.js';
import type { SuppressionInput, SuppressionList } from './suppression.js';

/**
 * Final states waiting for the ledger. Eager (as-sent): a write starts at once for whatever was
 * pushed in the same tick, without waiting for writes already on their way, and `push` resolves
 * once its state is written: the sender holds its DeliveryGate slot until then, so what a crash
 * can leave delivered but unrecorded is one mail per slot, even while Redis is unreachable
 * (sending pauses instead of piling up unrecorded mail). Per-batch: everything is written by
 * drain(). Hard bounces are suppressed before their `failed` mark is written: after a crash in
 * between, the retry finds the address suppressed and records a skip instead.
 */
export class PendingMarks {
  private transitions: LedgerTransition[] = [];
  private bounces: SuppressionInput[] = [];
  private scheduled: Promise<void> | null = null;
  private readonly writing = new Set<Promise<void>>();
  private error: unknown;

  constructor(
    private readonly ledger: SendLedger,
    private readonly suppression: SuppressionList,
    private readonly campaignId: string,
    private readonly eager: boolean,
    /** Counts the Redis round trips the writes take. */
    private readonly result: { roundTrips: number },
    /** Called for each field once its final state is in the ledger. */
    private readonly onWritten: (field: string) => void,
  ) {}

  /** Queues final states; eager: resolves once they are written (or the write failed: see `failed`). */
  push(transition: LedgerTransition, bounce?: SuppressionInput): Promise<void> {
    this.transitions.push(transition);
    if (bounce) this.bounces.push(bounce);
    if (!this.eager) return Promise.resolve();
    // Pushes of the same tick share one write.
    this.scheduled ??= Promise.resolve().then(() => {
      this.scheduled = null;
      return this.writePending();
    });
    return this.scheduled;
  }

  /** A write failed: stop sending (drain() throws the error). */
  get failed(): boolean {
    return this.error !== undefined;
  }

  private writePending(): Promise<void> {
    const transitions = this.transitions;
    const bounces = this.bounces;
    this.transitions = [];
    this.bounces = [];
    if (transitions.length === 0) return Promise.resolve();
    const write = (async () => {
      try {
        if (bounces.length > 0) {
          await this.suppression.addMany(bounces);
          this.result.roundTrips++;
        }
        await this.ledger.mark(this.campaignId, transitions);
        this.result.roundTrips++;
        for (const { field } of transitions) this.onWritten(field);
      } catch (error) {
        this.error ??= error;
      }
    })();
    this.writing.add(write);
    void write.finally(() => this.writing.delete(write));
    return write;
  }

  async drain(): Promise<void> {
    if (this.scheduled) await this.scheduled;
    await this.writePending();
    while (this.writing.size > 0) await Promise.all([...this.writing]);
    if (this.error) throw this.error;
  }
}

import { classifyDeliveryError, PermanentDeliveryError, TransientDeliveryError } from './delivery-errors.js';
import type { EmailMessage } from './email-message.js';
import { isLedgerDetail, type LedgerTransition, type SendLedger } from './send-ledger.js';
import type { SuppressionInput, SuppressionList } from './suppression.js';
import type { MailTransport } from './transport.js';

/** One customer's mail, ready to go. `field` is the ledger field (`<customerId>:email`). */
export interface PreparedEmail {
  field: string;
  customerId: string;
  email: string;
  message: EmailMessage;
}

/** A customer decided against before sending (no consent, invalid address, ...): recorded, not sent. */
export interface PlannedSkip {
  field: string;
  reason: string;
}

export interface DeliverBatchInput {
  campaignId: string;
  messages: readonly PreparedEmail[];
  skips?: readonly PlannedSkip[];
  ledger: SendLedger;
  suppression: SuppressionList;
  transport: MailTransport;
  /** Sends in flight at once (default: the transport's own, e.g. the SMTP pool size). */
  concurrency?: number;
  /**
   * When final states reach the ledger. `per-batch`: one mark call at the end (the default for
   * transports where a re-send cannot deliver twice). `as-sent`: marks are flushed while sending,
   * coalescing whatever completed during the previous round trip (the default for SMTP), so a
   * crash can re-send little more than what was in flight.
   */
  marks?: 'per-batch' | 'as-sent';
  /**
   * When this run of the campaign began. A mail the ledger already shows as sent before then
   * went out in an earlier run (`done.already-sent`); one sent since, by an earlier attempt of
   * this run (`done.sent`). Without it every earlier send counts as `already-sent`.
   */
  runStartedAt?: number;
  /** Stop starting new sends (the worker is shutting down); what is left is retried. */
  signal?: AbortSignal;
  now?: () => number;
}

export interface DeliverBatchResult {
  /** Delivered now (including `resent` and `duplicates`). */
  sent: number;
  /** Of `sent`: claimed again after an earlier attempt left them `sending` (same Message-ID). */
  resent: number;
  /** Of `sent`: the transport found the message already delivered and did nothing (outbox). */
  duplicates: number;
  /** Already final in the ledger (sent, failed or skipped by an earlier attempt): left alone. */
  alreadyDone: number;
  /** `alreadyDone` by state: `sent` (earlier attempt of this run), `already-sent`, `failed:<code>`, `skipped:<reason>`. */
  done: Record<string, number>;
  skipped: Record<string, number>;
  failed: Record<string, number>;
  /** Left `sending` for a retry after a transient failure (or never tried once the relay was down). */
  retry: number;
  /** Redis round trips made (claim + suppression check count as one: they go out together). */
  roundTrips: number;
}

/**
 * Not everything could be delivered for now: the job must fail and be retried with backoff. What
 * was sent is recorded; what is left stays `sending`, so the retry re-sends only that.
 */
export class DeliveryRetryError extends TransientDeliveryError {
  constructor(
    readonly result: DeliverBatchResult,
    cause: TransientDeliveryError | undefined,
  ) {
    super(
      `${result.retry} message(s) left for a retry` +
        (cause ? `: ${cause.message}` : ': dispatch was stopped'),
      cause?.code ?? 'EABORT',
      cause?.scope ?? 'connection',
    );
    this.name = 'DeliveryRetryError';
  }
}

/**
 * Delivers one chunk exactly once: claim every field and check suppression (one round trip), send
 * with a small concurrency, record outcomes (one mark call per batch, or coalesced as sent).
 * A permanent failure is recorded and its address suppressed as hard-bounced; a transient one
 * leaves its field `sending` and makes this throw DeliveryRetryError after the batch.
 */
export async function deliverBatch(input: DeliverBatchInput): Promise<DeliverBatchResult> {
  const { campaignId, messages, ledger, suppression, transport } = input;
  const skips = input.skips ?? [];
  checkInput(messages, skips);
  const now = input.now ?? Date.now;
  const result: DeliverBatchResult = {
    sent: 0,
    resent: 0,
    duplicates: 0,
    alreadyDone: 0,
    done: {},
    skipped: {},
    failed: {},
    retry: 0,
    roundTrips: 0,
  };
  const marks = new PendingMarks(
    ledger,
    suppression,
    campaignId,
    (input.marks ?? (transport.exactlyOnce ? 'per-batch' : 'as-sent')) === 'as-sent',
    result,
  );

  // Issued together, answered in one round trip (separate commands, so it also holds on a
  // Cluster where the ledger and the suppression list live in different slots).
  const fields = messages.map((m) => m.field);
  const [claims, suppressed] = await Promise.all([
    ledger.claim(campaignId, fields, now()),
    suppression.checkMany(messages.map((m) => m.email)),
  ]);
  if (messages.length > 0) result.roundTrips++;

  for (const skip of skips) {
    marks.push({ field: skip.field, state: `skipped:${skip.reason}` });
    bump(result.skipped, skip.reason);
  }
  const queue: { item: PreparedEmail; reclaimed: boolean }[] = [];
  messages.forEach((item, i) => {
    const claim = claims[i];
    if (claim.startsWith('done:')) {
      result.alreadyDone++;
      bump(result.done, doneKind(claim.slice(5), input.runStartedAt));
    } else if (suppressed[i]) {
      marks.push({ field: item.field, state: `skipped:${suppressed[i]}` });
      bump(result.skipped, suppressed[i] as string);
    } else {
      queue.push({ item, reclaimed: claim === 'reclaimed' });
    }
  });

  let next = 0;
  let stopped = false;
  let firstTransient: TransientDeliveryError | undefined;
  const sender = async () => {
    while (!stopped && next < queue.length) {
      if (input.signal?.aborted) {
        stopped = true;
        break;
      }
      const { item, reclaimed } = queue[next++];
      try {
        const receipt = await transport.send(item.message);
        marks.push({ field: item.field, state: `sent:${now()}` });
        result.sent++;
        if (reclaimed) result.resent++;
        if (receipt.duplicate) result.duplicates++;
      } catch (error) {
        const failure = classifyDeliveryError(error);
        if (failure instanceof PermanentDeliveryError) {
          marks.push(
            { field: item.field, state: `failed:${failure.code}` },
            { email: item.email, reason: 'hard-bounced', campaignId },
          );
          bump(result.failed, String(failure.code));
        } else {
          result.retry++;
          firstTransient ??= failure;
          if (failure.scope === 'connection') stopped = true; // the rest waits for the retry
        }
      }
    }
  };
  const concurrency = Math.max(1, Math.min(input.concurrency ?? transport.concurrency, queue.length));
  await Promise.all(Array.from({ length: concurrency }, sender));
  result.retry += queue.length - next;
  await marks.drain();
  if (result.retry > 0) throw new DeliveryRetryError(result, firstTransient);
  return result;
}

/**
 * Final states waiting for the ledger. Eager: a flush starts as soon as there is something to
 * write and none is running, so each round trip carries everything that completed during the
 * previous one. Hard bounces are suppressed before their `failed` mark is written: after a crash
 * in between, the retry finds the address suppressed and records a skip instead.
 */
class PendingMarks {
  private transitions: LedgerTransition[] = [];
  private bounces: SuppressionInput[] = [];
  private flushing: Promise<void> | null = null;
  private error: unknown;

  constructor(
    private readonly ledger: SendLedger,
    private readonly suppression: SuppressionList,
    private readonly campaignId: string,
    private readonly eager: boolean,
    private readonly result: DeliverBatchResult,
  ) {}

  push(transition: LedgerTransition, bounce?: SuppressionInput): void {
    this.transitions.push(transition);
    if (bounce) this.bounces.push(bounce);
    if (this.eager && !this.flushing) this.flushing = this.flush();
  }

  private async flush(): Promise<void> {
    try {
      while (this.transitions.length > 0) {
        const transitions = this.transitions;
        const bounces = this.bounces;
        this.transitions = [];
        this.bounces = [];
        if (bounces.length > 0) {
          await this.suppression.addMany(bounces);
          this.result.roundTrips++;
        }
        await this.ledger.mark(this.campaignId, transitions);
        this.result.roundTrips++;
      }
    } catch (error) {
      this.error ??= error;
    } finally {
      this.flushing = null;
    }
  }

  async drain(): Promise<void> {
    if (this.flushing) await this.flushing;
    if (this.transitions.length > 0) {
      this.flushing = this.flush();
      await this.flushing;
    }
    if (this.error) throw this.error;
  }
}

function bump(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

function checkInput(messages: readonly PreparedEmail[], skips: readonly PlannedSkip[]): void {
  const seen = new Set<string>();
  for (const { field } of [...messages, ...skips]) {
    if (seen.has(field))
      throw new Error(`deliverBatch: field ${JSON.stringify(field)} appears twice in one batch`);
    seen.add(field);
  }
  for (const skip of skips) {
    if (!isLedgerDetail(skip.reason)) {
      throw new Error(
        `deliverBatch: skip reason ${JSON.stringify(skip.reason)} for ${skip.field} is not a plain word`,
      );
    }
  }
}

function doneKind(state: string, runStartedAt: number | undefined): string {
  if (!state.startsWith('sent:')) return state;
  const at = Number(state.slice(5));
  return runStartedAt === undefined || at < runStartedAt ? 'already-sent' : 'sent';
}

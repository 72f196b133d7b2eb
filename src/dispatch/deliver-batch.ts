import { classifyDeliveryError, PermanentDeliveryError, TransientDeliveryError } from './delivery-errors.js';
import { deliveryGateOf } from './delivery-gate.js';
import type { EmailMessage } from './email-message.js';
import { PendingMarks } from './pending-marks.js';
import { SendLease } from './send-lease.js';
import { type ClaimResult, isLedgerDetail, type SendLedger } from './send-ledger.js';
import type { SuppressionList, SuppressionReason } from './suppression.js';
import type { DeliveryReceipt, MailTransport } from './transport.js';

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
  /**
   * The caller has just checked every message against the suppression list (dispatch's recipient
   * gate does, right before): the batch does not ask again with its first claim.
   */
  suppressionChecked?: boolean;
  /** Stop starting new sends (the worker is shutting down); what is left is retried. */
  signal?: AbortSignal;
  /** Clock for ledger states; by default claims use the Redis server's clock. */
  now?: () => number;
  /** Lease on this attempt's claims (default: the ledger's, TAILOR_SEND_LEASE_MS or 30 s). */
  leaseMs?: number;
  /**
   * Fields claimed per round trip, just ahead of sending (default 20 × concurrency, at least
   * 250): the most another attempt has to wait for if this one dies mid-send. Each claim call
   * has a fixed cost in Redis; at 80 fields a call, claims took 4.7 µs of Redis CPU per mail,
   * at 250 fields 2.9 (send-ledger scripts on fresh fields; bench:campaign's CPU per mail).
   */
  window?: number;
  /** Further tries within the batch for a message the relay answered 4xx (default 2). */
  transientRetries?: number;
  /** Wait before the first of those tries, doubled for each next one (default 500 ms). */
  transientBackoffMs?: number;
  /** How long to wait within the batch for fields another live attempt holds (default 2 leases). */
  busyWaitMs?: number;
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
  /** Left to another attempt that still held them (a live lease) when this one stopped waiting. */
  busy: number;
  /** Redis round trips made (claim + suppression check count as one: they go out together). */
  roundTrips: number;
}

/**
 * Not everything could be delivered for now: the job must fail and be retried with backoff. What
 * was sent is recorded; what is left stays `sending` (released, so the retry can reclaim it at
 * once) or is still held by another live attempt, so the retry re-sends only what is missing.
 */
export class DeliveryRetryError extends TransientDeliveryError {
  /** When only leases held by another attempt are left: retrying sooner finds them still held. */
  readonly retryAfterMs?: number;

  constructor(
    readonly result: DeliverBatchResult,
    cause: TransientDeliveryError | undefined,
    retryAfterMs?: number,
  ) {
    const leftBusy = result.busy > 0 ? `, ${result.busy} still held by another attempt` : '';
    super(
      `${result.retry} message(s) left for a retry${leftBusy}` +
        (cause ? `: ${cause.message}` : result.retry === 0 ? '' : ': dispatch was stopped'),
      cause?.code ?? (result.retry === 0 ? 'EBUSY' : 'EABORT'),
      cause?.scope ?? (result.retry === 0 ? 'message' : 'connection'),
    );
    this.name = 'DeliveryRetryError';
    if (retryAfterMs !== undefined) this.retryAfterMs = retryAfterMs;
  }
}

interface Ready {
  item: PreparedEmail;
  reclaimed: boolean;
}

/** What one pass over a set of messages left to do. */
interface RoundOutcome {
  /** Held by another live attempt, with the ms its lease has left. */
  busy: { item: PreparedEmail; waitMs: number }[];
  /** Answered 4xx (this recipient only). */
  transient: PreparedEmail[];
  /** Not tried: the relay was down, dispatch was stopped, or Redis failed. */
  untried: PreparedEmail[];
}

/**
 * Delivers one chunk exactly once. Claims fields in windows just ahead of sending, under a lease
 * renewed while the attempt works (SendLease): an attempt that lost its BullMQ lock while still
 * sending and the one that picked the job up again never send the same mail; they share the
 * chunk window by window, and fields held by the other wait until it marks them or its lease
 * runs out. The first claim and the suppression check go out together (one round trip).
 * Outcomes are recorded as they come (one mark call per batch, or coalesced as sent). A
 * permanent failure is recorded and its address suppressed as hard-bounced; a 4xx answer is
 * tried again within the batch after a short backoff, then left `sending`; a lost connection
 * stops the batch. Whatever is left makes this throw DeliveryRetryError after the batch.
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
    busy: 0,
    roundTrips: 0,
  };
  const lease = new SendLease(ledger, campaignId, { leaseMs: input.leaseMs, now: input.now });
  const marks = new PendingMarks(
    ledger,
    suppression,
    campaignId,
    (input.marks ?? (transport.exactlyOnce ? 'per-batch' : 'as-sent')) === 'as-sent',
    result,
    (field) => lease.forget(field),
  );
  const concurrency = Math.max(1, Math.floor(input.concurrency ?? transport.concurrency));
  const window = Math.max(1, Math.floor(input.window ?? Math.max(250, 20 * concurrency)));
  const transientRetries = Math.max(0, input.transientRetries ?? 2);
  const transientBackoffMs = Math.max(0, input.transientBackoffMs ?? 500);
  const busyWaitMs = Math.max(0, input.busyWaitMs ?? 2 * lease.leaseMs);

  for (const skip of skips) {
    marks.push({ field: skip.field, state: `skipped:${skip.reason}` });
    bump(result.skipped, skip.reason);
  }

  let firstTransient: TransientDeliveryError | undefined;
  let failure: unknown;
  let retryAfterMs: number | undefined;
  try {
    // Asked once, with the first claim: an unsubscribe takes effect for every chunk not yet sent.
    let suppressed: Map<string, SuppressionReason | null> | undefined;
    const checkSuppression = async () => {
      const reasons = await suppression.checkMany(messages.map((m) => m.email));
      suppressed = new Map(messages.map((m, i) => [m.field, reasons[i]]));
    };
    const tries = new Map<string, number>();
    let pending: readonly PreparedEmail[] = messages;
    let waitedForBusy = 0;
    for (let round = 0; pending.length > 0; round++) {
      const outcome = await sendRound({
        items: pending,
        window,
        concurrency,
        lease,
        marks,
        transport,
        result,
        signal: input.signal,
        runStartedAt: input.runStartedAt,
        now,
        campaignId,
        beforeFirstClaim: round === 0 && !input.suppressionChecked ? checkSuppression : undefined,
        suppressionOf: (field) => suppressed?.get(field) ?? null,
        onTransient: (error) => {
          firstTransient ??= error;
        },
      });
      if (outcome.untried.length > 0) {
        // The relay is down, we are stopping, or Redis failed: the job's retry takes it from here.
        result.retry += outcome.untried.length + outcome.transient.length;
        result.busy += outcome.busy.length;
        break;
      }
      const again: PreparedEmail[] = [];
      let transientWait: number | undefined;
      for (const item of outcome.transient) {
        const made = (tries.get(item.field) ?? 0) + 1;
        tries.set(item.field, made);
        if (made > transientRetries) result.retry++;
        else {
          again.push(item);
          transientWait = Math.min(transientWait ?? Infinity, transientBackoffMs * 2 ** (made - 1));
        }
      }
      let busyWait: number | undefined;
      if (outcome.busy.length > 0) {
        const soonest = Math.min(...outcome.busy.map((b) => b.waitMs)) + 20;
        if (waitedForBusy + soonest > busyWaitMs) {
          result.busy += outcome.busy.length;
          retryAfterMs = soonest;
        } else {
          again.push(...outcome.busy.map((b) => b.item));
          busyWait = soonest;
        }
      }
      if (again.length === 0) break;
      const wait = Math.min(transientWait ?? Infinity, busyWait ?? Infinity);
      if (busyWait !== undefined) waitedForBusy += wait;
      if (!(await sleep(wait, input.signal))) {
        result.retry += again.length; // stopping: the job's retry takes these
        break;
      }
      pending = again;
    }
  } catch (error) {
    failure = error;
  }
  try {
    await marks.drain();
  } finally {
    await lease.release();
    result.roundTrips += lease.renewals;
  }
  if (failure) throw failure;
  if (result.retry > 0 || result.busy > 0) {
    throw new DeliveryRetryError(result, firstTransient, result.retry === 0 ? retryAfterMs : undefined);
  }
  return result;
}

/**
 * One pass: claim window by window (the next window is claimed while the current one is still
 * being sent) and send with `concurrency` senders, each checking its lease before it sends.
 */
async function sendRound(options: {
  items: readonly PreparedEmail[];
  window: number;
  concurrency: number;
  lease: SendLease;
  marks: PendingMarks;
  transport: MailTransport;
  result: DeliverBatchResult;
  signal?: AbortSignal;
  runStartedAt?: number;
  now: () => number;
  campaignId: string;
  beforeFirstClaim?: () => Promise<void>;
  suppressionOf: (field: string) => SuppressionReason | null;
  onTransient: (error: TransientDeliveryError) => void;
}): Promise<RoundOutcome> {
  const { items, lease, marks, transport, result } = options;
  const gate = deliveryGateOf(transport);
  const outcome: RoundOutcome = { busy: [], transient: [], untried: [] };
  const ready: Ready[] = [];
  let readAt = 0;
  let claimedUpTo = 0;
  let claiming: Promise<void> | null = null;
  let claimError: unknown;
  let stopped = false;
  let firstClaim = true;

  const claimNext = (): void => {
    if (claiming || claimedUpTo >= items.length || stopped) return;
    const batch = items.slice(claimedUpTo, claimedUpTo + options.window);
    claimedUpTo += batch.length;
    const before = firstClaim ? options.beforeFirstClaim : undefined;
    firstClaim = false;
    claiming = (async () => {
      const [claims] = await Promise.all([lease.claim(batch.map((m) => m.field)), before?.()]);
      result.roundTrips++;
      batch.forEach((item, i) => {
        classify(item, claims[i]);
      });
    })()
      .catch((error: unknown) => {
        claimError ??= error;
        outcome.untried.push(...batch);
      })
      .finally(() => {
        claiming = null;
      });
  };

  const classify = (item: PreparedEmail, claim: ClaimResult): void => {
    if (claim.startsWith('done:')) {
      result.alreadyDone++;
      bump(result.done, doneKind(claim.slice(5), options.runStartedAt));
    } else if (claim.startsWith('busy:')) {
      outcome.busy.push({ item, waitMs: Number(claim.slice(5)) });
    } else {
      const reason = options.suppressionOf(item.field);
      if (reason) {
        marks.push({ field: item.field, state: `skipped:${reason}` });
        bump(result.skipped, reason);
      } else {
        ready.push({ item, reclaimed: claim === 'reclaimed' });
      }
    }
  };

  const next = async (): Promise<Ready | undefined> => {
    for (;;) {
      if (ready.length - readAt < options.window / 2) claimNext();
      if (readAt < ready.length) return ready[readAt++];
      if (claiming) await claiming;
      else return undefined;
    }
  };

  const stop = (): void => {
    stopped = true;
  };

  const sender = async () => {
    while (!stopped && claimError === undefined) {
      if (options.signal?.aborted) {
        stop();
        break;
      }
      const next_ = await next();
      if (!next_ || claimError !== undefined) {
        if (next_) outcome.untried.push(next_.item);
        break;
      }
      const { item, reclaimed } = next_;
      await gate.acquire();
      try {
        let held: boolean;
        try {
          // Checked with the slot in hand, just before sending: the lease holds and Redis is up.
          held = await lease.ensure(item.field);
        } catch (error) {
          claimError ??= error;
          outcome.untried.push(item);
          break;
        }
        if (stopped || options.signal?.aborted) {
          outcome.untried.push(item); // stopped while this sender waited for a slot
          break;
        }
        if (!held) {
          // Another attempt took it over while this one could not renew: never send it here.
          outcome.busy.push({ item, waitMs: lease.leaseMs });
          continue;
        }
        let receipt: DeliveryReceipt;
        try {
          receipt = await transport.send(item.message);
        } catch (error) {
          const failure = classifyDeliveryError(error);
          if (failure instanceof PermanentDeliveryError) {
            bump(result.failed, String(failure.code));
            await marks.push(
              { field: item.field, state: `failed:${failure.code}` },
              { email: item.email, reason: 'hard-bounced', campaignId: options.campaignId },
            );
            if (marks.failed) stop();
          } else {
            options.onTransient(failure);
            if (failure.scope === 'connection') {
              stop(); // the relay or the disk is unusable: the rest waits for the job's retry
              outcome.untried.push(item);
            } else {
              outcome.transient.push(item);
            }
          }
          continue;
        }
        result.sent++;
        if (reclaimed) result.resent++;
        if (receipt.duplicate) result.duplicates++;
        // The slot is kept until the outcome is recorded (as-sent): see DeliveryGate.
        await marks.push({ field: item.field, state: `sent:${options.now()}` });
        if (marks.failed) stop();
      } finally {
        gate.release();
      }
    }
  };
  const senders = Math.max(1, Math.min(options.concurrency, items.length));
  await Promise.all(Array.from({ length: senders }, sender));
  while (claiming) await claiming;
  // Claimed but never started, and never claimed: left for the retry.
  if (stopped || claimError !== undefined) {
    outcome.untried.push(...ready.slice(readAt).map((r) => r.item), ...items.slice(claimedUpTo));
  }
  // Redis refused a claim or a renewal: fail the job (marks are still drained and leases released).
  if (claimError !== undefined) throw claimError;
  return outcome;
}

/** Resolves true after `ms`, or false as soon as the signal aborts. */
function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
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

import { messageIdFor } from '../../src/dispatch/message-id.js';
import type { SinkDelivery } from './chaos-sink.js';
import type { SyntheticCustomer } from './synthetic-shop.js';

/** The one JSON line a chaos run prints (issue 8), plus what explains it. */
export interface ChaosReport {
  /** Customers who may be mailed: in the audience and with marketing consent. */
  eligible: number;
  /** Distinct Message-IDs the relay accepted. */
  deliveredUnique: number;
  /** Deliveries beyond the first of a Message-ID. */
  redeliveries: number;
  /** Eligible customers with no delivery and no permanent failure. */
  lost: number;
  /** Eligible customers the ledger records as failed for good (the relay's 550). */
  permanentFailures: number;
  workerKills: number;
  redisRestarts: number;
  /** 451 answers the relay gave. */
  smtpTransientFailures: number;
  /** From enqueue to the end of the run. */
  seconds: number;
  customers: number;
  seed: number;
  /** The run's final state as Tailor recorded it. */
  runState: string;
  /** Messages delivered to customers who must get none (no consent): must be 0. */
  deliveredToIneligible: number;
  /** Deliveries whose Message-ID is not the one derived from (campaign, customer, channel): must be 0. */
  wrongMessageIds: number;
  /** Customers both delivered and recorded as failed: must be 0. */
  deliveredAndFailed: number;
  /** Ledger fields still `sending` at the end (unfinished). */
  ledgerSending: number;
  /** Workers that exited by themselves (e.g. started while Redis was down) and were restarted. */
  workerRestarts: number;
  /** BullMQ jobs that failed for good (a dispatch chunk among them leaves customers unreached). */
  failedJobs: number;
  /** The bar: lost 0, deliveredUnique + permanentFailures = eligible, redeliveries ≤ workerKills. */
  ok: boolean;
}

export interface ChaosTally {
  customers: readonly SyntheticCustomer[];
  deliveries: readonly SinkDelivery[];
  /** Final and in-flight ledger states by customer id (email channel). */
  ledger: ReadonlyMap<string, string>;
  campaignId: string;
  senderDomain: string;
}

/** Counts a finished run against what the synthetic shop says should have happened. */
export function tallyChaosRun(
  tally: ChaosTally,
  run: Pick<
    ChaosReport,
    | 'workerKills'
    | 'redisRestarts'
    | 'smtpTransientFailures'
    | 'seconds'
    | 'seed'
    | 'runState'
    | 'workerRestarts'
    | 'failedJobs'
  >,
): ChaosReport {
  const byEmail = new Map(tally.customers.map((c) => [c.email, c]));
  const perMessageId = new Map<string, number>();
  const reached = new Set<string>(); // customer ids
  let deliveredToIneligible = 0;
  let wrongMessageIds = 0;
  for (const delivery of tally.deliveries) {
    const first = !perMessageId.has(delivery.messageId);
    perMessageId.set(delivery.messageId, (perMessageId.get(delivery.messageId) ?? 0) + 1);
    for (const to of delivery.to) {
      const customer = byEmail.get(to);
      if (!customer) {
        wrongMessageIds++;
        continue;
      }
      const expected = messageIdFor(
        { campaignId: tally.campaignId, customerId: customer.id, channel: 'email' },
        tally.senderDomain,
      );
      if (delivery.messageId !== expected) wrongMessageIds++;
      if (!customer.consent && first) deliveredToIneligible++;
      reached.add(customer.id);
    }
  }
  const deliveredUnique = perMessageId.size;
  const redeliveries = tally.deliveries.length - deliveredUnique;

  let eligible = 0;
  let permanentFailures = 0;
  let lost = 0;
  let deliveredAndFailed = 0;
  let ledgerSending = 0;
  for (const customer of tally.customers) {
    const state = tally.ledger.get(customer.id) ?? '';
    if (state.startsWith('sending:')) ledgerSending++;
    if (!customer.consent) continue;
    eligible++;
    const failed = state.startsWith('failed:');
    if (failed) permanentFailures++;
    if (failed && reached.has(customer.id)) deliveredAndFailed++;
    if (!failed && !reached.has(customer.id)) lost++;
  }
  const ok =
    lost === 0 &&
    deliveredUnique + permanentFailures === eligible &&
    redeliveries <= run.workerKills &&
    deliveredToIneligible === 0 &&
    wrongMessageIds === 0 &&
    deliveredAndFailed === 0;
  return {
    eligible,
    deliveredUnique,
    redeliveries,
    lost,
    permanentFailures,
    workerKills: run.workerKills,
    redisRestarts: run.redisRestarts,
    smtpTransientFailures: run.smtpTransientFailures,
    seconds: run.seconds,
    customers: tally.customers.length,
    seed: run.seed,
    runState: run.runState,
    deliveredToIneligible,
    wrongMessageIds,
    deliveredAndFailed,
    ledgerSending,
    workerRestarts: run.workerRestarts,
    failedJobs: run.failedJobs,
    ok,
  };
}

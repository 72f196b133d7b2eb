import { type Job, UnrecoverableError, WaitingChildrenError } from 'bullmq';
import { type CampaignLinks, linksOfSpec } from '../audience/campaign-links.js';
import { EarningsStore } from '../audience/earnings-store.js';
import { openLinkSigner } from '../audience/link-secret.js';
import { MailHistory } from '../audience/mail-history.js';
import { gateRecipients, releaseUnsent } from '../audience/recipient-gate.js';
import {
  DispatchChunkData,
  DispatchPlanData,
  distinctInstants,
  sendJobId,
  sendStatsStage,
} from '../audience/send-plan.js';
import { hasPerCustomerTiming, SendTimePlanner, sendInstant, timingOf } from '../audience/send-time.js';
import type { LinkSigner } from '../audience/signed-token.js';
import type { RunRecord } from '../campaigns/campaign-store.js';
import { AUDIENCE } from '../campaigns/chunk-codec.js';
import { copyRequestFor } from '../campaigns/copy-plan.js';
import { gateRun } from '../campaigns/run-control.js';
import type { AdExportRow } from '../dispatch/ad-export.js';
import { combineAdExport, writeAdExportPart } from '../dispatch/ad-export.js';
import { deliverBatch, type PlannedSkip, type PreparedEmail } from '../dispatch/deliver-batch.js';
import { campaignOutboxDir } from '../dispatch/outbox-transport.js';
import { type EmailRecipient, prepareEmails } from '../dispatch/prepare-chunk.js';
import { ledgerField } from '../dispatch/send-ledger.js';
import type { AdCopy, EmailCopy } from '../generation/copywriter.js';
import { chunkRanges, PREDICT_CHUNK } from '../queues/campaign-flow.js';
import { JOB } from '../queues/job-payloads.js';
import { capOfSpec, FrequencyCap } from '../schedules/frequency-cap.js';
import { parsePayload, type StageContext } from './stage-context.js';

/**
 * `dispatch` plan job: the root of a run's flow. Once generate is done it fans the audience out
 * into send jobs (its children, with fixed ids so a retry adds nothing twice), waits for them,
 * then combines the ad export and closes the run. BullMQ's step-job pattern. With local-time
 * sending or quiet hours a chunk gets one job per send instant, delayed until then (send-plan.ts).
 */
export function dispatchPlanProcessor(context: StageContext) {
  return async (job: Job, token?: string) => {
    const data = parsePayload(DispatchPlanData, job);
    const { runId } = data;
    const run = await context.store.requireRun(runId);
    if ((await gateRun(context.redis, run, job, token)) === 'cancelled') return { runId, cancelled: true };
    let step = data.step;
    if (step === 'fan-out' && run.dryRun) {
      // A dry run stops here: segments, predictions and copy are stored for review, and
      // `campaign send` later dispatches exactly these.
      await context.store.updateRun(runId, { state: 'reviewed', finishedAt: new Date().toISOString() });
      return { runId, reviewed: true };
    }
    // Fixed by the first attempt, so a retried fan-out computes the same instants and job ids.
    const plannedAt = data.plannedAt ?? Date.now();
    if (data.plannedAt === undefined) await job.updateData({ runId, step, plannedAt });
    if (step === 'fan-out') {
      await fanOutSendJobs(context, run, job, plannedAt);
      await context.store.updateRun(runId, { state: 'dispatching' });
      step = 'wait';
      await job.updateData({ runId, step, plannedAt });
    }
    if (step === 'wait') {
      if (await job.moveToWaitingChildren(token as string)) throw new WaitingChildrenError();
      step = 'finish';
      await job.updateData({ runId, step, plannedAt });
    }
    let adRows = 0;
    if (run.spec.channels.includes('ads')) {
      adRows = (await combineAdExport(campaignOutboxDir(context.delivery.config.outboxDir, run.campaignId)))
        .rows;
    }
    const failedChunks = Object.keys(await job.getIgnoredChildrenFailures()).length;
    await context.store.updateRun(runId, {
      state: 'completed',
      finishedAt: new Date().toISOString(),
      ...(failedChunks ? { error: `${failedChunks} send chunk(s) failed after retries` } : {}),
    });
    return { runId, adRows, failedChunks };
  };
}

/** Jobs added per addBulk call while fanning out. */
const FAN_OUT_BATCH = 1_000;

/**
 * One send job per chunk and send instant. Every chunk gets its usual job (instant `plannedAt`:
 * those due now, and the chunk's ad rows); later instants get delayed jobs. Without per-customer
 * timing everyone of a chunk shares one instant, so no customer record is read here.
 */
async function fanOutSendJobs(context: StageContext, run: RunRecord, job: Job, plannedAt: number) {
  const { runId } = run;
  const timing = timingOf(run.spec);
  const parent = { id: job.id as string, queue: job.queueQualifiedName };
  const queue = context.queues.get('dispatch');
  const sendJob = (range: { chunk: number; start: number; end: number }, sendAt: number) => ({
    name: JOB.dispatchChunk,
    data: { runId, ...range, plannedAt, sendAt },
    opts: {
      jobId: sendJobId(runId, range.chunk, sendAt, plannedAt),
      parent,
      delay: Math.max(0, sendAt - Date.now()),
      // A chunk that exhausts its retries is reported as not reached, not a stuck run.
      ignoreDependencyOnFailure: true,
    },
  });
  const ranges = chunkRanges(run.customers, run.chunkSize);
  if (!hasPerCustomerTiming(timing)) {
    const at = sendInstant(timing, 'UTC', plannedAt);
    for (let i = 0; i < ranges.length; i += FAN_OUT_BATCH) {
      await queue.addBulk(
        ranges
          .slice(i, i + FAN_OUT_BATCH)
          .flatMap((range) => distinctInstants([plannedAt, at]).map((sendAt) => sendJob(range, sendAt))),
      );
    }
    return;
  }
  const snapshot = await context.snapshots.get(run.dataset, run.snapshotVersion);
  const planner = new SendTimePlanner(timing, plannedAt);
  let loaded = -1;
  let audience: Uint8Array = new Uint8Array(0);
  const pending: ReturnType<typeof sendJob>[] = [];
  for (const range of ranges) {
    const predictChunk = Math.floor(range.start / PREDICT_CHUNK);
    if (predictChunk !== loaded) {
      ({ audience } = await context.store.loadPrediction(runId, predictChunk, predictChunk * PREDICT_CHUNK));
      loaded = predictChunk;
    }
    const customers = await snapshot.customers(range.start, range.end);
    const instants = [plannedAt];
    customers.forEach((customer, i) => {
      if (audience[range.start - loaded * PREDICT_CHUNK + i] !== AUDIENCE.outside)
        instants.push(planner.instantFor(customer));
    });
    for (const sendAt of distinctInstants(instants)) pending.push(sendJob(range, sendAt));
    if (pending.length >= FAN_OUT_BATCH) await queue.addBulk(pending.splice(0));
  }
  if (pending.length > 0) await queue.addBulk(pending);
}

/**
 * `dispatch` send job: render and deliver the chunk's mails due at its instant exactly once (the
 * ledger and deliverBatch do the bookkeeping, the recipient gate the last decisions), and, in the
 * chunk's usual job, write its ad-copy rows.
 */
export function dispatchChunkProcessor(context: StageContext) {
  const links = linkSignerOf(context);
  const earnings = new EarningsStore(context.redis);
  const gate = {
    ledger: context.delivery.ledger,
    suppression: context.delivery.suppression,
    history: new MailHistory(context.redis),
    frequencyCap: new FrequencyCap(context.redis),
    earnings,
  };
  return async (job: Job, token?: string) => {
    const { runId, chunk, start, end, plannedAt, sendAt } = parsePayload(DispatchChunkData, job);
    const run = await context.store.requireRun(runId);
    if ((await gateRun(context.redis, run, job, token)) === 'cancelled') return { chunk, cancelled: true };
    const { spec } = run;
    const snapshot = await context.snapshots.get(run.dataset, run.snapshotVersion);
    const predictChunk = Math.floor(start / PREDICT_CHUNK);
    const predictStart = predictChunk * PREDICT_CHUNK;
    const [customers, catalogue, segments, assignments, prediction, segmentProducts] = await Promise.all([
      snapshot.customers(start, end),
      snapshot.products(),
      context.store.loadSegmentsResult(runId),
      context.store.loadAssignmentRange(runId, start, end),
      context.store.loadPrediction(runId, predictChunk, predictStart),
      context.store.loadSegmentProducts(runId),
    ]);
    const profiles = new Map(segments.profiles.map((p) => [p.id, p]));
    const { batch, audience } = prediction;
    // A job planned with instants sends for its own instant only; the chunk's usual job also
    // writes the ad rows (ads are not time-bound). A job without instants does everything.
    const timed = plannedAt !== undefined && sendAt !== undefined;
    const planner = timed ? new SendTimePlanner(timingOf(spec), plannedAt) : undefined;
    const usualJob = !timed || sendAt <= plannedAt;
    const withAds = usualJob && spec.channels.includes('ads');

    // Which copy each audience member gets, per channel.
    const plans: {
      i: number;
      email?: string;
      ads?: string;
      products: number[];
      segment: string;
      due: boolean;
    }[] = [];
    // With segment-level copy (the default) a customer's copy depends on channel, audience and
    // segment only: worked out once per combination in the chunk, not once per customer.
    const perCustomerCopy = spec.personalisation === 'customer';
    const requests = new Map<string, { key: string; segment: string }>();
    for (let i = 0; i < customers.length; i++) {
      const local = start - predictStart + i;
      if (audience[local] === AUDIENCE.outside) continue;
      const due = !planner || planner.instantFor(customers[i]) === sendAt;
      if (!due && !withAds) continue;
      const productRow = batch.products.subarray(local * batch.k, (local + 1) * batch.k);
      const segmentId = assignments[i];
      const plan: (typeof plans)[number] = { i, products: Array.from(productRow), segment: '', due };
      for (const channel of spec.channels) {
        const memo = perCustomerCopy ? undefined : `${channel}:${audience[local]}:${segmentId}`;
        let request = memo === undefined ? undefined : requests.get(memo);
        if (!request) {
          const full = copyRequestFor({
            spec,
            channel,
            audience: audience[local],
            segmentId,
            profiles,
            productRow,
            segmentProducts,
            catalogue,
            customer: customers[i],
          });
          request = { key: full.key, segment: full.segment.name };
          if (memo !== undefined) requests.set(memo, request);
        }
        plan[channel] = request.key;
        plan.segment = request.segment;
      }
      plans.push(plan);
    }
    const keys = [
      ...new Set(
        plans.flatMap((p) =>
          [p.due ? p.email : undefined, withAds ? p.ads : undefined].filter((k): k is string => Boolean(k)),
        ),
      ),
    ];
    const copy = await context.store.loadCopy(runId, keys);
    const missing = keys.find((k) => !copy.has(k));
    if (missing)
      throw new UnrecoverableError(
        `run ${runId}: copy ${missing} was never written (generate stage incomplete)`,
      );

    const counts: Record<string, number> = {};
    const emailPlans = plans.filter((plan) => plan.due);
    if (spec.channels.includes('email') && emailPlans.length > 0) {
      let campaignLinks: CampaignLinks;
      try {
        campaignLinks = linksOfSpec(await links(), run.campaignId, spec);
      } catch (error) {
        // No secret, a mismatched one, or a bad public URL: wrong for every mail of the run.
        throw new UnrecoverableError((error as Error).message);
      }
      const skips: PlannedSkip[] = [];
      const campaign = {
        campaignId: run.campaignId,
        template: spec.template,
        sender: {
          name: spec.sender.name,
          address: spec.sender.email,
          postalAddress: spec.sender.postalAddress,
        },
        brand: { name: spec.brand.name },
        currency: spec.currency,
        productCards: spec.products,
        ...campaignLinks,
      };
      const recipients: EmailRecipient[] = [];
      for (const plan of emailPlans) {
        const customer = customers[plan.i];
        const field = ledgerField(customer.id, 'email');
        if (!customer.consent) skips.push({ field, reason: 'no-consent' });
        else if (customer.profilingObjection && spec.objectors === 'skip')
          skips.push({ field, reason: 'profiling-objection' });
        else {
          const products = plan.products.filter((p) => p < catalogue.length).map((p) => catalogue[p]);
          recipients.push({ customer, copy: copy.get(plan.email as string)?.copy as EmailCopy, products });
        }
      }
      let messages: PreparedEmail[];
      try {
        const prepared = prepareEmails(campaign, recipients);
        messages = prepared.messages;
        skips.push(...prepared.skips);
      } catch (error) {
        // A template or sender problem is wrong for every customer: retrying cannot help.
        throw new UnrecoverableError((error as Error).message);
      }
      // Suppression, hold-out and the caps, decided just before sending.
      const now = Date.now();
      const gated = await gateRecipients(gate, {
        campaignId: run.campaignId,
        spec,
        groupCap: capOfSpec(spec),
        messages,
        now,
      });
      skips.push(...gated.skips);
      const result = await deliverBatch({
        campaignId: run.campaignId,
        messages: gated.toSend,
        skips,
        ledger: context.delivery.ledger,
        suppression: context.delivery.suppression,
        transport: context.delivery.transport(),
        runStartedAt: Date.parse(run.createdAt),
        suppressionChecked: true,
      });
      // Every mail sent now was reserved by the gate: when all reserved were sent, none is left to give back.
      if (result.sent < gated.reserved.length) {
        await releaseUnsent(gate, run.campaignId, gated.reserved, (id) => ledgerField(id, 'email'), now);
      }
      // Every audience member of the job is counted once: what this attempt did, plus what
      // the ledger already held (earlier attempts of this run, or earlier runs: already-sent).
      const add = (name: string, n: number) => {
        counts[name] = (counts[name] ?? 0) + n;
      };
      add('sent', result.sent + (result.done.sent ?? 0));
      for (const [reason, n] of Object.entries(result.skipped)) add(`skipped:${reason}`, n);
      for (const [code, n] of Object.entries(result.failed)) add(`failed:${code}`, n);
      for (const [state, n] of Object.entries(result.done)) {
        if (state === 'already-sent') add('skipped:already-sent', n);
        else if (state !== 'sent') add(state, n);
      }
    }
    if (withAds) {
      // Ad audiences are marketing too: no one without consent or on the suppression list.
      const consenting = plans.filter((plan) => customers[plan.i].consent);
      const suppressed = await context.delivery.suppression.checkMany(
        consenting.map((plan) => customers[plan.i].email),
      );
      const rows: AdExportRow[] = consenting
        .filter((_, j) => suppressed[j] === null)
        .map((plan) => {
          const ad = copy.get(plan.ads as string)?.copy as AdCopy;
          const first = plan.products.find((p) => p < catalogue.length);
          return {
            customerId: customers[plan.i].id,
            email: customers[plan.i].email,
            segment: plan.segment,
            headline: ad.headline,
            description: ad.description,
            finalUrl: first === undefined ? spec.publicUrl : catalogue[first].url,
          };
        });
      await writeAdExportPart({
        outboxDir: context.delivery.config.outboxDir,
        campaignId: run.campaignId,
        chunk,
        rows,
      });
      counts.adRows = rows.length;
    }
    await context.store.setChunkStats(runId, sendStatsStage(sendAt, plannedAt), chunk, counts);
    return { chunk, ...(timed && !usualJob ? { sendAt: new Date(sendAt).toISOString() } : {}), ...counts };
  };
}

/** The link signer of this worker process, opened on first use (TAILOR_SECRET or `<home>/secret`). */
function linkSignerOf(context: StageContext): () => Promise<LinkSigner> {
  let signer: Promise<LinkSigner> | undefined;
  return () => {
    signer ??= openLinkSigner({ home: context.home, redis: context.redis }).catch((error) => {
      signer = undefined;
      throw error;
    });
    return signer;
  };
}

import { type Job, UnrecoverableError, WaitingChildrenError } from 'bullmq';
import { AUDIENCE } from '../campaigns/chunk-codec.js';
import { copyRequestFor } from '../campaigns/copy-plan.js';
import { gateRun } from '../campaigns/run-control.js';
import type { AdExportRow } from '../dispatch/ad-export.js';
import { combineAdExport, writeAdExportPart } from '../dispatch/ad-export.js';
import { deliverBatch, type PlannedSkip, type PreparedEmail } from '../dispatch/deliver-batch.js';
import { campaignOutboxDir } from '../dispatch/outbox-transport.js';
import { type EmailRecipient, prepareEmails } from '../dispatch/prepare-email.js';
import { ledgerField } from '../dispatch/send-ledger.js';
import type { AdCopy, EmailCopy } from '../generation/copywriter.js';
import { chunkRanges, jobIds, PREDICT_CHUNK } from '../queues/campaign-flow.js';
import { ChunkPayload, DispatchPlanPayload, JOB } from '../queues/job-payloads.js';
import { capOfSpec, FREQUENCY_CAP_SKIP, FrequencyCap } from '../schedules/frequency-cap.js';
import { parsePayload, type StageContext } from './stage-context.js';

/**
 * `dispatch` plan job: the root of a run's flow. Once generate is done it fans the audience out
 * into send chunks (its children, with fixed ids so a retry adds nothing twice), waits for them,
 * then combines the ad export and closes the run. BullMQ's step-job pattern.
 */
export function dispatchPlanProcessor(context: StageContext) {
  return async (job: Job, token?: string) => {
    const data = parsePayload(DispatchPlanPayload, job);
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
    if (step === 'fan-out') {
      const ranges = chunkRanges(run.customers, run.chunkSize);
      await context.queues.get('dispatch').addBulk(
        ranges.map((range) => ({
          name: JOB.dispatchChunk,
          data: { runId, ...range },
          opts: {
            jobId: jobIds.dispatchChunk(runId, range.chunk),
            parent: { id: job.id as string, queue: job.queueQualifiedName },
            // A chunk that exhausts its retries is reported as not reached, not a stuck run.
            ignoreDependencyOnFailure: true,
          },
        })),
      );
      await context.store.updateRun(runId, { state: 'dispatching' });
      step = 'wait';
      await job.updateData({ runId, step });
    }
    if (step === 'wait') {
      if (await job.moveToWaitingChildren(token as string)) throw new WaitingChildrenError();
      step = 'finish';
      await job.updateData({ runId, step });
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

/**
 * `dispatch` chunk job: render and deliver one chunk of the audience exactly once (the ledger
 * and deliverBatch do the bookkeeping), and write the chunk's ad-copy rows.
 */
export function dispatchChunkProcessor(context: StageContext) {
  return async (job: Job, token?: string) => {
    const { runId, chunk, start, end } = parsePayload(ChunkPayload, job);
    const run = await context.store.requireRun(runId);
    if ((await gateRun(context.redis, run, job, token)) === 'cancelled') return { chunk, cancelled: true };
    const { spec } = run;
    const snapshot = await context.snapshots.get(run.dataset, run.snapshotVersion);
    const predictChunk = Math.floor(start / PREDICT_CHUNK);
    const predictStart = predictChunk * PREDICT_CHUNK;
    const [customers, catalogue, segments, prediction, segmentProducts] = await Promise.all([
      snapshot.customers(start, end),
      snapshot.products(),
      context.store.loadSegments(runId),
      context.store.loadPrediction(runId, predictChunk, predictStart),
      context.store.loadSegmentProducts(runId),
    ]);
    const profiles = new Map(segments.result.profiles.map((p) => [p.id, p]));
    const { batch, audience } = prediction;

    // Which copy each audience member gets, per channel.
    const plans: { i: number; email?: string; ads?: string; products: number[]; segment: string }[] = [];
    for (let i = 0; i < customers.length; i++) {
      const local = start - predictStart + i;
      if (audience[local] === AUDIENCE.outside) continue;
      const productRow = batch.products.subarray(local * batch.k, (local + 1) * batch.k);
      const segmentId = segments.assignments[start + i];
      const plan: (typeof plans)[number] = { i, products: Array.from(productRow), segment: '' };
      for (const channel of spec.channels) {
        const request = copyRequestFor({
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
        plan[channel] = request.key;
        plan.segment = request.segment.name;
      }
      plans.push(plan);
    }
    const keys = [...new Set(plans.flatMap((p) => [p.email, p.ads].filter((k): k is string => Boolean(k))))];
    const copy = await context.store.loadCopy(runId, keys);
    const missing = keys.find((k) => !copy.has(k));
    if (missing)
      throw new UnrecoverableError(
        `run ${runId}: copy ${missing} was never written (generate stage incomplete)`,
      );

    const counts: Record<string, number> = {};
    if (spec.channels.includes('email')) {
      const messages: PreparedEmail[] = [];
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
        publicUrl: spec.publicUrl,
        productCards: spec.products,
      };
      const recipients: EmailRecipient[] = [];
      for (const plan of plans) {
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
      try {
        const prepared = prepareEmails(campaign, recipients);
        messages.push(...prepared.messages);
        skips.push(...prepared.skips);
      } catch (error) {
        // A template or sender problem is wrong for every customer: retrying cannot help.
        throw new UnrecoverableError((error as Error).message);
      }
      // Re-engagement cap: at most one mail of the group per customer per window, across campaigns.
      const cap = capOfSpec(spec);
      let toSend = messages;
      if (cap && messages.length > 0) {
        const allowed = await new FrequencyCap(context.redis).reserve(
          messages.map((m) => m.customerId),
          cap,
          run.campaignId,
        );
        toSend = messages.filter((_, j) => allowed[j]);
        messages.forEach((m, j) => {
          if (!allowed[j]) skips.push({ field: m.field, reason: FREQUENCY_CAP_SKIP });
        });
      }
      const result = await deliverBatch({
        campaignId: run.campaignId,
        messages: toSend,
        skips,
        ledger: context.delivery.ledger,
        suppression: context.delivery.suppression,
        transport: context.delivery.transport(),
        runStartedAt: Date.parse(run.createdAt),
      });
      // Every audience member of the chunk is counted once: what this attempt did, plus what
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
    if (spec.channels.includes('ads')) {
      const rows: AdExportRow[] = plans
        .filter((plan) => customers[plan.i].consent)
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
    await context.store.setChunkStats(runId, 'dispatch', chunk, counts);
    return { chunk, ...counts };
  };
}

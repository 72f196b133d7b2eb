import { type CampaignLinks, linksOfSpec } from '../audience/campaign-links.js';
import type { LinkSigner } from '../audience/signed-token.js';
import type { CampaignStore, RunRecord } from '../campaigns/campaign-store.js';
import { AUDIENCE } from '../campaigns/chunk-codec.js';
import { copyRequestFor } from '../campaigns/copy-plan.js';
import type { CustomerRecord, SnapshotReader } from '../data/snapshot.js';
import type { RenderedEmail } from '../dispatch/email-templates.js';
import { type EmailCampaign, renderCampaignEmail } from '../dispatch/prepare-email.js';
import type { EmailCopy } from '../generation/copywriter.js';
import { NO_PRODUCT } from '../prediction/predictor.js';
import { PREDICT_CHUNK } from '../queues/campaign-flow.js';

/**
 * One customer's mail of a campaign run, rendered from what the run stored: its segments,
 * the customer's predictions and the copy the generate stage wrote. Nothing is generated here,
 * so the preview is what dispatch sends (or sent).
 */

export class PreviewError extends Error {
  constructor(
    message: string,
    readonly status: 404 | 409,
  ) {
    super(message);
    this.name = 'PreviewError';
  }
}

export interface EmailPreview {
  runId: string;
  customerId: string;
  rendered: RenderedEmail;
  /** Why dispatch would skip this customer, when it would (the mail is still shown). */
  wouldSkip?: string;
}

/** Customers read per step while looking an id up. */
const LOOKUP_CHUNK = 10_000;

/**
 * Index of a customer id in the snapshot, by reading the customer table in chunks (the snapshot
 * has no id index; a preview is one request, and this bounds memory at any size).
 */
export async function findCustomer(
  snapshot: SnapshotReader,
  customerId: string,
): Promise<CustomerRecord | undefined> {
  const n = snapshot.manifest.customers;
  for (let start = 0; start < n; start += LOOKUP_CHUNK) {
    const found = (await snapshot.customers(start, Math.min(n, start + LOOKUP_CHUNK))).find(
      (c) => c.id === customerId,
    );
    if (found) return found;
  }
  return undefined;
}

/** What every mail of the run shares, from its spec: the same fields dispatch builds. */
export function emailCampaignOf(run: RunRecord, links?: CampaignLinks): EmailCampaign {
  const { spec } = run;
  return {
    ...links,
    campaignId: run.campaignId,
    template: spec.template,
    sender: { name: spec.sender.name, address: spec.sender.email, postalAddress: spec.sender.postalAddress },
    brand: { name: spec.brand.name },
    currency: spec.currency,
    publicUrl: links?.publicUrl ?? spec.publicUrl,
    productCards: spec.products,
  };
}

export async function previewEmail(
  deps: {
    store: CampaignStore;
    openSnapshot: (dataset: string, version: string) => Promise<SnapshotReader>;
    /** Signs the links as dispatch does, so the preview is the mail that is sent. */
    signer?: LinkSigner;
  },
  runId: string,
  customerId: string,
): Promise<EmailPreview> {
  const run = await deps.store.getRun(runId);
  if (!run) throw new PreviewError(`campaign run ${runId} not found`, 404);
  if (!run.spec.channels.includes('email'))
    throw new PreviewError(`campaign run ${runId} sends no email`, 409);
  const snapshot = await deps.openSnapshot(run.dataset, run.snapshotVersion);
  const customer = await findCustomer(snapshot, customerId);
  if (!customer) throw new PreviewError(`customer ${customerId} is not in dataset ${run.dataset}`, 404);

  const chunk = Math.floor(customer.index / PREDICT_CHUNK);
  const start = chunk * PREDICT_CHUNK;
  const notReady = (what: string) =>
    new PreviewError(
      `campaign run ${runId} has no ${what} yet (state ${run.state}): preview after the generate stage`,
      409,
    );
  const [prediction, segments, segmentProducts, catalogue] = await Promise.all([
    deps.store.loadPrediction(runId, chunk, start).catch(() => undefined),
    deps.store.loadSegments(runId).catch(() => undefined),
    deps.store.loadSegmentProducts(runId).catch(() => undefined),
    snapshot.products(),
  ]);
  if (!prediction) throw notReady('predictions');
  if (!segments) throw notReady('segments');
  if (!segmentProducts) throw notReady('copy');
  const i = customer.index - start;
  const audience = prediction.audience[i];
  if (audience === AUDIENCE.outside) {
    throw new PreviewError(`customer ${customerId} is not in the audience of campaign run ${runId}`, 404);
  }
  const { batch } = prediction;
  const productRow = batch.products.subarray(i * batch.k, (i + 1) * batch.k);
  const request = copyRequestFor({
    spec: run.spec,
    channel: 'email',
    audience,
    segmentId: segments.assignments[customer.index],
    profiles: new Map(segments.result.profiles.map((p) => [p.id, p])),
    productRow,
    segmentProducts,
    catalogue,
    customer,
  });
  const copy = (await deps.store.loadCopy(runId, [request.key])).get(request.key);
  if (!copy) throw notReady('copy for this customer');

  const products = Array.from(productRow)
    .filter((p) => p !== NO_PRODUCT)
    .map((p) => catalogue[p]);
  const campaign = emailCampaignOf(
    run,
    deps.signer ? linksOfSpec(deps.signer, run.campaignId, run.spec) : undefined,
  );
  const { rendered } = renderCampaignEmail(campaign, customer, copy.copy as EmailCopy, products);
  const wouldSkip = !customer.consent
    ? 'no-consent'
    : audience === AUDIENCE.generic && customer.profilingObjection && run.spec.objectors === 'skip'
      ? 'profiling-objection'
      : undefined;
  return { runId, customerId, rendered, wouldSkip };
}

import type { RunState } from '../campaigns/campaign-store.js';

/**
 * Everything the campaign report shows about one run, as plain JSON. Collected by
 * collectCampaignReport, rendered by renderReportHtml. Every list is bounded, whatever the
 * audience size: the page stays a few hundred kilobytes for a million customers.
 */
export interface CampaignReport {
  /** Format of this object; bump when a field changes meaning. */
  version: 1;
  generatedAt: string;
  run: ReportRun;
  totals: ReportTotals;
  segments: SegmentSection;
  predictions: PredictionSection;
  copy: CopySection;
  delivery: DeliverySection;
  lookup: LookupSection;
}

export interface ReportRun {
  runId: string;
  campaignId: string;
  name: string;
  state: RunState;
  /** The run was enqueued as a dry run (it may have been sent since: see state). */
  dryRun: boolean;
  dataset: string;
  snapshotVersion: string;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  channels: ('email' | 'ads')[];
  personalisation: string;
  /** The spec's audience filter in words, e.g. "at least 1 order". */
  audience: string;
  brand: string;
  template: string;
  /** ISO 4217 code amounts are shown in. */
  currency: string;
  /** Products per customer the run predicted (and each mail shows at most). */
  productsPerCustomer: number;
  error?: string;
}

export interface ReportTotals {
  /** Customers in the snapshot. */
  customers: number;
  /** Customers the audience filter selected. */
  audience: number;
  sent: number;
  skipped: number;
  failed: number;
  /** Audience members no send chunk accounted for (yet). */
  pending: number;
  adRows: number;
}

export interface SegmentRow {
  /** Segment id, or 'generic' for the customers who get the generic copy. */
  key: number | 'generic';
  name: string;
  description: string;
  /** Customers the segmentation put in it (the whole snapshot, not only the audience). */
  size: number;
  /** Of them, in this campaign's audience. */
  audience: number;
  /** Typical member (centroid) in original units; absent for 'generic'. */
  recencyDays?: number;
  orders?: number;
  spend?: number;
}

export interface SegmentSection {
  /** False until the segment stage stored its result. */
  ready: boolean;
  method?: string;
  k?: number;
  rows: SegmentRow[];
  /** Customers with no segment (objected to profiling or never ordered). */
  unsegmented: number;
  /** Recency × frequency sample: at most SCATTER_LIMIT points, spread evenly over the segmented. */
  scatter: {
    /** Segmented customers the sample was drawn from. */
    population: number;
    /** Per point: [days since last order, orders, spend, segment id]. */
    points: [number, number, number, number][];
  };
}

export interface ProductCount {
  productId: string;
  title: string;
  /** Audience members with this product among their predicted products. */
  customers: number;
}

export interface MethodScore {
  /** e.g. 'lstm', 'top-frequency', 'popularity'. */
  method: string;
  recall: number;
  ndcg: number;
  hr: number;
  /** The method this run used. */
  used: boolean;
}

export interface ModelScores {
  k: number;
  /** Customers whose held-out last basket was scored. */
  users: number;
  evaluatedAt: string;
  /** Where the figures come from, in words. */
  source: string;
  methods: MethodScore[];
  /** For a trained model: whether it passed its serving rule, and the rule. */
  passed?: boolean;
  rule?: string;
}

export interface SampleBasket {
  at: string;
  products: string[];
  /** Products of the basket beyond those listed. */
  more: number;
}

export interface SampleCustomer {
  customerId: string;
  segment: string;
  orders: number;
  /** Days since the last order at the data's reference time; null without orders. */
  recencyDays: number | null;
  spend: number;
  /** Newest first, at most SAMPLE_BASKETS. */
  history: SampleBasket[];
  predicted: string[];
  /** ISO date of the expected next order, when the predictor estimates one. */
  expectedNextOrder?: string;
  /** Send ledger state for email: 'sent', 'skipped:no-consent', ...; undefined when not decided yet. */
  outcome?: string;
}

export interface PredictionSection {
  ready: boolean;
  method?: string;
  version?: string;
  /** Audience members predicted for (profiled and generic). */
  audience: number;
  /** Of them, given the generic popular products (objectors, customers without history). */
  generic: number;
  topProducts: ProductCount[];
  scores?: ModelScores;
  /** Why there are no scores, when there are none. */
  scoresNote?: string;
  sample: SampleCustomer[];
  /** How the sample was drawn, in words. */
  sampleNote: string;
}

export interface CopyVariant {
  channel: 'email' | 'ads';
  /** email: subject; ads: headline. */
  title: string;
  /** email: preheader; ads: description. */
  text: string;
  source: 'model' | 'fallback';
  /** Why the template fallback was used. */
  reason?: string;
}

export interface SegmentCopy {
  segment: string;
  audience: number;
  variants: CopyVariant[];
  /** With per-customer personalisation the copy shown is one member's. */
  example: boolean;
}

export interface CopySection {
  ready: boolean;
  copywriter?: string;
  /** Distinct pieces of copy the run needed (segment × products × channel, or per customer). */
  pieces: number;
  model: number;
  fallback: number;
  generateCalls: number;
  /** Fallbacks by reason: guardrail rule, 'model error', or 'template' (model not used). */
  fallbackReasons: Record<string, number>;
  /** Copy entries the reasons were counted over (all, unless the run has very many). */
  reasonsCounted: number;
  perSegment: SegmentCopy[];
}

export interface TimelineBucket {
  /** Bucket start, epoch ms. */
  at: number;
  sent: number;
  skipped: number;
  failed: number;
}

export interface DeliverySection {
  /** 'not-sent': a dry run under review (or dispatch not reached); 'sending'; 'done'. */
  status: 'not-sent' | 'sending' | 'done';
  note?: string;
  sent: number;
  skipped: Record<string, number>;
  failed: Record<string, number>;
  pending: number;
  adRows: number;
  /** Send chunks finished per time bucket, from BullMQ's chunk jobs (kept a week). */
  timeline: {
    available: boolean;
    bucketSeconds: number;
    buckets: TimelineBucket[];
    /** Send chunks found, and chunks that failed after their retries. */
    chunks: number;
    failedChunks: number;
  };
  /** Between the first send chunk's start and the last one's finish. */
  throughput?: {
    sentPerSecond: number;
    /** Audience members handled (sent, skipped or failed) per second. */
    handledPerSecond: number;
    seconds: number;
    firstAt: string;
    lastAt: string;
  };
}

export interface LookupCustomer {
  customerId: string;
  segment: string;
  subject: string;
  /** The HTML part exactly as rendered for sending. */
  html: string;
  /** Why dispatch skips (or would skip) this customer. */
  wouldSkip?: string;
}

export interface LookupSection {
  /** Whether the run sends email at all. */
  email: boolean;
  /** Path of the live preview on `tailor server`, with {customer} to fill in. */
  previewPath: string;
  customers: LookupCustomer[];
  /** Why a sampled customer has no preview, when one is missing. */
  note?: string;
}

/** Points in the segment scatter, at most. */
export const SCATTER_LIMIT = 2_000;
/** Customers in the sample table (each with the email embedded), at most. */
export const SAMPLE_LIMIT = 50;
/** Products in the top-products chart. */
export const TOP_PRODUCTS = 15;
/** Baskets of history shown per sampled customer. */
export const SAMPLE_BASKETS = 2;

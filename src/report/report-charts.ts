import type { EChartsOption } from 'echarts';
import type { CampaignReport } from './report-model.js';

/**
 * The report's charts as data: an ECharts option for the picture and a table of the same
 * numbers for readers who cannot see it (or want to copy them). Pure, so tests check the
 * numbers without a browser. Tooltips are drawn as canvas text (renderMode 'richText'): no
 * customer or product text ever becomes HTML inside a chart.
 */
export interface ReportChart {
  id: string;
  title: string;
  /** One sentence under the chart: what it shows and where the numbers come from. */
  caption: string;
  /** What a screen reader says for the picture. */
  description: string;
  option: EChartsOption;
  table: ReportTable;
  /** Extra tables (e.g. every plotted point), shown collapsed. */
  detail?: ReportTable & { summary: string };
  /** Pixel height of the chart. */
  height: number;
}

export interface ReportTable {
  columns: { label: string; numeric?: boolean }[];
  rows: (string | number)[][];
}

export const SEGMENT_COLOURS = [
  '#4e79a7',
  '#f28e2b',
  '#59a14f',
  '#e15759',
  '#76b7b2',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#2f9e9e',
  '#8f6bd1',
  '#c2a06b',
];
export const GENERIC_COLOUR = '#9aa3b2';
const SENT = '#2f9e62';
const SKIPPED = '#e0a43a';
const FAILED = '#d9534f';
const PENDING = '#8a94a6';
const INK = '#1f2a44';
const MUTED = '#5b6478';

const count = new Intl.NumberFormat('en-GB');

/** How the prediction methods are named for a manager. */
export const METHOD_NAMES: Record<string, string> = {
  lstm: 'LSTM model',
  popularity: 'Most popular',
  'top-frequency': 'Own favourites',
  'top-frequency-first-seen': 'Own favourites (first seen)',
};
const share = (n: number, of: number) => (of > 0 ? `${Math.round((n / of) * 1000) / 10}%` : '–');

const base = (description: string): EChartsOption => ({
  aria: { enabled: true, label: { description } },
  animation: false,
  textStyle: { fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif', color: INK },
  tooltip: { renderMode: 'richText', confine: true },
});

/** Colour of a segment row (by position: the segmenter's ids are dense from 0). */
export function segmentColour(key: number | 'generic'): string {
  return key === 'generic' ? GENERIC_COLOUR : SEGMENT_COLOURS[key % SEGMENT_COLOURS.length];
}

export function segmentCharts(report: CampaignReport): ReportChart[] {
  const { segments } = report;
  if (!segments.ready || segments.rows.length === 0) return [];
  const rows = [...segments.rows].reverse(); // horizontal bars list top to bottom
  const audienceTotal = segments.rows.reduce((n, r) => n + r.audience, 0);
  const sizesDescription = `Bar chart of ${segments.rows.length} segments. ${segments.rows
    .map((r) => `${r.name}: ${count.format(r.size)} customers, ${count.format(r.audience)} in the audience`)
    .join('; ')}.`;
  const sizes: ReportChart = {
    id: 'segment-sizes',
    title: 'Customers per segment',
    caption: `Customers in each segment of the dataset, and how many of them this campaign addresses (${count.format(audienceTotal)} in all).`,
    description: sizesDescription,
    height: Math.max(260, 44 * rows.length + 90),
    option: {
      ...base(sizesDescription),
      legend: { top: 0, data: ['In the dataset', 'In this campaign'] },
      grid: { left: 8, right: 40, top: 36, bottom: 8 },
      xAxis: { type: 'value', name: 'customers', nameLocation: 'middle', nameGap: 26 },
      yAxis: {
        type: 'category',
        data: rows.map((r) => r.name),
        axisLabel: { width: 150, overflow: 'truncate' },
      },
      series: [
        {
          // Drawn behind the audience bar: the part of a segment the campaign leaves out.
          name: 'In the dataset',
          type: 'bar',
          itemStyle: { color: '#d5dbe8' },
          // Its total only where the campaign leaves part of the segment out.
          data: rows.map((r) => ({ value: r.size, label: { show: r.size !== r.audience } })),
          barGap: '-100%',
          barWidth: '60%',
          label: { position: 'right', color: MUTED },
        },
        {
          name: 'In this campaign',
          type: 'bar',
          itemStyle: { color: '#3d5a98' },
          data: rows.map((r) => ({ value: r.audience, itemStyle: { color: segmentColour(r.key) } })),
          barWidth: '60%',
          label: { show: true, position: 'insideRight', color: '#fff', fontWeight: 600 },
        },
      ],
    },
    table: {
      columns: [
        { label: 'Segment' },
        { label: 'Customers', numeric: true },
        { label: 'In this campaign', numeric: true },
        { label: 'Share of the audience', numeric: true },
      ],
      rows: segments.rows.map((r) => [r.name, r.size, r.audience, share(r.audience, audienceTotal)]),
    },
  };

  const bySegment = new Map<number, [number, number, number][]>();
  for (const [recency, orders, spend, segment] of segments.scatter.points) {
    let list = bySegment.get(segment);
    if (!list) {
      list = [];
      bySegment.set(segment, list);
    }
    list.push([recency, Math.max(orders, 1), spend]);
  }
  const named = segments.rows.filter((r) => r.key !== 'generic');
  const shown = segments.scatter.points.length;
  const scatterDescription = `Scatter plot of ${count.format(shown)} customers: days since their last order across, number of orders up (logarithmic), coloured by segment (${named.map((r) => r.name).join(', ')}).`;
  const scatter: ReportChart = {
    id: 'segment-scatter',
    title: 'Recency × frequency by segment',
    caption:
      shown < segments.scatter.population
        ? `${count.format(shown)} of ${count.format(segments.scatter.population)} segmented customers, spread evenly over all of them. Orders on a log scale.`
        : `All ${count.format(shown)} segmented customers. Orders on a log scale.`,
    description: scatterDescription,
    height: 360 + 24 * Math.ceil(named.length / 4),
    option: {
      ...base(scatterDescription),
      legend: { top: 0, left: 0, right: 0, itemGap: 12 },
      grid: { left: 56, right: 24, top: 16 + 24 * Math.ceil(named.length / 4), bottom: 48 },
      xAxis: {
        type: 'value',
        name: 'days since last order',
        nameLocation: 'middle',
        nameGap: 28,
        min: 0,
        splitLine: { lineStyle: { color: '#eef0f4' } },
      },
      yAxis: {
        type: 'log',
        name: 'orders',
        nameLocation: 'middle',
        nameGap: 40,
        min: 1,
        logBase: 10,
        splitLine: { lineStyle: { color: '#eef0f4' } },
      },
      series: named.map((r) => ({
        name: r.name,
        type: 'scatter',
        symbolSize: 7,
        itemStyle: { color: segmentColour(r.key), opacity: 0.75 },
        dimensions: ['days since last order', 'orders', 'spend'],
        encode: { x: 0, y: 1, tooltip: [0, 1, 2] },
        data: bySegment.get(r.key as number) ?? [],
      })),
    },
    table: {
      columns: [
        { label: 'Segment' },
        { label: 'Customers plotted', numeric: true },
        { label: 'Median days since last order', numeric: true },
        { label: 'Median orders', numeric: true },
        { label: 'Median spend', numeric: true },
      ],
      rows: named.map((r) => {
        const points = bySegment.get(r.key as number) ?? [];
        return [
          r.name,
          points.length,
          median(points.map((p) => p[0])),
          median(points.map((p) => p[1])),
          median(points.map((p) => p[2])),
        ];
      }),
    },
    detail: {
      summary: `All ${count.format(shown)} plotted customers`,
      columns: [
        { label: 'Segment' },
        { label: 'Days since last order', numeric: true },
        { label: 'Orders', numeric: true },
        { label: 'Spend', numeric: true },
      ],
      rows: segments.scatter.points.map(([recency, orders, spend, segment]) => [
        named.find((r) => r.key === segment)?.name ?? String(segment),
        recency,
        orders,
        spend,
      ]),
    },
  };
  return [sizes, scatter];
}

export function predictionCharts(report: CampaignReport): ReportChart[] {
  const { predictions } = report;
  const charts: ReportChart[] = [];
  if (predictions.ready && predictions.topProducts.length > 0) {
    const top = [...predictions.topProducts].reverse();
    const description = `Bar chart of the ${predictions.topProducts.length} products most often predicted: ${predictions.topProducts
      .map((p) => `${p.title}, ${count.format(p.customers)} customers`)
      .join('; ')}.`;
    charts.push({
      id: 'top-products',
      title: 'Most predicted next products',
      caption: `How many of the ${count.format(predictions.audience)} customers in the audience have each product among their ${report.run.productsPerCustomer} predicted next products.`,
      description,
      height: Math.max(280, 26 * top.length + 70),
      option: {
        ...base(description),
        grid: { left: 8, right: 48, top: 8, bottom: 36 },
        xAxis: { type: 'value', name: 'customers', nameLocation: 'middle', nameGap: 24 },
        yAxis: {
          type: 'category',
          data: top.map((p) => p.title),
          axisLabel: { width: 220, overflow: 'truncate' },
        },
        series: [
          {
            name: 'customers',
            type: 'bar',
            data: top.map((p) => p.customers),
            itemStyle: { color: '#4e79a7', borderRadius: [0, 3, 3, 0] },
            label: { show: true, position: 'right', color: MUTED },
          },
        ],
      },
      table: {
        columns: [
          { label: 'Product' },
          { label: 'Product id' },
          { label: 'Customers', numeric: true },
          { label: 'Share of the audience', numeric: true },
        ],
        rows: predictions.topProducts.map((p) => [
          p.title,
          p.productId,
          p.customers,
          share(p.customers, predictions.audience),
        ]),
      },
    });
  }
  const scores = predictions.scores;
  if (scores) {
    const label = (m: { method: string; used: boolean }) =>
      `${METHOD_NAMES[m.method] ?? m.method}${m.used ? '\n(this run)' : ''}`;
    const best = Math.max(...scores.methods.flatMap((m) => [m.recall, m.ndcg]));
    const description = `Bar chart of offline scores at ${scores.k}: ${scores.methods
      .map((m) => `${label(m)} Recall ${m.recall.toFixed(3)}, NDCG ${m.ndcg.toFixed(3)}`)
      .join('; ')}.`;
    charts.push({
      id: 'model-scores',
      title: `Offline Recall@${scores.k} and NDCG@${scores.k}`,
      caption: `Each method predicts every customer’s last basket from the baskets before it (${count.format(scores.users)} customers, ${scores.source}). Recall@${scores.k}: the share of that basket found among the ${scores.k} products predicted; NDCG@${scores.k} also rewards ranking them first.`,
      description,
      height: 300,
      option: {
        ...base(description),
        legend: { top: 0 },
        grid: { left: 48, right: 16, top: 40, bottom: 64 },
        xAxis: {
          type: 'category',
          data: scores.methods.map(label),
          axisLabel: { interval: 0, width: 130, overflow: 'break', lineHeight: 16 },
        },
        yAxis: {
          type: 'value',
          min: 0,
          // A little headroom above the best score for the value labels; never above 1.
          max: Math.min(1, Math.ceil((best * 1.2 + 1e-9) * 20) / 20),
          splitLine: { lineStyle: { color: '#eef0f4' } },
        },
        series: (['recall', 'ndcg'] as const).map((metric, i) => ({
          name: `${metric === 'recall' ? 'Recall' : 'NDCG'}@${scores.k}`,
          type: 'bar',
          itemStyle: { color: i === 0 ? '#4e79a7' : '#f28e2b' },
          label: { show: true, position: 'top', formatter: '{c}', color: MUTED },
          data: scores.methods.map((m) => ({
            value: Math.round(m[metric] * 1000) / 1000,
            itemStyle: { opacity: m.used ? 1 : 0.55 },
          })),
        })),
      },
      table: {
        columns: [
          { label: 'Method' },
          { label: `Recall@${scores.k}`, numeric: true },
          { label: `NDCG@${scores.k}`, numeric: true },
          { label: `HR@${scores.k}`, numeric: true },
          { label: 'Used by this run' },
        ],
        rows: scores.methods.map((m) => [
          METHOD_NAMES[m.method] ?? m.method,
          m.recall.toFixed(4),
          m.ndcg.toFixed(4),
          m.hr.toFixed(4),
          m.used ? 'yes' : 'no',
        ]),
      },
    });
  }
  return charts;
}

export function copyCharts(report: CampaignReport): ReportChart[] {
  const { copy } = report;
  if (!copy.ready || copy.model + copy.fallback === 0) return [];
  const total = copy.model + copy.fallback;
  const sourceDescription = `Donut chart: ${count.format(copy.model)} pieces of copy written by the model (${share(copy.model, total)}), ${count.format(copy.fallback)} by the template fallback (${share(copy.fallback, total)}).`;
  const charts: ReportChart[] = [
    {
      id: 'copy-source',
      title: 'Who wrote the copy',
      caption: `${count.format(total)} distinct pieces of copy (segment × products × channel${report.run.personalisation === 'customer' ? ' × customer' : ''}).`,
      description: sourceDescription,
      height: 280,
      option: {
        ...base(sourceDescription),
        legend: { bottom: 0, data: ['Language model', 'Template fallback'] },
        // The model's share in the hole of the ring; the legend names the slices.
        title: {
          text: share(copy.model, total),
          subtext: 'by the model',
          left: 'center',
          top: '34%',
          textStyle: { fontSize: 26, fontWeight: 650, color: INK },
          subtextStyle: { fontSize: 12, color: MUTED },
          itemGap: 2,
        },
        series: [
          {
            name: 'copy',
            type: 'pie',
            radius: ['52%', '76%'],
            center: ['50%', '45%'],
            label: { show: false },
            data: [
              { name: 'Language model', value: copy.model, itemStyle: { color: '#4e79a7' } },
              { name: 'Template fallback', value: copy.fallback, itemStyle: { color: '#bab0ac' } },
            ],
          },
        ],
      },
      table: {
        columns: [
          { label: 'Written by' },
          { label: 'Pieces', numeric: true },
          { label: 'Share', numeric: true },
        ],
        rows: [
          ['Language model', copy.model, share(copy.model, total)],
          ['Template fallback', copy.fallback, share(copy.fallback, total)],
        ],
      },
    },
  ];
  const reasons = Object.entries(copy.fallbackReasons).sort((a, b) => b[1] - a[1]);
  if (reasons.length > 0) {
    const description = `Bar chart of template fallbacks by reason: ${reasons.map(([r, n]) => `${r}: ${n}`).join('; ')}.`;
    charts.push({
      id: 'copy-fallbacks',
      title: 'Why the template was used',
      caption:
        'A guardrail rule names why the model’s copy was rejected; “template” means the model was not used for this run.',
      description,
      height: Math.max(220, 36 * reasons.length + 70),
      option: {
        ...base(description),
        grid: { left: 8, right: 48, top: 8, bottom: 36 },
        xAxis: { type: 'value', name: 'pieces of copy', nameLocation: 'middle', nameGap: 24, minInterval: 1 },
        yAxis: {
          type: 'category',
          data: reasons.map(([r]) => r).reverse(),
          axisLabel: { width: 160, overflow: 'truncate' },
        },
        series: [
          {
            name: 'fallbacks',
            type: 'bar',
            data: reasons.map(([, n]) => n).reverse(),
            itemStyle: { color: '#bab0ac', borderRadius: [0, 3, 3, 0] },
            label: { show: true, position: 'right', color: MUTED },
          },
        ],
      },
      table: {
        columns: [{ label: 'Reason' }, { label: 'Pieces of copy', numeric: true }],
        rows: reasons.map(([r, n]) => [r, n]),
      },
    });
  }
  return charts;
}

export function deliveryCharts(report: CampaignReport): ReportChart[] {
  const { delivery } = report;
  if (delivery.status === 'not-sent') return [];
  const outcomes: { name: string; value: number; colour: string }[] = [
    { name: 'Sent', value: delivery.sent, colour: SENT },
    ...Object.entries(delivery.skipped).map(([reason, n]) => ({
      name: `Skipped: ${reason}`,
      value: n,
      colour: SKIPPED,
    })),
    ...Object.entries(delivery.failed).map(([code, n]) => ({
      name: `Failed: ${code}`,
      value: n,
      colour: FAILED,
    })),
    ...(delivery.pending > 0 ? [{ name: 'Not reached yet', value: delivery.pending, colour: PENDING }] : []),
  ];
  const handled = outcomes.reduce((n, o) => n + o.value, 0);
  const outcomeDescription = `Bar chart of delivery outcomes: ${outcomes.map((o) => `${o.name} ${count.format(o.value)}`).join('; ')}.`;
  const charts: ReportChart[] = [
    {
      id: 'delivery-outcomes',
      title: 'What happened to each email',
      caption: `Every audience member is counted once: sent, skipped (with the reason) or failed (with the error).`,
      description: outcomeDescription,
      height: Math.max(200, 40 * outcomes.length + 70),
      option: {
        ...base(outcomeDescription),
        grid: { left: 8, right: 56, top: 8, bottom: 36 },
        xAxis: { type: 'value', name: 'customers', nameLocation: 'middle', nameGap: 24, minInterval: 1 },
        yAxis: {
          type: 'category',
          data: outcomes.map((o) => o.name).reverse(),
          axisLabel: { width: 180, overflow: 'truncate' },
        },
        series: [
          {
            name: 'customers',
            type: 'bar',
            data: outcomes.map((o) => ({ value: o.value, itemStyle: { color: o.colour } })).reverse(),
            itemStyle: { borderRadius: [0, 3, 3, 0] },
            label: { show: true, position: 'right', color: MUTED },
          },
        ],
      },
      table: {
        columns: [
          { label: 'Outcome' },
          { label: 'Customers', numeric: true },
          { label: 'Share', numeric: true },
        ],
        rows: outcomes.map((o) => [o.name, o.value, share(o.value, handled)]),
      },
    },
  ];
  const { timeline } = delivery;
  if (timeline.available && timeline.buckets.length > 0) {
    let cumulative = 0;
    const cumulativeSent = timeline.buckets.map((b) => {
      cumulative += b.sent;
      return cumulative;
    });
    const width = bucketLabel(timeline.bucketSeconds);
    const description = `Bar chart over time, one bar per ${width}: emails sent, skipped and failed as send chunks finished, with a line of the running total sent (${count.format(cumulative)}).`;
    charts.push({
      id: 'delivery-timeline',
      title: 'Delivery over time',
      caption: `Per ${width}, by when each send chunk finished (${count.format(timeline.chunks)} chunks${timeline.failedChunks ? `, ${timeline.failedChunks} failed after retries` : ''}). Times in UTC.`,
      description,
      height: 320,
      option: {
        ...base(description),
        legend: { top: 0 },
        grid: { left: 56, right: 64, top: 40, bottom: 40 },
        // A fixed range one bucket wider on each side: ECharts would pick days around a single bar.
        xAxis: {
          type: 'time',
          min: timeline.buckets[0].at - timeline.bucketSeconds * 1000,
          max: (timeline.buckets.at(-1)?.at ?? 0) + timeline.bucketSeconds * 1000,
          axisLabel: { hideOverlap: true },
        },
        yAxis: [
          {
            type: 'value',
            name: `per ${width}`,
            minInterval: 1,
            splitLine: { lineStyle: { color: '#eef0f4' } },
          },
          { type: 'value', name: 'total sent', minInterval: 1, splitLine: { show: false } },
        ],
        useUTC: true,
        series: [
          ...(['sent', 'skipped', 'failed'] as const).map((kind) => ({
            name: kind,
            type: 'bar' as const,
            stack: 'outcome',
            barMaxWidth: 28,
            itemStyle: { color: kind === 'sent' ? SENT : kind === 'skipped' ? SKIPPED : FAILED },
            data: timeline.buckets.map((b) => [b.at, b[kind]]),
          })),
          {
            name: 'total sent',
            type: 'line',
            yAxisIndex: 1,
            symbol: 'circle',
            symbolSize: 6,
            lineStyle: { color: INK, width: 2 },
            itemStyle: { color: INK },
            data: timeline.buckets.map((b, i) => [b.at, cumulativeSent[i]]),
          },
        ],
      },
      table: {
        columns: [
          { label: 'From (UTC)' },
          { label: 'Sent', numeric: true },
          { label: 'Skipped', numeric: true },
          { label: 'Failed', numeric: true },
          { label: 'Total sent', numeric: true },
        ],
        rows: timeline.buckets.map((b, i) => [
          new Date(b.at)
            .toISOString()
            .replace('T', ' ')
            .slice(0, timeline.bucketSeconds < 1 ? 23 : 19),
          b.sent,
          b.skipped,
          b.failed,
          cumulativeSent[i],
        ]),
      },
    });
  }
  return charts;
}

function bucketLabel(seconds: number): string {
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 60) return seconds === 1 ? 'second' : `${seconds} seconds`;
  if (seconds < 3600) return seconds === 60 ? 'minute' : `${seconds / 60} minutes`;
  if (seconds < 86_400) return seconds === 3600 ? 'hour' : `${seconds / 3600} hours`;
  return 'day';
}

function median(values: number[]): number | string {
  if (values.length === 0) return '–';
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const m = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return Math.round(m * 10) / 10;
}

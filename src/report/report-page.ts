import { createHash } from 'node:crypto';
import { escapeHtml as e, jsonForScript } from './html-text.js';
import { type ReportAssets, reportAssets } from './report-assets.js';
import {
  copyCharts,
  deliveryCharts,
  METHOD_NAMES,
  predictionCharts,
  type ReportChart,
  type ReportTable,
  segmentCharts,
  segmentColour,
} from './report-charts.js';
import type { CampaignReport, CopyVariant, SampleCustomer } from './report-model.js';

export interface RenderedReport {
  html: string;
  /** For the served page: scripts allowed by hash, nothing fetched but the preview API. */
  contentSecurityPolicy: string;
}

const count = new Intl.NumberFormat('en-GB');
const moneyFormats = new Map<string, Intl.NumberFormat>();

/** An amount in the campaign's currency, e.g. £1,208.10. */
function money(currency: string, amount: number): string {
  let format = moneyFormats.get(currency);
  if (!format) {
    format = new Intl.NumberFormat('en-GB', { style: 'currency', currency });
    moneyFormats.set(currency, format);
  }
  return format.format(amount);
}
const dateTime = new Intl.DateTimeFormat('en-GB', {
  dateStyle: 'medium',
  timeStyle: 'short',
  timeZone: 'UTC',
});

const STATE_LABELS: Record<string, string> = {
  queued: 'Queued',
  running: 'Preparing',
  reviewed: 'Dry run · awaiting review',
  dispatching: 'Sending',
  completed: 'Completed',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

/**
 * The report as one self-contained HTML page: styles, the charting library, the data and the
 * page script are all inline, so the file opens offline; `tailor server` serves the same page.
 * Static parts (numbers, tables, copy) are HTML, readable without script; the charts are drawn
 * from the embedded JSON.
 */
export function renderReportHtml(
  report: CampaignReport,
  assets: ReportAssets = reportAssets(),
): RenderedReport {
  const sections = {
    segments: segmentCharts(report),
    predictions: predictionCharts(report),
    copy: copyCharts(report),
    delivery: deliveryCharts(report),
  };
  const all = Object.values(sections).flat();
  const data = {
    runId: report.run.runId,
    charts: Object.fromEntries(all.map((chart) => [chart.id, chart.option])),
    lookup: report.lookup,
  };
  const { run } = report;
  const body = [
    masthead(report),
    `<div class="wrap">${kpis(report)}${banners(report)}</div>`,
    `<nav class="toc" aria-label="Report sections"><ul>
      <li><a href="#segments">Segments</a></li>
      <li><a href="#predictions">Predictions</a></li>
      <li><a href="#copy">Copy</a></li>
      <li><a href="#delivery">Delivery</a></li>
      <li><a href="#lookup">Customer lookup</a></li>
    </ul></nav>`,
    `<main id="main" class="wrap">`,
    segmentsSection(report, sections.segments),
    predictionsSection(report, sections.predictions),
    copySection(report, sections.copy),
    deliverySection(report, sections.delivery),
    lookupSection(report),
    `</main>`,
    `<footer class="wrap">Generated ${e(dateTime.format(new Date(report.generatedAt)))} UTC by Tailor from run
      <code>${e(run.runId)}</code> (snapshot ${e(run.snapshotVersion)}). Charts drawn with Apache ECharts
      ${e(assets.chartLibraryVersion)} (Apache License 2.0), embedded: this file needs no network.</footer>`,
  ].join('\n');
  const scripts = [assets.chartLibrary, assets.client];
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="generator" content="Tailor campaign report">
<link rel="icon" href="data:,">
<title>${e(run.name)} · campaign report · Tailor</title>
<style>${assets.css}</style>
</head>
<body>
<a class="skip-link" href="#main">Skip to the report</a>
${body}
<script type="application/json" id="report-data">${jsonForScript(data)}</script>
${scripts.map((source) => `<script>${source}</script>`).join('\n')}
</body>
</html>
`;
  const hashes = scripts.map((source) => `'sha256-${createHash('sha256').update(source).digest('base64')}'`);
  return {
    html,
    contentSecurityPolicy: [
      "default-src 'none'",
      `script-src ${hashes.join(' ')}`,
      "style-src 'unsafe-inline'",
      'img-src data: https: http:',
      "connect-src 'self'",
      "frame-src 'self'",
      "base-uri 'none'",
      "form-action 'none'",
      "frame-ancestors 'none'",
    ].join('; '),
  };
}

function masthead(report: CampaignReport): string {
  const { run } = report;
  const meta: [string, string][] = [
    ['Run', run.runId],
    ['Dataset', run.dataset],
    ['Created', when(run.createdAt)],
    ...(run.finishedAt
      ? ([[run.state === 'reviewed' ? 'Prepared' : 'Finished', when(run.finishedAt)]] as [string, string][])
      : []),
    ['Channels', run.channels.join(' + ')],
    ['Audience', run.audience],
    ['Personalisation', `per ${run.personalisation}`],
  ];
  return `<header class="masthead"><div class="wrap">
  <p class="kicker">Tailor · Campaign report · ${e(run.brand)}</p>
  <h1>${e(run.name)} <span class="badge ${e(run.state)}">${e(STATE_LABELS[run.state] ?? run.state)}</span></h1>
  <dl class="meta">${meta.map(([k, v]) => `<div><dt>${e(k)}</dt><dd>${e(v)}</dd></div>`).join('')}</dl>
</div></header>`;
}

function kpis(report: CampaignReport): string {
  const { totals, delivery, copy, segments } = report;
  const notSent = delivery.status === 'not-sent';
  const topSkip = Object.entries(delivery.skipped).sort((a, b) => b[1] - a[1])[0];
  const pieces = copy.model + copy.fallback;
  const tiles: [string, string, string, string][] = [
    ['', 'Customers', count.format(totals.customers), `in dataset ${report.run.dataset}`],
    ['', 'Audience', count.format(totals.audience), pct(totals.audience, totals.customers, 'of customers')],
    [
      'sent',
      'Sent',
      notSent ? '–' : count.format(totals.sent),
      notSent ? 'nothing sent yet' : pct(totals.sent, totals.audience, 'of the audience'),
    ],
    [
      'skipped',
      'Skipped',
      notSent ? '–' : count.format(totals.skipped),
      topSkip ? `mostly ${topSkip[0]}` : 'none',
    ],
    [
      'failed',
      'Failed',
      notSent ? '–' : count.format(totals.failed),
      totals.pending ? `${count.format(totals.pending)} not reached` : 'none pending',
    ],
    [
      '',
      'Segments',
      segments.ready ? count.format(segments.rows.filter((r) => r.key !== 'generic').length) : '–',
      segments.method ?? 'not segmented yet',
    ],
    [
      '',
      'Copy by the model',
      pieces ? pct(copy.model, pieces, '').trim() : '–',
      pieces ? `${count.format(pieces)} pieces of copy` : 'no copy yet',
    ],
  ];
  return `<ul class="kpis" aria-label="Key figures">${tiles
    .map(
      ([kind, label, value, sub]) =>
        `<li class="kpi ${kind}"><div class="label">${e(label)}</div><div class="value">${e(value)}</div><div class="sub">${e(sub)}</div></li>`,
    )
    .join('')}</ul>`;
}

function banners(report: CampaignReport): string {
  const { run } = report;
  const out: string[] = [];
  if (run.state === 'reviewed') {
    out.push(`<div class="banner" role="note"><strong>Dry run: nothing has been sent.</strong>
      Review the segments, predicted products and copy below. <code>tailor campaign send ${e(run.runId)}</code>
      sends exactly what this report shows (consent and suppression are checked again at send time).</div>`);
  }
  if (run.error) {
    out.push(
      `<div class="banner error" role="alert"><strong>The run reported a problem.</strong>${e(run.error)}</div>`,
    );
  }
  return out.join('');
}

function segmentsSection(report: CampaignReport, charts: ReportChart[]): string {
  const { segments } = report;
  if (!segments.ready) {
    return section(
      'segments',
      'Segments',
      '<p class="lede">The segment stage has not stored its result yet.</p>',
    );
  }
  const named = segments.rows.filter((r) => r.key !== 'generic').length;
  const lede = `${count.format(named)} segments found by <strong>${e(segments.method)}</strong> over
    ${count.format(segments.scatter.population)} customers with orders. ${count.format(segments.unsegmented)}
    customers have no segment (no orders yet, or they object to profiling): those in the audience get the
    generic “Everyone” copy and the most popular products.`;
  const cards = segments.rows
    .map(
      (r) => `<li class="segment" style="--swatch:${segmentColour(r.key)}">
      <h3>${e(r.name)}</h3>
      <p>${e(r.description)}</p>
      <dl class="figures">
        <div><dt>Customers</dt><dd>${count.format(r.size)}</dd></div>
        <div><dt>In campaign</dt><dd>${count.format(r.audience)}</dd></div>
        ${r.recencyDays !== undefined ? `<div><dt>Last order</dt><dd>${count.format(Math.round(r.recencyDays))} days ago</dd></div>` : ''}
        ${r.orders !== undefined ? `<div><dt>Orders</dt><dd>${r.orders}</dd></div>` : ''}
        ${r.spend !== undefined ? `<div><dt>Spend</dt><dd>${e(money(report.run.currency, r.spend))}</dd></div>` : ''}
      </dl></li>`,
    )
    .join('');
  return section(
    'segments',
    'Segments',
    `<p class="lede">${lede} Figures on each card describe a typical member.</p>
    <ul class="segments">${cards}</ul>
    <div class="grid">${charts.map(figure).join('')}</div>`,
  );
}

function predictionsSection(report: CampaignReport, charts: ReportChart[]): string {
  const p = report.predictions;
  if (!p.ready) {
    return section(
      'predictions',
      'Predictions',
      '<p class="lede">The predict stage has not stored its predictions yet.</p>',
    );
  }
  const version =
    p.version && p.version !== 'baseline'
      ? ` version <code>${e(p.version)}</code>`
      : ' (a non-learned baseline)';
  const scores = p.scores;
  const passed =
    scores?.passed === undefined
      ? ''
      : ` The model ${scores.passed ? 'passed' : '<strong>did not pass</strong>'} its serving rule: ${e(scores.rule ?? '')}.`;
  const method = p.method
    ? METHOD_NAMES[p.method]
      ? `${METHOD_NAMES[p.method]} (${p.method})`
      : p.method
    : 'unknown';
  const lede = `Next products predicted by <strong>${e(method)}</strong>${version} for
    ${count.format(p.audience)} customers in the audience; ${count.format(p.generic)} of them get the most popular
    products instead (no history, or they object to profiling).${passed}
    ${p.scoresNote ? ` ${e(p.scoresNote)}.` : ''}`;
  return section(
    'predictions',
    'Predictions',
    `<p class="lede">${lede}</p>
    <div class="grid">${charts.map(figure).join('')}</div>
    ${sampleTable(report)}`,
  );
}

function sampleTable(report: CampaignReport): string {
  const { sample, sampleNote } = report.predictions;
  if (sample.length === 0) return '';
  const email = report.lookup.email;
  const embedded = new Set(report.lookup.customers.map((c) => c.customerId));
  const rows = sample
    .map((c: SampleCustomer) => {
      const history = c.history.length
        ? `<ul>${c.history
            .map(
              (b) =>
                `<li><small>${e(b.at)}</small> ${e(b.products.join(', '))}${b.more ? ` <small>+${b.more} more</small>` : ''}</li>`,
            )
            .join('')}</ul>`
        : '<small>no orders</small>';
      const predicted = c.predicted.length
        ? `<ul>${c.predicted.map((t) => `<li>${e(t)}</li>`).join('')}</ul>`
        : '–';
      const outcome = c.outcome
        ? `<span class="outcome ${e(c.outcome.split(':')[0])}">${e(c.outcome)}</span>`
        : '<span class="outcome">not sent yet</span>';
      const view =
        email && embedded.has(c.customerId)
          ? `<button type="button" class="secondary" data-customer="${e(c.customerId)}" aria-label="Show the email of customer ${e(c.customerId)}">Email</button>`
          : '';
      return `<tr>
        <th scope="row" class="who">${e(c.customerId)}<span>${e(c.segment)}</span></th>
        <td class="num">${count.format(c.orders)}</td>
        <td class="num">${c.recencyDays === null ? '–' : `${count.format(c.recencyDays)} d`}</td>
        <td class="num">${e(money(report.run.currency, c.spend))}</td>
        <td class="products">${history}</td>
        <td class="products">${predicted}</td>
        <td class="num">${e(c.expectedNextOrder ?? '–')}</td>
        ${email ? `<td>${outcome}</td><td>${view}</td>` : ''}
      </tr>`;
    })
    .join('');
  return `<div class="card">
    <h3 id="sample-title">Example customers</h3>
    <p class="lede">${e(sampleNote)}: what they bought lately and what the campaign will show them.</p>
    <div class="scroll" style="max-height:560px">
    <table class="sample" aria-labelledby="sample-title">
      <thead><tr><th scope="col">Customer · segment</th><th scope="col" class="num">Orders</th>
      <th scope="col" class="num">Last order</th><th scope="col" class="num">Spend</th><th scope="col">Recent baskets</th>
      <th scope="col">Predicted next</th><th scope="col" class="num">Next order due</th>
      ${email ? '<th scope="col">Email</th><th scope="col"><span class="visually-hidden">View</span></th>' : ''}</tr></thead>
      <tbody>${rows}</tbody>
    </table></div></div>`;
}

function copySection(report: CampaignReport, charts: ReportChart[]): string {
  const c = report.copy;
  if (!c.ready) {
    return section('copy', 'Copy', '<p class="lede">The generate stage has not written the copy yet.</p>');
  }
  const pieces = c.model + c.fallback;
  const lede = `${count.format(c.pieces)} distinct pieces of copy, written by <strong>${e(c.copywriter ?? 'unknown')}</strong>:
    ${count.format(c.model)} by the language model (${pct(c.model, pieces, '').trim() || '0%'}) and ${count.format(c.fallback)} by the
    template fallback, in ${count.format(c.generateCalls)} model generations.${
      c.reasonsCounted < pieces
        ? ` Fallback reasons counted over ${count.format(c.reasonsCounted)} pieces.`
        : ''
    }`;
  const cards = c.perSegment
    .map((s) => {
      const email = s.variants.find((v) => v.channel === 'email');
      const ad = s.variants.find((v) => v.channel === 'ads');
      return `<li class="card copy-card">
        <header><h3>${e(s.segment)}</h3><span class="count">${count.format(s.audience)} customers${s.example ? ' · one member’s copy' : ''}</span></header>
        ${email ? inbox(report, email) : ''}
        ${ad ? adCard(report, ad) : ''}
      </li>`;
    })
    .join('');
  return section(
    'copy',
    'Copy',
    `<p class="lede">${lede}</p>
    ${charts.length ? `<div class="grid">${charts.map(figure).join('')}</div>` : ''}
    <h3>What each segment reads</h3>
    <ul class="copy-list">${cards}</ul>`,
  );
}

function sourceBadge(v: CopyVariant): string {
  return v.source === 'model'
    ? '<span class="badge model">Language model</span>'
    : `<span class="badge fallback" title="${e(v.reason ?? '')}">Template${v.reason && v.reason !== 'template' ? ` · ${e(v.reason)}` : ''}</span>`;
}

function inbox(report: CampaignReport, v: CopyVariant): string {
  return `<div class="inbox" aria-label="Email as it appears in the inbox">
    <div class="from"><span>${e(report.run.brand)}</span>${sourceBadge(v)}</div>
    <div class="subject">${e(v.title)}</div>
    <div class="preheader">${e(v.text)}</div>
  </div>`;
}

function adCard(report: CampaignReport, v: CopyVariant): string {
  return `<div class="ad" aria-label="Search ad">
    <div class="sponsored">Sponsored · ${e(report.run.brand)} ${sourceBadge(v)}</div>
    <div class="headline">${e(v.title)}</div>
    <div class="description">${e(v.text)}</div>
  </div>`;
}

function deliverySection(report: CampaignReport, charts: ReportChart[]): string {
  const d = report.delivery;
  if (d.status === 'not-sent') {
    return section(
      'delivery',
      'Delivery',
      `<div class="card empty" data-delivery="not-sent">
        <div class="icon" aria-hidden="true">${ENVELOPE}</div>
        <h3>Nothing was sent yet</h3>
        <p>${e(d.note ?? 'The run has not reached dispatch.')}${
          report.run.state === 'reviewed'
            ? ` <code>tailor campaign send ${e(report.run.runId)}</code> sends exactly what this report shows.`
            : ''
        }</p>
      </div>`,
    );
  }
  const skipped = Object.values(d.skipped).reduce((a, b) => a + b, 0);
  const failed = Object.values(d.failed).reduce((a, b) => a + b, 0);
  const stats: [string, string][] = [
    ['Sent', count.format(d.sent)],
    ['Skipped', count.format(skipped)],
    ['Failed', count.format(failed)],
    ['Not reached', count.format(d.pending)],
    ...(report.run.channels.includes('ads')
      ? ([['Ad rows exported', count.format(d.adRows)]] as [string, string][])
      : []),
    ...(d.throughput
      ? ([
          ['Sent per second', rate(d.throughput.sentPerSecond)],
          ['Sending took', duration(d.throughput.seconds)],
        ] as [string, string][])
      : []),
  ];
  const lede =
    d.status === 'sending'
      ? 'Sending is under way: figures grow as send chunks finish.'
      : d.throughput
        ? `Sent ${e(between(d.throughput.firstAt, d.throughput.lastAt))}: ${rate(d.throughput.handledPerSecond)} audience members handled per second.`
        : 'Sending has finished.';
  return section(
    'delivery',
    'Delivery',
    `<p class="lede">${lede}${d.note ? ` ${e(d.note)}` : ''}</p>
    <div class="card"><dl class="stats">${stats.map(([k, v]) => `<div><dt>${e(k)}</dt><dd>${e(v)}</dd></div>`).join('')}</dl></div>
    <div class="grid" style="margin-top:16px">${charts.map(figure).join('')}</div>`,
  );
}

function lookupSection(report: CampaignReport): string {
  const { lookup } = report;
  if (!lookup.email) {
    return section(
      'lookup',
      'Customer lookup',
      '<p class="lede">This campaign sends no email (ads only): there is no email to look up.</p>',
    );
  }
  const ids = lookup.customers.map((c) => c.customerId);
  const body = `<p class="lede">The email a customer gets, exactly as rendered for sending. ${count.format(ids.length)}
    customers are embedded in this file; on <code>tailor server</code> any customer in the audience can be looked up.${
      lookup.note ? ` ${e(lookup.note)}.` : ''
    }</p>
  <div class="lookup">
    <div class="card">
      <form id="lookup-form" role="search" aria-label="Look up a customer’s email">
        <label for="lookup-id">Customer id</label>
        <input id="lookup-id" name="customer" list="lookup-ids" autocomplete="off" spellcheck="false" placeholder="${e(ids[0] ?? '')}">
        <datalist id="lookup-ids">${ids.map((id) => `<option value="${e(id)}"></option>`).join('')}</datalist>
        <button type="submit">Show the email</button>
      </form>
      <p id="lookup-status" role="status" aria-live="polite"></p>
      <h3>Embedded customers</h3>
      <div class="picks">${lookup.customers
        .map(
          (c) =>
            `<button type="button" data-customer="${e(c.customerId)}" aria-pressed="false" title="${e(c.segment)}">${e(c.customerId)}</button>`,
        )
        .join('')}</div>
    </div>
    <div class="mail" id="mail" hidden>
      <dl class="mail-head">
        <dt>Subject</dt><dd id="mail-subject"></dd>
        <dt>Customer</dt><dd id="mail-customer"></dd>
        <dt>Segment</dt><dd id="mail-segment"></dd>
        <dt>Note</dt><dd id="mail-note"></dd>
      </dl>
      <iframe id="mail-frame" title="The email as sent to this customer"
        sandbox="allow-same-origin allow-popups allow-popups-to-escape-sandbox" referrerpolicy="no-referrer"></iframe>
    </div>
  </div>`;
  return section('lookup', 'Customer lookup', body);
}

function section(id: string, title: string, body: string): string {
  return `<section id="${id}" aria-labelledby="${id}-title"><h2 id="${id}-title">${e(title)}</h2>${body}</section>`;
}

function figure(chart: ReportChart): string {
  return `<figure class="card" id="figure-${chart.id}" aria-labelledby="${chart.id}-title">
    <figcaption><h3 id="${chart.id}-title">${e(chart.title)}</h3>${e(chart.caption)}</figcaption>
    <div class="chart" data-chart="${chart.id}" role="img" aria-label="${e(chart.description)}" style="height:${chart.height}px"></div>
    <details><summary>Show the numbers</summary>${table(chart.table, `${chart.title}: the numbers`)}
    ${chart.detail ? `<details><summary>${e(chart.detail.summary)}</summary>${table(chart.detail, chart.detail.summary)}</details>` : ''}
    </details>
  </figure>`;
}

function table(t: ReportTable, caption: string): string {
  const cls = (numeric?: boolean) => (numeric ? ' class="num"' : '');
  return `<div class="scroll"><table><caption>${e(caption)}</caption>
    <thead><tr>${t.columns.map((c) => `<th scope="col"${cls(c.numeric)}>${e(c.label)}</th>`).join('')}</tr></thead>
    <tbody>${t.rows
      .map(
        (row) =>
          `<tr>${row
            .map((cell, i) =>
              i === 0
                ? `<th scope="row">${e(cell)}</th>`
                : `<td${cls(t.columns[i]?.numeric)}>${e(typeof cell === 'number' ? count.format(cell) : cell)}</td>`,
            )
            .join('')}</tr>`,
      )
      .join('')}</tbody></table></div>`;
}

function when(iso: string): string {
  const t = Date.parse(iso);
  return Number.isFinite(t) ? `${dateTime.format(t)} UTC` : iso;
}

/** "23 Nov 2026, 14:47:25–14:47:31 UTC", or two full times when the days differ. */
function between(first: string, last: string): string {
  const [a, b] = [new Date(first), new Date(last)];
  const day = (d: Date) => d.toISOString().slice(0, 10);
  const time = (d: Date) => d.toISOString().slice(11, 19);
  if (day(a) !== day(b)) return `from ${when(first)} to ${when(last)}`;
  const date = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeZone: 'UTC' }).format(a);
  return `on ${date}, ${time(a)}–${time(b)} UTC`;
}

function rate(perSecond: number): string {
  return perSecond.toLocaleString('en-GB', { maximumFractionDigits: perSecond >= 10 ? 0 : 1 });
}

function pct(n: number, of: number, suffix: string): string {
  if (of <= 0) return '';
  return `${Math.round((n / of) * 1000) / 10}% ${suffix}`;
}

function duration(seconds: number): string {
  if (seconds < 1) return `${Math.max(1, Math.round(seconds * 1000))} ms`;
  if (seconds < 60) return `${seconds.toLocaleString('en-GB', { maximumFractionDigits: 1 })} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

const ENVELOPE = `<svg width="48" height="48" viewBox="0 0 24 24" fill="none" stroke="#8a94a6" stroke-width="1.5" stroke-linecap="round" stroke-linejoin="round"><rect x="3" y="5" width="18" height="14" rx="2"/><path d="m3 7 9 6 9-6"/></svg>`;

/**
 * The report page's stylesheet, inlined into every report (a TypeScript module so it ships in
 * dist/ with the code: the page must not depend on files beside the build). Readable on screen
 * and on paper; no web fonts, no external images.
 */
export const REPORT_CSS = `:root {
  --ink: #1f2a44;
  --muted: #5b6478;
  --line: #e3e6ee;
  --page: #f5f6fa;
  --card: #ffffff;
  --accent: #3d5a98;
  --sent: #2f9e62;
  --skipped: #c98a1b;
  --failed: #d9534f;
  --radius: 12px;
  color-scheme: light;
}
* {
  box-sizing: border-box;
}
html {
  scroll-behavior: smooth;
  scroll-padding-top: 64px;
}
body {
  margin: 0;
  background: var(--page);
  color: var(--ink);
  font:
    15px / 1.5 system-ui,
    -apple-system,
    "Segoe UI",
    Roboto,
    "Helvetica Neue",
    sans-serif;
}
a {
  color: var(--accent);
}
code {
  font:
    0.9em ui-monospace,
    SFMono-Regular,
    Menlo,
    Consolas,
    monospace;
  background: #eef0f6;
  padding: 0.1em 0.35em;
  border-radius: 4px;
  overflow-wrap: anywhere;
}
.skip-link {
  position: absolute;
  left: -999px;
}
.visually-hidden {
  position: absolute;
  width: 1px;
  height: 1px;
  overflow: hidden;
  clip-path: inset(50%);
  white-space: nowrap;
}
.skip-link:focus {
  left: 12px;
  top: 12px;
  z-index: 10;
  background: #fff;
  padding: 8px 12px;
  border-radius: 6px;
}

/* Header */
.masthead {
  background: linear-gradient(135deg, #1f2a44 0%, #2f4170 100%);
  color: #fff;
  padding: 28px 0 72px;
}
.wrap {
  max-width: 1240px;
  margin: 0 auto;
  padding: 0 24px;
}
.kicker {
  text-transform: uppercase;
  letter-spacing: 0.08em;
  font-size: 12px;
  opacity: 0.75;
  margin: 0 0 6px;
}
.masthead h1 {
  margin: 0 0 10px;
  font-size: 30px;
  line-height: 1.2;
  display: flex;
  flex-wrap: wrap;
  align-items: center;
  gap: 12px;
}
.meta {
  display: flex;
  flex-wrap: wrap;
  gap: 6px 18px;
  margin: 0;
  font-size: 14px;
  opacity: 0.9;
}
.meta div {
  display: flex;
  gap: 6px;
}
.meta dt {
  opacity: 0.7;
}
.meta dd {
  margin: 0;
  font-weight: 500;
}
.badge {
  display: inline-block;
  font-size: 12px;
  font-weight: 600;
  letter-spacing: 0.02em;
  padding: 3px 10px;
  border-radius: 999px;
  background: #e8ebf3;
  color: var(--ink);
  vertical-align: middle;
}
.badge.completed {
  background: #d8f3e4;
  color: #1d6b42;
}
.badge.reviewed {
  background: #fdecc8;
  color: #7a5200;
}
.badge.failed,
.badge.cancelled {
  background: #fbdcdb;
  color: #8c2320;
}
.badge.dispatching,
.badge.running,
.badge.queued {
  background: #dde7fb;
  color: #254a9b;
}
.badge.model {
  background: #dde7fb;
  color: #254a9b;
}
.badge.fallback {
  background: #ececec;
  color: #4a4a4a;
}

/* KPI tiles overlap the masthead */
.kpis {
  display: grid;
  grid-template-columns: repeat(auto-fit, minmax(150px, 1fr));
  gap: 12px;
  margin: -52px 0 20px;
  padding: 0;
  list-style: none;
}
.kpi {
  background: var(--card);
  border-radius: var(--radius);
  padding: 14px 16px;
  box-shadow:
    0 1px 2px rgba(31, 42, 68, 0.08),
    0 4px 16px rgba(31, 42, 68, 0.06);
}
.kpi .label {
  color: var(--muted);
  font-size: 13px;
}
.kpi .value {
  font-size: 26px;
  font-weight: 650;
  font-variant-numeric: tabular-nums;
}
.kpi .sub {
  color: var(--muted);
  font-size: 12px;
}
.kpi.sent .value {
  color: var(--sent);
}
.kpi.skipped .value {
  color: var(--skipped);
}
.kpi.failed .value {
  color: var(--failed);
}

.banner {
  border-radius: var(--radius);
  padding: 14px 18px;
  margin: 0 0 20px;
  background: #fff7e6;
  border: 1px solid #f3d9a4;
}
.banner.error {
  background: #fdeeee;
  border-color: #f1c0bf;
}
.banner strong {
  display: block;
  margin-bottom: 2px;
}

/* Section navigation */
.toc {
  position: sticky;
  top: 0;
  z-index: 5;
  background: rgba(245, 246, 250, 0.95);
  backdrop-filter: blur(6px);
  border-bottom: 1px solid var(--line);
  margin: 0 0 8px;
}
.toc ul {
  display: flex;
  gap: 4px;
  list-style: none;
  margin: 0 auto;
  padding: 8px 24px;
  max-width: 1240px;
  overflow-x: auto;
}
.toc a {
  display: block;
  padding: 6px 12px;
  border-radius: 8px;
  text-decoration: none;
  color: var(--ink);
  font-weight: 500;
  white-space: nowrap;
}
.toc a:hover,
.toc a:focus-visible {
  background: #e6e9f2;
}

/* Sections and cards */
main section {
  margin: 28px 0 8px;
}
main h2 {
  font-size: 22px;
  margin: 0 0 4px;
}
.lede {
  color: var(--muted);
  margin: 0 0 16px;
  max-width: 80ch;
}
.grid {
  display: grid;
  grid-template-columns: repeat(auto-fit, minmax(440px, 1fr));
  gap: 16px;
  margin-bottom: 16px;
}
.card {
  background: var(--card);
  border-radius: var(--radius);
  padding: 18px 20px;
  box-shadow:
    0 1px 2px rgba(31, 42, 68, 0.06),
    0 2px 10px rgba(31, 42, 68, 0.04);
  min-width: 0;
}
.card h3 {
  font-size: 16px;
  margin: 0 0 8px;
}
figure {
  margin: 0;
}
figcaption {
  color: var(--muted);
  font-size: 13px;
  margin-top: 8px;
}
.chart {
  width: 100%;
}
.chart-error {
  color: var(--failed);
}
details {
  margin-top: 10px;
}
summary {
  cursor: pointer;
  color: var(--accent);
  font-size: 13px;
  font-weight: 500;
}
details[open] > summary {
  margin-bottom: 6px;
}
.scroll {
  max-height: 360px;
  overflow: auto;
}

/* Tables */
table {
  width: 100%;
  border-collapse: collapse;
  font-size: 13px;
}
caption {
  text-align: left;
  font-weight: 600;
  padding: 0 0 6px;
}
th,
td {
  text-align: left;
  padding: 6px 8px;
  border-bottom: 1px solid var(--line);
  vertical-align: top;
}
thead th {
  position: sticky;
  top: 0;
  background: #f8f9fc;
  color: var(--muted);
  font-weight: 600;
}
td.num,
th.num {
  text-align: right;
  font-variant-numeric: tabular-nums;
  white-space: nowrap;
}
tbody tr:nth-child(even) {
  background: #fbfbfd;
}

/* Delivery figures */
.stats {
  display: flex;
  flex-wrap: wrap;
  gap: 8px 28px;
  margin: 0 0 8px;
}
.stats div {
  display: flex;
  flex-direction: column;
}
.stats dt {
  color: var(--muted);
  font-size: 13px;
}
.stats dd {
  margin: 0;
  font-size: 20px;
  font-weight: 650;
  font-variant-numeric: tabular-nums;
}

/* Segment cards */
.segments {
  display: grid;
  grid-template-columns: repeat(auto-fill, minmax(260px, 1fr));
  gap: 12px;
  margin: 0 0 16px;
  padding: 0;
  list-style: none;
}
.segment {
  background: var(--card);
  border-radius: var(--radius);
  padding: 14px 16px 14px 20px;
  border-left: 6px solid var(--swatch, #999);
  box-shadow: 0 1px 2px rgba(31, 42, 68, 0.06);
}
.segment h3 {
  margin: 0;
  font-size: 15px;
}
.segment p {
  margin: 4px 0 8px;
  color: var(--muted);
  font-size: 13px;
}
.segment .figures {
  display: flex;
  flex-wrap: wrap;
  gap: 4px 14px;
  font-size: 13px;
  margin: 0;
}
.segment .figures div {
  display: flex;
  gap: 4px;
}
.segment dt {
  color: var(--muted);
}
.segment dd {
  margin: 0;
  font-weight: 600;
  font-variant-numeric: tabular-nums;
}

/* Sample customers */
.sample td ul {
  margin: 0;
  padding-left: 16px;
}
.sample .products {
  min-width: 200px;
}
.sample .who {
  white-space: nowrap;
}
.sample .who span {
  display: block;
  font-weight: 400;
  color: var(--muted);
  font-size: 12px;
}
.sample td small {
  color: var(--muted);
}
.sample .outcome {
  white-space: nowrap;
}
.outcome.sent {
  color: var(--sent);
  font-weight: 600;
}
.outcome.skipped {
  color: var(--skipped);
}
.outcome.failed {
  color: var(--failed);
}
button,
.button {
  font: inherit;
  font-size: 13px;
  font-weight: 600;
  color: #fff;
  background: var(--accent);
  border: 0;
  border-radius: 8px;
  padding: 6px 12px;
  cursor: pointer;
  white-space: nowrap;
}
button:hover {
  background: #2f4a85;
}
button.secondary {
  background: #e6e9f2;
  color: var(--ink);
}

/* Copy cards */
.copy-list {
  display: grid;
  grid-template-columns: repeat(auto-fill, minmax(360px, 1fr));
  gap: 12px;
  padding: 0;
  list-style: none;
  margin: 0;
}
.copy-card header {
  display: flex;
  justify-content: space-between;
  align-items: baseline;
  gap: 8px;
  margin-bottom: 10px;
}
.copy-card h3 {
  margin: 0;
}
.copy-card .count {
  color: var(--muted);
  font-size: 13px;
  white-space: nowrap;
}
.inbox {
  border: 1px solid var(--line);
  border-radius: 10px;
  padding: 10px 12px;
  margin: 0 0 8px;
  background: #fcfcfe;
}
.inbox .from {
  font-weight: 600;
  font-size: 13px;
  display: flex;
  justify-content: space-between;
  gap: 8px;
}
.inbox .subject {
  font-weight: 600;
}
.inbox .preheader {
  color: var(--muted);
  font-size: 13px;
}
.ad {
  border: 1px solid var(--line);
  border-radius: 10px;
  padding: 10px 12px;
  background: #fff;
}
.ad .sponsored {
  font-size: 12px;
  font-weight: 600;
  color: var(--ink);
}
.ad .headline {
  color: #1a0dab;
  font-size: 17px;
  line-height: 1.3;
}
.ad .description {
  color: #4d5156;
  font-size: 13px;
}
.source {
  margin-top: 6px;
  font-size: 12px;
  color: var(--muted);
}

/* Delivery */
.empty {
  text-align: center;
  padding: 36px 20px;
}
.empty .icon {
  font-size: 34px;
}
.empty p {
  max-width: 60ch;
  margin: 8px auto;
  color: var(--muted);
}

/* Customer lookup */
.lookup {
  display: grid;
  grid-template-columns: minmax(260px, 340px) 1fr;
  gap: 16px;
  align-items: start;
}
.lookup form {
  display: flex;
  flex-direction: column;
  gap: 8px;
}
.lookup label {
  font-weight: 600;
  font-size: 14px;
}
.lookup input {
  font: inherit;
  padding: 8px 10px;
  border: 1px solid #c9cedb;
  border-radius: 8px;
  width: 100%;
}
.lookup input:focus {
  outline: 2px solid var(--accent);
  outline-offset: 1px;
}
.picks {
  display: flex;
  flex-wrap: wrap;
  gap: 6px;
  margin-top: 12px;
  max-height: 300px;
  overflow: auto;
}
.picks button {
  background: #eef0f6;
  color: var(--ink);
  font-weight: 500;
}
.picks button[aria-pressed="true"] {
  background: var(--accent);
  color: #fff;
}
#lookup-status {
  min-height: 1.5em;
  font-size: 13px;
  color: var(--muted);
}
.mail {
  border: 1px solid var(--line);
  border-radius: var(--radius);
  overflow: hidden;
  background: #fff;
}
.mail-head {
  margin: 0;
  padding: 12px 16px;
  background: #f8f9fc;
  border-bottom: 1px solid var(--line);
  display: grid;
  grid-template-columns: max-content 1fr;
  gap: 2px 12px;
  font-size: 14px;
}
.mail-head dt {
  color: var(--muted);
}
.mail-head dd {
  margin: 0;
  overflow-wrap: anywhere;
}
.mail iframe {
  display: block;
  width: 100%;
  height: 640px;
  border: 0;
  background: #fff;
}
.mail-empty {
  padding: 48px 16px;
  text-align: center;
  color: var(--muted);
}
footer {
  color: var(--muted);
  font-size: 12px;
  padding: 24px 0 40px;
}

@media (max-width: 760px) {
  .grid {
    grid-template-columns: 1fr;
  }
  .lookup {
    grid-template-columns: 1fr;
  }
  .copy-list {
    grid-template-columns: 1fr;
  }
}
@media print {
  .toc,
  .lookup form,
  .picks,
  button {
    display: none;
  }
  body {
    background: #fff;
  }
  .card,
  .kpi {
    box-shadow: none;
    border: 1px solid var(--line);
  }
}
`;

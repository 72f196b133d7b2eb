import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { collectCampaignReport, type ReportDeps } from './collect-report.js';
import { renderReportHtml } from './report-page.js';

/**
 * Collects a run's report and writes it as one self-contained HTML file (written beside, then
 * renamed: a reader never sees half a report).
 */
export async function writeCampaignReport(
  deps: ReportDeps,
  runId: string,
  path: string,
): Promise<{ path: string; bytes: number }> {
  const target = resolve(path);
  const { html } = renderReportHtml(await collectCampaignReport(deps, runId));
  await mkdir(dirname(target), { recursive: true });
  const partial = `${target}.${process.pid}.partial`;
  await writeFile(partial, html, 'utf8');
  await rename(partial, target);
  return { path: target, bytes: Buffer.byteLength(html) };
}

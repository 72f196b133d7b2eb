import type { FastifyReply } from 'fastify';
import { collectCampaignReport, type ReportDeps } from '../report/collect-report.js';
import { escapeHtml } from '../report/html-text.js';
import { renderReportHtml } from '../report/report-page.js';
import { CampaignIdParams, parseParams } from './api-params.js';
import { resolveRun } from './campaign-status.js';
import type { RoutePlugin } from './tailor-server.js';

/**
 * `GET /campaigns/:id`: the campaign report page of a run (or a campaign's latest run), the same
 * HTML `tailor campaign report` writes to a file. Registered as a protected route: behind the
 * API's credentials. Its customer lookup fetches `/api/campaigns/:id/preview` on this server.
 */
export function reportRoutes(deps: ReportDeps): RoutePlugin {
  return async (app) => {
    app.get('/campaigns/:id', async (request, reply) => {
      const { id } = parseParams(CampaignIdParams, request.params, 'path');
      const runId = await resolveRun(deps.store, id);
      if (!runId) {
        return sendPage(
          reply.code(404),
          `No campaign or run named ${id}`,
          'Runs are kept for the retention period (TAILOR_RETENTION_DAYS).',
        );
      }
      let rendered: ReturnType<typeof renderReportHtml>;
      try {
        rendered = renderReportHtml(await collectCampaignReport(deps, runId));
      } catch (error) {
        // e.g. the dataset was imported again since the run was planned: say so on a page.
        return sendPage(reply.code(500), `The report of ${runId} cannot be made`, (error as Error).message);
      }
      return reply
        .type('text/html; charset=utf-8')
        .header('content-security-policy', rendered.contentSecurityPolicy)
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'no-store')
        .send(rendered.html);
    });
  };
}

/** A small HTML page for a report that cannot be shown (the route serves pages, not JSON). */
function sendPage(reply: FastifyReply, title: string, text: string): FastifyReply {
  return reply
    .type('text/html; charset=utf-8')
    .header('content-security-policy', "default-src 'none'")
    .header('x-content-type-options', 'nosniff')
    .send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} · Tailor</title></head><body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p></body></html>`,
    );
}

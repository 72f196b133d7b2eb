import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { assertInlineScript } from './html-text.js';
import { reportClientScript } from './report-client.js';
import { REPORT_CSS } from './report-styles.js';

/** What every report page inlines: the charting library, the page script and the stylesheet. */
export interface ReportAssets {
  /** Apache ECharts (Apache-2.0), the "common" build: bar, line, pie, scatter; its licence header kept. */
  chartLibrary: string;
  chartLibraryVersion: string;
  client: string;
  css: string;
}

let cached: ReportAssets | undefined;

export function reportAssets(): ReportAssets {
  if (cached) return cached;
  // A dependency, so installed wherever Tailor runs (the Docker image keeps production packages).
  const require = createRequire(import.meta.url);
  const library = require.resolve('echarts/dist/echarts.common.min.js');
  const { version } = JSON.parse(readFileSync(join(dirname(library), '..', 'package.json'), 'utf8')) as {
    version: string;
  };
  cached = {
    chartLibrary: assertInlineScript('echarts', readFileSync(library, 'utf8')),
    chartLibraryVersion: version,
    client: assertInlineScript('the report script', reportClientScript()),
    css: REPORT_CSS,
  };
  return cached;
}

/**
 * The report page's script. Written in TypeScript so it is checked and built with the rest, and
 * shipped as source text (reportClientScript: the function's own text, run at once), so it
 * needs no file beside the build. It runs in the browser, never in Node: it must not use
 * anything from this module's scope but the browser declarations below.
 *
 * It draws the charts from the embedded data and runs the customer lookup. Data only reaches
 * the page as text (textContent, attributes, canvas), never as HTML; the one exception is an
 * email, shown as sent inside a sandboxed frame that cannot run scripts. Its only request is,
 * when `tailor server` serves the page, the same-origin preview of a customer not embedded.
 */

// The project compiles without the DOM library (it is a Node program); the few browser APIs
// this function uses are declared here, for this module only.
interface PageElement {
  readonly dataset: Record<string, string | undefined>;
  readonly classList: { add(name: string): void };
  readonly style: Record<string, string>;
  readonly contentDocument: PageDocument | null;
  textContent: string | null;
  hidden: boolean;
  value: string;
  srcdoc: string;
  target: string;
  rel: string;
  addEventListener(type: string, listener: (event: { preventDefault(): void }) => void): void;
  setAttribute(name: string, value: string): void;
  closest(selector: string): PageElement | null;
  scrollIntoView(): void;
  querySelectorAll(selector: string): Iterable<PageElement>;
}
interface PageDocument {
  readonly title: string;
  readonly documentElement: { readonly scrollHeight: number };
  getElementById(id: string): PageElement | null;
  querySelectorAll(selector: string): Iterable<PageElement>;
}
interface Chart {
  setOption(option: unknown): void;
  resize(): void;
}
declare const document: PageDocument;
declare const location: { readonly protocol: string };
declare const window: {
  echarts: { init(element: PageElement, theme: null, options: { renderer: 'canvas' | 'svg' }): Chart };
  addEventListener(type: string, listener: () => void): void;
};
declare const DOMParser: new () => { parseFromString(html: string, type: 'text/html'): PageDocument };

/** What the page embeds (see renderReportHtml). */
interface PageData {
  runId: string;
  charts: Record<string, unknown>;
  lookup: {
    previewPath: string;
    customers: { customerId: string; segment: string; subject: string; html: string; wouldSkip?: string }[];
  };
}

type LookupEntry = PageData['lookup']['customers'][number];

export function reportClient(): void {
  const byId = (id: string) => document.getElementById(id) as PageElement;
  const data = JSON.parse(byId('report-data').textContent ?? '{}') as PageData;

  const charts: Chart[] = [];
  for (const element of document.querySelectorAll('[data-chart]')) {
    const option = data.charts[element.dataset.chart ?? ''];
    if (!option) continue;
    try {
      const chart = window.echarts.init(element, null, { renderer: 'canvas' });
      chart.setOption(option);
      charts.push(chart);
      element.dataset.rendered = 'true';
    } catch (error) {
      element.classList.add('chart-error');
      element.textContent = `This chart could not be drawn (${(error as Error).message}). The table below has its numbers.`;
      console.error(error);
    }
  }
  let resizeTimer: ReturnType<typeof setTimeout> | undefined;
  window.addEventListener('resize', () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => {
      for (const chart of charts) chart.resize();
    }, 120);
  });

  const form = document.getElementById('lookup-form');
  if (!form) return;
  const lookup = data.lookup;
  const input = byId('lookup-id');
  const status = byId('lookup-status');
  const mail = byId('mail');
  const frame = byId('mail-frame');
  const head = {
    subject: byId('mail-subject'),
    customer: byId('mail-customer'),
    segment: byId('mail-segment'),
    note: byId('mail-note'),
  };
  const embedded = new Map(lookup.customers.map((c) => [c.customerId, c]));
  const served = location.protocol === 'http:' || location.protocol === 'https:';
  const picks = [...document.querySelectorAll('.picks [data-customer]')];

  const say = (text: string) => {
    status.textContent = text;
  };

  const show = (entry: LookupEntry) => {
    head.subject.textContent = entry.subject || '(no subject)';
    head.customer.textContent = entry.customerId;
    head.segment.textContent = entry.segment || '–';
    head.note.textContent = entry.wouldSkip
      ? `Not sent to this customer: ${entry.wouldSkip}. This is the email they would get.`
      : 'The email exactly as rendered for sending.';
    mail.hidden = false;
    frame.srcdoc = entry.html;
    for (const pick of picks)
      pick.setAttribute('aria-pressed', String(pick.dataset.customer === entry.customerId));
  };

  // Fit the frame to the email, and open its links outside the report.
  frame.addEventListener('load', () => {
    try {
      const doc = frame.contentDocument;
      if (!doc) return;
      for (const link of doc.querySelectorAll('a[href]')) {
        link.target = '_blank';
        link.rel = 'noopener noreferrer';
      }
      frame.style.height = `${Math.max(320, doc.documentElement.scrollHeight + 8)}px`;
    } catch {
      // A browser that keeps the frame opaque: the stylesheet's fixed height stays.
    }
  });

  const find = async (id: string) => {
    if (!id) {
      say('Type a customer id.');
      return;
    }
    const entry = embedded.get(id);
    if (entry) {
      show(entry);
      say(`Customer ${id}: embedded in this report.`);
      return;
    }
    if (!served) {
      say(
        `Customer ${id} is not among the ${embedded.size} customers embedded in this file. Open the report on tailor server (/campaigns/${data.runId}) to look up anyone in the audience.`,
      );
      return;
    }
    say(`Looking up customer ${id}…`);
    try {
      const response = await fetch(lookup.previewPath.replace('{customer}', encodeURIComponent(id)), {
        credentials: 'same-origin',
        headers: { accept: 'text/html' },
      });
      if (!response.ok) {
        let message = `${response.status} ${response.statusText}`;
        try {
          message = ((await response.json()) as { message?: string }).message || message;
        } catch {
          // Not JSON: the status line says enough.
        }
        say(`No email for customer ${id}: ${message}`);
        return;
      }
      const html = await response.text();
      show({
        customerId: id,
        segment: '',
        subject: new DOMParser().parseFromString(html, 'text/html').title,
        html,
        wouldSkip: response.headers.get('x-tailor-would-skip') || undefined,
      });
      say(`Customer ${id}: rendered by the server just now.`);
    } catch (error) {
      say(`Could not reach the server for customer ${id}: ${(error as Error).message}`);
    }
  };

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void find(input.value.trim());
  });
  for (const button of document.querySelectorAll('[data-customer]')) {
    button.addEventListener('click', () => {
      const id = button.dataset.customer ?? '';
      input.value = id;
      void find(id);
      if (!button.closest('#lookup')) byId('lookup').scrollIntoView();
    });
  }
  if (lookup.customers.length > 0) show(lookup.customers[0]);
}

/** The script element's text: the function above, called at once. */
export function reportClientScript(): string {
  return `(${reportClient.toString()})();`;
}

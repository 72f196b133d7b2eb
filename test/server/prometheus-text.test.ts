import { describe, expect, it } from 'vitest';
import { formatPrometheus } from '../../src/server/prometheus-text.js';

describe('Prometheus text format', () => {
  it('writes HELP and TYPE once per family, then its samples', () => {
    const text = formatPrometheus([
      {
        name: 'tailor_queue_jobs',
        help: 'Jobs by state.',
        type: 'gauge',
        samples: [
          { labels: { queue: 'dispatch', state: 'waiting' }, value: 3 },
          { labels: { queue: 'dispatch', state: 'active' }, value: 0 },
        ],
      },
      { name: 'tailor_up', help: 'Up.', type: 'counter', samples: [{ value: 1 }] },
    ]);
    expect(text).toBe(
      [
        '# HELP tailor_queue_jobs Jobs by state.',
        '# TYPE tailor_queue_jobs gauge',
        'tailor_queue_jobs{queue="dispatch",state="waiting"} 3',
        'tailor_queue_jobs{queue="dispatch",state="active"} 0',
        '# HELP tailor_up Up.',
        '# TYPE tailor_up counter',
        'tailor_up 1',
        '',
      ].join('\n'),
    );
  });

  it('escapes label values and special numbers', () => {
    const text = formatPrometheus([
      {
        name: 'm',
        help: 'a\\b\nc',
        type: 'gauge',
        samples: [{ labels: { reason: 'say "hi"\\\n' }, value: Number.NaN }],
      },
    ]);
    expect(text).toContain('# HELP m a\\\\b\\nc');
    expect(text).toContain('m{reason="say \\"hi\\"\\\\\\n"} NaN');
  });

  it('refuses invalid metric and label names', () => {
    expect(() => formatPrometheus([{ name: 'bad-name', help: '', type: 'gauge', samples: [] }])).toThrow(
      /metric name/,
    );
    expect(() =>
      formatPrometheus([
        { name: 'ok', help: '', type: 'gauge', samples: [{ labels: { 'bad-label': 'x' }, value: 1 }] },
      ]),
    ).toThrow(/label name/);
  });
});

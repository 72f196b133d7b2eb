import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InvalidSpecError } from '../../src/queues/campaign-spec.js';
import { capOfSpec } from '../../src/schedules/frequency-cap.js';
import { parseScheduledSpec, scheduledCampaignId } from '../../src/schedules/schedule-spec.js';

const example = JSON.parse(readFileSync('examples/reengagement-lapsed.json', 'utf8'));

describe('scheduled campaign spec', () => {
  it('accepts the shipped re-engagement example and a frequency cap', () => {
    const spec = parseScheduledSpec({ ...example, frequencyCap: { windowDays: 14 } }, 'test');
    expect(spec.audience.lapsedForDays).toBe(120);
    expect(spec.frequencyCap).toEqual({ group: 'reengagement', windowDays: 14 });
    expect(capOfSpec(spec)).toEqual({ group: 'reengagement', windowDays: 14 });
    expect(capOfSpec({ name: 'x' })).toBeUndefined();
  });

  it('names the field that is wrong', () => {
    const issues = (input: unknown) => {
      try {
        parseScheduledSpec(input, 'spec.json');
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidSpecError);
        return (error as InvalidSpecError).issues.map((i) => i.field);
      }
      throw new Error('expected a refusal');
    };
    expect(issues({ ...example, frequencyCap: { windowDays: -1 } })).toEqual(['frequencyCap.windowDays']);
    expect(issues({ ...example, audience: { minOrders: 1 } })).toEqual(['audience.lapsedForDays']);
    expect(issues({ ...example, schedule: { type: 'at', at: '2030-01-01T00:00:00Z' } })).toEqual([
      'schedule',
    ]);
    expect(issues({ ...example, sender: { ...example.sender, email: 'nope' } })).toEqual(['sender.email']);
  });

  it('gives each firing its own campaign id, stable for the same firing', () => {
    const at = Date.parse('2025-01-31T09:00:05.123Z');
    expect(scheduledCampaignId('we-miss-you', at)).toBe('we-miss-you-20250131-090005123');
    expect(scheduledCampaignId('we-miss-you', at + 500)).toBe('we-miss-you-20250131-090005623');
    expect(scheduledCampaignId('a'.repeat(40), at)).toMatch(/^[a-z0-9][a-z0-9-]{0,62}$/);
  });
});

import { readFileSync } from 'node:fs';
import { type CampaignSpec, parseCampaignSpec } from '../queues/campaign-spec.js';

/** Largest spec file accepted: a spec is a page of JSON, not a data file. */
const MAX_SPEC_BYTES = 256 * 1024;

/** Read and validate a campaign spec file; errors name the file and the field (or JSON position). */
export function readSpecFile(path: string): CampaignSpec {
  return parseCampaignSpec(readSpecJson(path), path);
}

/** A spec file's JSON (BOM allowed, size bounded); errors name the file. */
export function readSpecJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(
      `${path}: cannot read campaign spec (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
  if (Buffer.byteLength(text) > MAX_SPEC_BYTES)
    throw new Error(`${path}: campaign spec larger than ${MAX_SPEC_BYTES} bytes`);
  let json: unknown;
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new Error(`${path}: not valid JSON: ${(error as Error).message}`);
  }
  return json;
}

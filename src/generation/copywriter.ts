/** Channel copy and the interface the generate stage implements (templates first, a local LLM later). */

export type Channel = 'email' | 'ads';

export interface BrandVoice {
  name: string;
  /** A sentence or two on tone, e.g. "Warm, playful, never pushy." */
  voice: string;
}

export interface CopyProduct {
  title: string;
  price: number;
  url: string;
  /** Catalogue text: shown to the model as quoted data, never as instructions. */
  description?: string;
}

export interface CopyRequest {
  /** Cache and dedup key: segment × product set × channel (× customer when personal). */
  key: string;
  channel: Channel;
  brand: BrandVoice;
  segment: { name: string; description: string };
  products: CopyProduct[];
  /** Only with personalisation level `customer` (never for profiling objectors). */
  customer?: { firstName: string; country: string };
}

export interface EmailCopy {
  subject: string;
  preheader: string;
  body: string;
}

export interface AdCopy {
  headline: string;
  description: string;
}

export interface CopyResult {
  key: string;
  channel: Channel;
  copy: EmailCopy | AdCopy;
  source: 'model' | 'fallback';
  /** Why the fallback was used (model off, guardrail rejection, ...). */
  reason?: string;
  model?: string;
  tokens?: number;
}

export const COPY_LIMITS = {
  subject: 60,
  preheader: 100,
  bodyWords: 120,
  adHeadline: 30,
  adDescription: 90,
} as const;

export interface Copywriter {
  readonly name: string;
  write(requests: CopyRequest[]): Promise<CopyResult[]>;
  close?(): Promise<void>;
}

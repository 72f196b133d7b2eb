import { LlmCopywriter, type LlmCopywriterOptions } from './llm-copywriter.js';
import { ModelNotFoundError } from './model-config.js';
import { type ModelRuntimeOptions, openModelRuntime } from './model-runtime.js';
import { TemplateCopywriter } from './template-copywriter.js';

export interface CopywriterConfig extends ModelRuntimeOptions, LlmCopywriterOptions {
  /** `template` writes template copy only (no model is loaded). */
  mode?: 'model' | 'template';
  /** With `mode: model`: a missing model falls back to templates (true) or is an error (false). */
  fallbackWhenMissing?: boolean;
}

export type OpenedCopywriter =
  | { kind: 'model'; copywriter: LlmCopywriter }
  | { kind: 'template'; copywriter: TemplateCopywriter; reason: string };

/**
 * The generate stage's copywriter from configuration: the language model when it loads, else
 * template copy that records why on every message. Load errors other than a missing model
 * (a broken install, a corrupt file) are thrown: they need fixing, not hiding.
 */
export async function openCopywriter(config: CopywriterConfig = {}): Promise<OpenedCopywriter> {
  const currency = config.prompt?.currency;
  if (config.mode === 'template') {
    return { kind: 'template', copywriter: new TemplateCopywriter({ currency }), reason: 'template' };
  }
  try {
    const runtime = await openModelRuntime(config);
    return { kind: 'model', copywriter: new LlmCopywriter(runtime, config) };
  } catch (error) {
    if (!(error instanceof ModelNotFoundError) || config.fallbackWhenMissing === false) throw error;
    const reason = `model unavailable: ${error.message.split('\n')[0]}`;
    return { kind: 'template', copywriter: new TemplateCopywriter({ currency, reason }), reason };
  }
}

import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { CopyRequest } from '../../src/generation/copywriter.js';
import { ModelNotFoundError } from '../../src/generation/model-config.js';
import { openCopywriter } from '../../src/generation/open-copywriter.js';

const modelsDir = fileURLToPath(new URL('../fixtures/models/', import.meta.url));
const request: CopyRequest = {
  key: 'k',
  channel: 'ads',
  brand: { name: 'Hearth & Home', voice: 'Warm.' },
  segment: { name: 'Champions', description: '' },
  products: [{ title: 'PARTY BUNTING', price: 4.95, url: 'https://shop.example.com/p/1' }],
};

describe('openCopywriter', () => {
  it('opens the model when it is there', async () => {
    const opened = await openCopywriter({ model: join(modelsDir, 'karpathy', 'stories260K'), thread: false });
    expect(opened.kind).toBe('model');
    expect(opened.copywriter.name).toBe('karpathy/stories260K');
    await opened.copywriter.close?.();
  });

  it('falls back to templates, with the reason on every message, when the model is missing', async () => {
    const opened = await openCopywriter({ model: join(modelsDir, 'absent', 'model') });
    expect(opened.kind).toBe('template');
    const [result] = await opened.copywriter.write([request]);
    expect(result.source).toBe('fallback');
    expect(result.reason).toMatch(/^model unavailable: model directory .*absent\/model does not exist$/);
  });

  it('throws instead when told to, and writes templates only in template mode', async () => {
    await expect(
      openCopywriter({ model: join(modelsDir, 'absent', 'model'), fallbackWhenMissing: false }),
    ).rejects.toThrow(ModelNotFoundError);
    const opened = await openCopywriter({ mode: 'template' });
    expect((await opened.copywriter.write([request]))[0]).toMatchObject({
      source: 'fallback',
      reason: 'template',
    });
  });
});

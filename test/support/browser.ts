import { type Browser, chromium } from 'playwright-core';

/**
 * Debian's Chromium, headless, for browser tests. As root it needs --no-sandbox; the network
 * flags stop its background calls to hosts this machine cannot reach.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
}

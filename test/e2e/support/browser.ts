/**
 * Headless Chromium from the system (Debian package chromium), driven by playwright-core: no
 * browser download. A fresh profile directory per launch, removed on close.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_MISSING = `Chromium not found at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`;
export const TEST_OUTPUT = path.resolve(__dirname, '..', '..', '..', '..', 'test-output', 'e2e');

const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export interface Browser {
  context: BrowserContext;
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(CHROMIUM_MISSING);
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'solar-bus-chromium-'));
  // launchPersistentContext is playwright's way to give Chromium its --user-data-dir
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: 1400, height: 1000 } });
  return {
    context,
    newPage: () => context.newPage(),
    async close() {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Chromium's complaint when Dashboard 2's gauge measures itself before its container is laid out
 * (width 0: the radius comes out as min(0, height) - 6, so the needle mask is -232 × -116 with a
 * wrapped title; the gauge's resize observer sets it right a moment later). The library's, not
 * ours, so it is not counted; `negativeSvgSizes` checks that none is left once the page settled.
 * Newer Chromium prefixes the text with "Error: ".
 */
const DASHBOARD_LAYOUT_NOISE = /^(Error: )?<rect> attribute (width|height): A negative value is not valid\./;

/** SVG rects on the page whose width or height is negative now (a gauge that never re-measured). */
export async function negativeSvgSizes(page: Page): Promise<string[]> {
  return page.evaluate(`[...document.querySelectorAll('svg rect')]
    .filter((r) => Number(r.getAttribute('width')) < 0 || Number(r.getAttribute('height')) < 0)
    .map((r) => (r.id || r.closest('[id]')?.id || 'rect') + ' ' + r.getAttribute('width') + 'x' + r.getAttribute('height'))`);
}

/** Collects console errors and uncaught page errors. */
export function pageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && !DASHBOARD_LAYOUT_NOISE.test(m.text())) errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  return errors;
}

export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(TEST_OUTPUT, { recursive: true });
  const file = path.join(TEST_OUTPUT, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

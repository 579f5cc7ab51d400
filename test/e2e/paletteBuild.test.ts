/**
 * A new user's way in, in a real editor (headless Chromium on a real Node-RED): palette labels
 * and icons, and the rs485-bus dialog a user can read.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { startNodeRed, type NodeRedProcess } from '../support/nodeRedProcess';
import { launchChromium, pageErrors, screenshot, TEST_OUTPUT, type Browser } from './support/browser';

/**
 * The dialog shots in docs/images are taken by this test (UPDATE_DOC_IMAGES=1), so they show the
 * dialogs as they are; an ordinary run writes them to test-output/ and leaves the tree clean.
 */
function docsImage(name: string): string {
  const dir = process.env.UPDATE_DOC_IMAGES === '1' ? path.resolve(__dirname, '..', '..', '..', 'docs', 'images') : TEST_OUTPUT;
  fs.mkdirSync(dir, { recursive: true });
  return path.join(dir, name);
}

const PALETTE_LABELS: Record<string, string> = {
  'xw-poll': 'xw poll',
  'xw-command': 'xw command',
  'xw-peak-shaving': 'peak shaving',
  'kaco-read': 'kaco read',
  'pv-watchdog': 'watchdog',
  'pv-cache': 'cache',
};

describe('building flows from the palette (e2e)', function () {
  this.timeout(120000);
  let nr: NodeRedProcess;
  let browser: Browser;
  let page: Page;
  let errors: string[];

  before(async function () {
    nr = await startNodeRed({ flows: [] });
    browser = await launchChromium();
    page = await browser.newPage();
    errors = pageErrors(page);
    await page.goto(nr.url);
    await page.waitForFunction('typeof RED !== "undefined" && RED.nodes && document.querySelectorAll(".red-ui-palette-node[data-palette-type=\\"xw-poll\\"]").length > 0', undefined, { timeout: 60000 });
  });

  after(async function () {
    await browser?.close();
    await nr?.stop();
  });

  it('palette labels read as words, one line each; xw poll and xw command have icons of their own', async function () {
    for (const [type, label] of Object.entries(PALETTE_LABELS)) {
      const node = page.locator(`.red-ui-palette-node[data-palette-type="${type}"]`);
      assert.equal((await node.locator('.red-ui-palette-label').textContent())?.replace(/\s+/g, ' ').trim(), label, type);
      const box = await node.locator('.red-ui-palette-label').boundingBox();
      const lineHeight = await node.locator('.red-ui-palette-label').evaluate((e) => parseFloat(getComputedStyle(e).lineHeight) || 16);
      assert.ok(box && box.height < lineHeight * 1.6, `${type}: "${label}" fits on one line (${box?.height} px)`);
    }
    const icon = (type: string): Promise<string> => page.locator(`.red-ui-palette-node[data-palette-type="${type}"] .red-ui-palette-icon`).evaluate((e) => getComputedStyle(e).backgroundImage);
    const icons = { poll: await icon('xw-poll'), command: await icon('xw-command'), kaco: await icon('kaco-read') };
    assert.match(icons.poll, /xw-poll\.svg/);
    assert.match(icons.command, /xw-command\.svg/);
    assert.notEqual(icons.poll, icons.command);
  });

  it('rs485-bus dialog: a serial field wide enough for a by-id path, TCP port on its own row, no empty tip, List ports says what it found', async function () {
    const before = errors.length;
    await page.evaluate(`RED.editor.editConfig('', 'rs485-bus', '_ADD_', 'node-input')`);
    const serial = page.locator('#node-config-input-serialPort');
    await serial.waitFor({ state: 'visible', timeout: 10000 });
    const byId = '/dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A50285BI-if00-port0';
    await serial.fill(byId);
    const fits = await serial.evaluate((e) => [(e as HTMLInputElement).scrollWidth, (e as HTMLInputElement).clientWidth]);
    assert.ok(fits[0] <= fits[1] + 1, `the whole by-id path is visible in the field (${fits.join(' > ')} px)`);
    assert.equal(await page.locator('#rs485-bus-ports-reason').isVisible(), false, 'no empty tip box');
    await page.locator('#rs485-bus-list-ports').click();
    const reason = page.locator('#rs485-bus-ports-reason');
    const dropdown = page.locator('#rs485-bus-ports');
    await page.waitForFunction(`(() => { const r = document.querySelector('#rs485-bus-ports-reason'); return !/asking the Node-RED runtime/.test(r.textContent) && (r.offsetParent !== null || document.querySelector('#rs485-bus-ports').offsetParent !== null); })()`, undefined, { timeout: 15000 });
    if (await dropdown.isVisible()) {
      const options = await dropdown.locator('option').allTextContents();
      assert.match(options[0], /port\(s\) found: pick one/);
      const paths = options.slice(1).map((o) => o.split(' — ')[0]);
      const firstOther = paths.findIndex((p) => !p.startsWith('/dev/serial/by-id/'));
      assert.ok(firstOther < 0 || paths.slice(firstOther).every((p) => !p.startsWith('/dev/serial/by-id/')), `by-id names first: ${paths.join(', ')}`);
      await dropdown.selectOption({ index: 1 });
      assert.equal(await serial.inputValue(), paths[0], 'picking a port fills the field');
    } else {
      assert.match((await reason.textContent()) ?? '', /No serial ports found|could not list/, 'says plainly that there are none');
    }
    await page.locator('.red-ui-tray').last().screenshot({ path: docsImage('rs485-bus-dialog-serial.png') });
    await screenshot(page, 'dialog-rs485-bus-serial');
    await page.locator('#node-config-input-connection').selectOption('tcp-raw');
    const host = await page.locator('#node-config-input-host').boundingBox();
    const port = await page.locator('#node-config-input-tcpPort').boundingBox();
    assert.ok(host && port && port.y > host.y + host.height / 2, 'TCP port on a row of its own, below the host');
    await page.locator('.red-ui-tray').last().screenshot({ path: docsImage('rs485-bus-dialog-tcp.png') });
    await screenshot(page, 'dialog-rs485-bus-tcp');
    await page.locator('#node-config-dialog-cancel').click();
    await serial.waitFor({ state: 'detached', timeout: 10000 });
    assert.deepEqual(errors.slice(before), [], 'console errors');
  });
});

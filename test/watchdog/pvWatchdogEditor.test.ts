import assert from 'node:assert/strict';
import fs from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { DEFAULTS } from '../../nodes/pv-watchdog/defaults';
import { startNodeRed, type NodeRedProcess } from '../support/nodeRedProcess';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The edit dialog in a real editor: the check list loads, edits and saves what the runtime reads. */
describe('pv-watchdog editor', function () {
  this.timeout(90000);
  let nr: NodeRedProcess | undefined;
  let browser: Browser | undefined;

  after(async () => {
    await browser?.close();
    await nr?.stop();
    if (nr) fs.rmSync(nr.userDir, { recursive: true, force: true });
  });

  it('edits the checks as a list and stores them with the defaults of their kind', async () => {
    if (!fs.existsSync(CHROMIUM)) throw new Error(`chromium is needed for the editor test and is not at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
    nr = await startNodeRed({
      flows: [
        { id: 'tab1', type: 'tab', label: 'watchdog' },
        { id: 'wd1', type: 'pv-watchdog', z: 'tab1', x: 200, y: 100, ...DEFAULTS, checks: [{ name: 'logger', kind: 'flow', staleAfter: 600, failsToAct: 2 }], wires: [[], [], []] },
      ],
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    const page: Page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(nr.url);
    await page.waitForFunction(() => {
      const RED = (window as unknown as { RED?: { nodes?: { node(id: string): unknown } } }).RED;
      return !!RED?.nodes?.node('wd1');
    });

    const palette = await page.locator('.red-ui-palette-node[data-palette-type="pv-watchdog"] .red-ui-palette-label').textContent();
    assert.equal(palette?.trim(), 'watchdog');

    await page.evaluate(() => {
      const RED = (window as unknown as { RED: { editor: { edit(n: unknown): void }; nodes: { node(id: string): unknown } } }).RED;
      RED.editor.edit(RED.nodes.node('wd1'));
    });
    const rows = page.locator('#node-input-checks-container > li');
    await rows.first().waitFor();
    assert.equal(await rows.count(), 1);
    assert.equal(await rows.nth(0).locator('.pv-watchdog-name').inputValue(), 'logger');
    assert.equal(await rows.nth(0).locator('.pv-watchdog-kind').inputValue(), 'flow');
    assert.equal(await rows.nth(0).locator('[data-key="staleAfter"]').inputValue(), '600');
    assert.equal(await rows.nth(0).locator('.pv-watchdog-interval').isVisible(), false, 'a flow check has no interval');

    await page.locator('.red-ui-editableList-addButton').first().click();
    const added = rows.nth(1);
    await added.locator('.pv-watchdog-name').fill('net');
    await added.locator('.pv-watchdog-kind').selectOption('internet');
    assert.equal(await added.locator('[data-key="host"]').inputValue(), '1.1.1.1', 'the kind brings its defaults');
    assert.equal(await added.locator('.pv-watchdog-port').isVisible(), true);
    await added.locator('select[data-key="mode"]').selectOption('dns');
    assert.equal(await added.locator('.pv-watchdog-port').isVisible(), false, 'DNS has no port');
    await added.locator('[data-key="server"]').fill('127.0.0.1:5353');

    await page.locator('.red-ui-editableList-addButton').first().click();
    const port = rows.nth(2);
    await port.locator('.pv-watchdog-name').fill('adapter');
    await port.locator('.pv-watchdog-kind').selectOption('serial');
    await port.locator('[data-key="failsToAct"]').fill('4');

    await page.locator('#node-dialog-ok').click();
    await page.waitForFunction(() => !document.querySelector('#node-input-checks-container'));
    const saved = await page.evaluate(() => {
      const RED = (window as unknown as { RED: { nodes: { node(id: string): { checks: unknown; valid: boolean } } } }).RED;
      const n = RED.nodes.node('wd1');
      return { checks: n.checks, valid: n.valid };
    });
    assert.deepEqual(saved.checks, [
      { name: 'logger', kind: 'flow', staleAfter: 600, failsToAct: 2 },
      { name: 'net', kind: 'internet', mode: 'dns', host: '1.1.1.1', port: 53, server: '127.0.0.1:5353', interval: 60, failsToAct: 15 },
      { name: 'adapter', kind: 'serial', path: '/dev/ttyUSB*', interval: 60, failsToAct: 4 },
    ]);
    assert.equal(saved.valid, true);

    const help = await page.evaluate(() => {
      const RED = (window as unknown as { RED: { nodes: { getNodeHelp(type: string): string } } }).RED;
      return RED.nodes.getNodeHelp('pv-watchdog');
    });
    for (const section of ['Inputs', 'Outputs', 'Details']) assert.ok(help.includes(`<h3>${section}</h3>`), `help has ${section}`);
    assert.deepEqual(pageErrors, []);
  });
});

/**
 * A real browser on the `npm start` demo (same code, a free port): the editor shows every node
 * type of this package, each edit dialog opens and closes with no console error and its help
 * shows; the dashboard shows values that change, and "rest" gives a verified report per unit.
 * Screenshots go to test-output/e2e/.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { startDemo, type Demo } from '../../scripts/demo';
import { launchChromium, negativeSvgSizes, pageErrors, screenshot, type Browser } from './support/browser';
import { exampleFiles, readExample, ROOT } from './support/exampleFlows';

/** how long a dialog, tray or sidebar may take to appear or go on a loaded machine (a bound, not a timed assertion) */
const UI_WAIT_MS = 30000;

/** every node type this package has: one folder under nodes/ with its editor file */
function packageNodeTypes(): string[] {
  const dir = path.join(ROOT, 'nodes');
  return fs
    .readdirSync(dir)
    .filter((t) => fs.existsSync(path.join(dir, t, `${t}.html`)))
    .sort();
}

/** the first sentence of a node's help, as plain text */
function helpSnippet(type: string): string {
  const html = fs.readFileSync(path.join(ROOT, 'nodes', type, 'locales', 'en-US', `${type}.html`), 'utf8');
  const firstP = /<p>([\s\S]*?)<\/p>/.exec(html);
  assert.ok(firstP, `${type}: help has no paragraph`);
  const text = firstP[1]
    .replace(/<[^>]+>/g, '')
    .replace(/&[a-z]+;/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return text.split(/[.:;(]/)[0].slice(0, 50).trim();
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('the demo in a real browser (e2e)', function () {
  this.timeout(180000);
  let demo: Demo;
  let browser: Browser;
  let userDir: string;

  before(async function () {
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'solar-bus-demo-'));
    demo = await startDemo({ port: 0, userDir });
    browser = await launchChromium();
  });

  after(async function () {
    await browser?.close();
    await demo?.stop();
    if (userDir) fs.rmSync(userDir, { recursive: true, force: true });
  });

  describe('editor', function () {
    let page: Page;
    let errors: string[];
    const types = packageNodeTypes();

    before(async function () {
      page = await browser.newPage();
      errors = pageErrors(page);
      await page.goto(demo.editorUrl);
      await page.waitForFunction('typeof RED !== "undefined" && RED.nodes && document.querySelectorAll(".red-ui-palette-node[data-palette-type=\\"inject\\"]").length > 0 && RED.nodes.filterNodes({}).length > 0', undefined, { timeout: 60000 });
      await screenshot(page, 'editor');
    });

    // a failed step can leave its dialog open; close it so the next test starts from the workspace
    afterEach(async function () {
      if (this.currentTest?.state !== 'failed') return;
      await page.evaluate('for (let i = 0; i < 5 && document.querySelector(".red-ui-tray"); i++) RED.tray.close()');
    });

    after(async function () {
      await page?.close();
    });

    it('has the eleven node types of the package', function () {
      assert.deepEqual(types, ['kaco-inverter', 'kaco-read', 'pv-cache', 'pv-watchdog', 'rs485-bus', 'sma-inverter', 'sma-read', 'xw-command', 'xw-inverter', 'xw-peak-shaving', 'xw-poll']);
    });

    it('knows every node type; every flow node type is in the palette under "solar bus", config types are not', async function () {
      for (const type of types) {
        const category = await page.evaluate(`(RED.nodes.getType(${JSON.stringify(type)}) || {}).category`);
        assert.ok(category, `${type} is not registered in the editor`);
        const inPalette = await page.locator(`.red-ui-palette-node[data-palette-type="${type}"]`).count();
        if (category === 'config') assert.equal(inPalette, 0, `${type} (config) in the palette`);
        else {
          assert.equal(category, 'solar bus', `${type} category`);
          assert.equal(inPalette, 1, `${type} not in the palette`);
        }
      }
    });

    it('every example imports into the editor with no invalid node (what the editor marks with a red triangle)', async function () {
      for (const file of exampleFiles()) {
        const before = errors.length;
        const invalid = (await page.evaluate(`(() => {
          const flow = ${JSON.stringify(readExample(file))};
          const ids = new Set(flow.map((n) => n.id));
          // the dashboard example is deployed already (the demo): check it as it is
          const known = (n) => RED.nodes.node(n.id) || RED.nodes.workspace(n.id);
          if (!flow.some(known)) RED.view.importNodes(flow, { generateIds: false, addFlow: false });
          const bad = [];
          RED.nodes.eachNode((n) => { if (ids.has(n.id) && n.valid === false) bad.push(n.type + ' ' + n.id); });
          RED.nodes.eachConfig((n) => { if (ids.has(n.id) && n.valid === false) bad.push(n.type + ' ' + n.id); });
          for (const n of flow) if (!known(n)) bad.push('not imported: ' + n.type + ' ' + n.id);
          return bad;
        })()`)) as string[];
        assert.deepEqual(invalid, [], `${file}: invalid nodes`);
        assert.deepEqual(errors.slice(before), [], `${file}: console errors on import`);
      }
      await screenshot(page, 'editor-examples-imported');
    });

    it('every inverter and bus config node the examples use counts its users (no "unused configuration nodes")', async function () {
      const unused = (await page.evaluate(`(() => {
        const bad = [];
        RED.nodes.eachConfig((c) => {
          if (['xw-inverter', 'kaco-inverter', 'rs485-bus'].includes(c.type) && c.users.length === 0) bad.push(c.type + ' ' + RED.utils.getNodeLabel(c, c.id));
        });
        return bad;
      })()`)) as string[];
      assert.deepEqual(unused, []);
      // and an inverter's label names its bus
      const labels = (await page.evaluate(`(() => { const l = []; RED.nodes.eachConfig((c) => { if (c.type === 'xw-inverter') l.push(RED.utils.getNodeLabel(c, c.id)); }); return l; })()`)) as string[];
      assert.ok(labels.length > 0 && labels.every((l) => / · /.test(l)), `labels: ${labels.join(', ')}`);
    });

    it('xw-poll creates a new rs485-bus and xw-inverter from its own dialog (Add new…, +), both valid, users counted', async function () {
      const before = errors.length;
      const id = 'e2e-palette-xw-poll';
      await page.evaluate(`(() => {
        RED.view.importNodes([{ id: ${JSON.stringify(id)}, type: 'xw-poll', z: RED.workspaces.active(), x: 300, y: 700, inverters: [], interval: 10, energyInterval: 300, shape: 'readings', valueField: 'battery_power', measurement: 'xw', name: '', wires: [[], [], []] }], { generateIds: false, addFlow: false });
        RED.editor.edit(RED.nodes.node(${JSON.stringify(id)}));
      })()`);
      await page.locator('#dialog-form').waitFor({ state: 'visible', timeout: UI_WAIT_MS });
      const list = page.locator('#dialog-form .node-input-inverters-row');
      await list.locator('.red-ui-editableList-addButton').click();
      // the new row is Node-RED's config select: "Add new xw-inverter…", its + opens the config tray
      await list.locator('a[id$="-add"]').last().click();
      await page.locator('#node-config-input-unit').waitFor({ state: 'visible', timeout: UI_WAIT_MS });
      await page.locator('#node-config-input-btn-bus-add').click();
      await page.locator('#node-config-input-serialPort').waitFor({ state: 'visible', timeout: UI_WAIT_MS });
      // a new bus is valid at once: pause comes up 0, not empty and red
      assert.equal(await page.locator('#node-config-input-pause').inputValue(), '0');
      await page.locator('#node-config-input-name').fill('palette bus');
      await page.locator('#node-config-input-serialPort').fill('/dev/ttyNOPE0');
      await screenshot(page, 'dialog-new-rs485-bus');
      await page.locator('#node-config-dialog-ok').last().click();
      await page.locator('#node-config-input-serialPort').waitFor({ state: 'detached', timeout: UI_WAIT_MS });
      await page.locator('#node-config-input-unit').fill('11');
      await screenshot(page, 'dialog-new-xw-inverter');
      await page.locator('#node-config-dialog-ok').last().click();
      await page.locator('#node-config-input-unit').waitFor({ state: 'detached', timeout: UI_WAIT_MS });
      await screenshot(page, 'dialog-xw-poll-inverters');
      await page.locator('#node-dialog-ok').click();
      await page.locator('#dialog-form').waitFor({ state: 'detached', timeout: UI_WAIT_MS });
      const state = (await page.evaluate(`(() => {
        const n = RED.nodes.node(${JSON.stringify(id)});
        const inv = RED.nodes.node(n.inverters[0]);
        const bus = inv && RED.nodes.node(inv.bus);
        return { refs: n.inverters.length, valid: n.valid, inverterValid: inv && inv.valid, unit: inv && Number(inv.unit), busValid: bus && bus.valid, busPause: bus && bus.pause,
          inverterUsers: inv ? inv.users.map((u) => u.id) : [], busUsers: bus ? [...new Set(bus.users.map((u) => u.id))] : [], inverterId: inv && inv.id, label: inv && RED.utils.getNodeLabel(inv, inv.id) };
      })()`)) as Record<string, unknown>;
      assert.equal(state.refs, 1);
      assert.equal(state.valid, true, 'xw-poll valid');
      assert.notEqual(state.inverterValid, false, 'xw-inverter valid');
      assert.notEqual(state.busValid, false, 'rs485-bus valid');
      assert.equal(state.unit, 11);
      assert.deepEqual(state.inverterUsers, [id]);
      // (core may list the new inverter twice among the bus's users; what matters is who)
      assert.deepEqual(state.busUsers, [state.inverterId]);
      assert.equal(state.label, 'XW 11 · palette bus');
      // removing the user leaves the inverter unused again
      const after = await page.evaluate(`(() => { const n = RED.nodes.node(${JSON.stringify(id)}); const inv = n.inverters[0]; RED.nodes.remove(n.id); RED.view.redraw(true); return RED.nodes.node(inv).users.length; })()`);
      assert.equal(after, 0);
      assert.deepEqual(errors.slice(before), [], 'console errors');
    });

    for (const type of packageNodeTypes()) {
      it(`${type}: edit dialog opens and closes with no console error, help shows`, async function () {
        const before = errors.length;
        const isConfig = (await page.evaluate(`RED.nodes.getType(${JSON.stringify(type)}).category`)) === 'config';
        if (isConfig) {
          await page.evaluate(`RED.editor.editConfig("", ${JSON.stringify(type)}, "_ADD_")`);
          await page.locator(`#node-config-dialog-edit-form`).waitFor({ state: 'visible', timeout: UI_WAIT_MS });
          assert.ok((await page.locator('#node-config-dialog-edit-form [id^="node-config-input-"]').count()) > 0, `${type}: no input in the dialog`);
          await sleep(300);
          await screenshot(page, `dialog-${type}`);
          await page.locator('#node-config-dialog-cancel').click();
          await page.locator('#node-config-dialog-edit-form').waitFor({ state: 'detached', timeout: UI_WAIT_MS });
        } else {
          const id = `e2e-${type}`;
          await page.evaluate(`(() => {
            const def = RED.nodes.getType(${JSON.stringify(type)});
            const n = { id: ${JSON.stringify(id)}, type: ${JSON.stringify(type)}, z: RED.workspaces.active(), x: 400, y: 500, wires: [] };
            for (const k of Object.keys(def.defaults)) n[k] = JSON.parse(JSON.stringify(def.defaults[k].value === undefined ? "" : def.defaults[k].value));
            RED.view.importNodes([n], { generateIds: false, addFlow: false });
            RED.editor.edit(RED.nodes.node(${JSON.stringify(id)}));
          })()`);
          await page.locator('#dialog-form').waitFor({ state: 'visible', timeout: UI_WAIT_MS });
          assert.ok((await page.locator('#dialog-form [id^="node-input-"]').count()) > 0, `${type}: no input in the dialog`);
          await sleep(300);
          await screenshot(page, `dialog-${type}`);
          await page.locator('#node-dialog-cancel').click();
          await page.locator('#dialog-form').waitFor({ state: 'detached', timeout: UI_WAIT_MS });
          await page.evaluate(`(() => { const n = RED.nodes.node(${JSON.stringify(id)}); if (n) { RED.nodes.remove(n.id); RED.view.redraw(true); } })()`);
        }
        await page.evaluate(`RED.sidebar.help.show(${JSON.stringify(type)})`);
        const snippet = helpSnippet(type);
        await page.locator('#red-ui-sidebar').getByText(snippet, { exact: false }).first().waitFor({ state: 'visible', timeout: UI_WAIT_MS });
        await sleep(200);
        assert.deepEqual(errors.slice(before), [], `${type}: console errors`);
      });
    }
  });

  describe('dashboard', function () {
    let page: Page;
    let errors: string[];

    before(async function () {
      page = await browser.newPage();
      errors = pageErrors(page);
      await page.goto(demo.dashboardUrl);
    });

    after(async function () {
      await page?.close();
    });

    const groupText = (title: string): Promise<string> => page.locator('.nrdb-ui-group', { hasText: title }).first().innerText();

    it('shows the XW states, battery gauges, KACO and SMA PV power and yield, and the values change', async function () {
      assert.equal(readExample('4 Dashboard.json').filter((n) => n.type === 'function').length, 0, 'example 4 has no function node');
      const units = page.locator('.nrdb-ui-group', { hasText: 'XW unit states' }).first();
      await units.getByText('XW 3').waitFor({ timeout: 30000 });
      for (const unit of ['XW 1', 'XW 2', 'XW 3']) assert.match(await units.innerText(), new RegExp(unit));
      assert.match(await units.innerText(), /Operating/);
      await page.getByText('Battery voltage').first().waitFor();
      await page.getByText('PV power').first().waitFor();
      // yield today: the plant's total in kWh straight from kaco-read's msg.gauges.e_day_kwh
      const yieldShown = /Yield today \(kWh\)\s+\d+(\.\d)?/;
      const yieldUntil = Date.now() + 30000;
      while (!yieldShown.test(await groupText('KACO PV')) && Date.now() < yieldUntil) await sleep(500);
      assert.match(await groupText('KACO PV'), yieldShown);
      // the Sunny Boy on its own 1200-baud line: discovery and channel list first, then its yield from sma-read's msg.gauges
      const smaShown = /SMA yield today \(kWh\)\s+\d+(\.\d)?/;
      const smaUntil = Date.now() + 45000;
      while (!smaShown.test(await groupText('SMA PV')) && Date.now() < smaUntil) await sleep(500);
      assert.match(await groupText('SMA PV'), smaShown);
      const first = await groupText('XW unit states');
      await screenshot(page, 'dashboard');
      // xw-poll reads every 5 s; the simulated values move with time
      const until = Date.now() + 20000;
      let later = first;
      while (later === first && Date.now() < until) {
        await sleep(500);
        later = await groupText('XW unit states');
      }
      assert.notEqual(later, first, 'the unit table did not change in 20 s');
      const batteryVolts = (text: string): number[] => [...text.matchAll(/\b(5\d\.\d+)\b/g)].map((m) => Number(m[1]));
      assert.ok(batteryVolts(later).length >= 3, `battery voltages in: ${later}`);
      // one chart of AC power with a line per unit (the cache's history) and one of battery power per unit (live)
      assert.equal(await page.locator('.nrdb-ui-group', { hasText: 'AC power per unit' }).locator('canvas').count(), 2, 'AC power (history) and battery power (live) charts');
      assert.deepEqual(errors, [], 'console errors on the dashboard');
      assert.deepEqual(await negativeSvgSizes(page), [], 'gauges left with a negative size');
    });

    it('"rest" shows a verified report per unit, and the simulated units are at rest', async function () {
      const xw = demo.fleet.xw;
      assert.ok(xw);
      await page.getByRole('button', { name: 'rest', exact: true }).click();
      const last = page.locator('.nrdb-ui-group', { hasText: 'XW commands' }).first();
      await last.getByText(/rest: 3 of 3 units verified in \d+ ms/).waitFor({ timeout: 20000 });
      const report = page.locator('.nrdb-ui-group', { hasText: 'Report per unit' }).first();
      const rows = await report.locator('tbody tr').allInnerTexts();
      const byUnit = Object.fromEntries(rows.map((r) => [r.split(/\t|\n/)[0].trim(), r]));
      // the demo starts XW 1 charging, XW 2 selling, XW 3 at rest
      assert.match(byUnit['XW 1'], /yes\s+written/);
      assert.match(byUnit['XW 2'], /yes\s+written/);
      assert.match(byUnit['XW 3'], /yes\s+skipped/);
      // before → after in the writer's words; what was already right says so
      assert.match(byUnit['XW 1'], /charger on → off, sell off \(already\)/);
      assert.match(byUnit['XW 2'], /charger off \(already\), sell on → off/);
      assert.match(byUnit['XW 3'], /charger off \(already\), sell off \(already\)/);
      // what the units report (Charger Enabled 72, Sell Enabled 73) agrees with the report
      for (const unit of xw.units) assert.deepEqual(xw.device.readHolding(unit, 72, 2), [0, 0], `unit ${unit} charger/sell enabled`);
      await screenshot(page, 'dashboard-after-rest');
      assert.deepEqual(errors, [], 'console errors on the dashboard');
    });

    it('standby asks first; cancelling says so and sends nothing', async function () {
      const xw = demo.fleet.xw;
      assert.ok(xw);
      const writesBefore = xw.units.map((u) => xw.sim.writeCount(u));
      await page.getByRole('button', { name: 'standby', exact: true }).click();
      const cancel = page.getByRole('button', { name: 'Cancel' });
      await cancel.waitFor({ timeout: UI_WAIT_MS });
      await page.getByText(/Put every XW unit in standby/).waitFor();
      await screenshot(page, 'dashboard-standby-confirmation');
      await cancel.click();
      // the flow says the cancel reached it and took the branch that sends nothing: a barrier, not a sleep
      await page.locator('.nrdb-ui-group', { hasText: 'XW commands' }).first().getByText('standby cancelled: nothing sent').waitFor({ timeout: UI_WAIT_MS });
      assert.deepEqual(
        xw.units.map((u) => xw.sim.writeCount(u)),
        writesBefore,
        'a write reached the units',
      );
      for (const unit of xw.units) assert.deepEqual(xw.device.readHolding(unit, 358, 1), [3], `unit ${unit} left operating`);
    });

    it('a unit that stops answering reads "offline since HH:MM" with empty numbers, and comes back', async function () {
      const xw = demo.fleet.xw;
      assert.ok(xw);
      const units = page.locator('.nrdb-ui-group', { hasText: 'XW unit states' }).first();
      const dead = xw.units[2];
      xw.device.setDead(dead, true);
      try {
        const row = units.locator('tbody tr', { hasText: 'XW 3' });
        await row.getByText(/offline since \d\d:\d\d/).waitFor({ timeout: 30000 });
        const text = await row.innerText();
        assert.doesNotMatch(text, /\b5\d\.\d+\b/, `no battery voltage left frozen in: ${text}`);
        // the summed gauge (battery power) shows no number rather than the sum of two units
        const power = page.locator('.nrdb-ui-gauge', { hasText: 'Battery power' }).locator('.nrdb-ui-gauge-value span').first();
        const powerUntil = Date.now() + 15000;
        while ((await power.innerText()).trim() !== '' && Date.now() < powerUntil) await sleep(250);
        assert.equal((await power.innerText()).trim(), '', 'battery power gauge empty while a unit is offline');
        await screenshot(page, 'dashboard-unit-offline');
      } finally {
        xw.device.setDead(dead, false);
      }
      await units.locator('tbody tr', { hasText: 'XW 3' }).getByText(/Operating/).waitFor({ timeout: 30000 });
      assert.deepEqual(errors, [], 'console errors on the dashboard');
    });
  });
});

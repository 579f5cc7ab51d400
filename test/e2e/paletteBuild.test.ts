/**
 * A new user's way in, in a real editor (headless Chromium on a real Node-RED): palette labels
 * and icons, the rs485-bus dialog a user can read, and, from an empty workspace by mouse and
 * keyboard only, the seed's flows (xw-poll on 3 units → influxdb out, xw-command, kaco-read on 3
 * inverters) built, deployed with no warning, running against the simulators, valid after a reload.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { DEFAULT_KACO, DEFAULT_XW, startSimFleet, type SimFleet } from '../../lib/sim/simFleet';
import { startInfluxd, type Influxd } from '../support/influxd';
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
  let fleet: SimFleet;
  let influx: Influxd;

  before(async function () {
    fleet = await startSimFleet({ host: '127.0.0.1', xw: { ...DEFAULT_XW, count: 3 }, kaco: { ...DEFAULT_KACO, count: 3, startHour: 10 } });
    influx = await startInfluxd();
    await influx.command('CREATE DATABASE solar');
    nr = await startNodeRed({ flows: [], companions: ['node-red-contrib-influxdb'] });
    browser = await launchChromium();
    page = await browser.newPage();
    errors = pageErrors(page);
    await page.goto(nr.url);
    await page.waitForFunction('typeof RED !== "undefined" && RED.nodes && document.querySelectorAll(".red-ui-palette-node[data-palette-type=\\"xw-poll\\"]").length > 0', undefined, { timeout: 60000 });
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && page) await screenshot(page, `palette-build-failed-${this.currentTest.title.slice(0, 20).replace(/\W+/g, '-')}`);
  });

  after(async function () {
    await browser?.close();
    await nr?.stop();
    await influx?.close();
    await fleet?.close();
  });

  describe('from an empty workspace, by mouse and keyboard', function () {
    const ids = async (): Promise<string[]> => (await page.evaluate('(() => { const a = []; RED.nodes.eachNode((n) => a.push(n.id)); RED.nodes.eachConfig((n) => a.push(n.id)); return a; })()')) as string[];

    /** Drags a node type from the palette onto the canvas at (x, y) of the workspace; returns the new node's id. */
    async function drop(type: string, x: number, y: number): Promise<string> {
      const before = new Set(await ids());
      // as a user finds a node: typing its name into the palette's filter
      await page.locator('#red-ui-palette-search input').fill('');
      await page.locator('#red-ui-palette-search input').pressSequentially(type);
      const item = page.locator(`.red-ui-palette-node[data-palette-type="${type}"]`);
      await item.waitFor({ state: 'visible', timeout: 5000 });
      // the filtered palette settles (categories close and open) before the node is grabbed
      let from = await item.boundingBox();
      for (let settled = 0; settled < 3; ) {
        await page.waitForTimeout(150);
        const now = await item.boundingBox();
        settled = now && from && now.y === from.y && now.x === from.x ? settled + 1 : 0;
        from = now;
      }
      const chart = await page.locator('#red-ui-workspace-chart').boundingBox();
      assert.ok(from && chart);
      // at a hand's pace: jQuery UI's draggable starts after a few pixels, the drop needs the pointer over the canvas
      const x0 = from.x + from.width / 2;
      const y0 = from.y + from.height / 2;
      await page.mouse.move(x0, y0);
      await page.mouse.down();
      for (let i = 1; i <= 20; i++) {
        await page.mouse.move(x0 + ((chart.x + x - x0) * i) / 20, y0 + ((chart.y + y - y0) * i) / 20);
        await page.waitForTimeout(15);
      }
      await page.waitForTimeout(100);
      await page.mouse.up();
      let own: string[] = [];
      const until = Date.now() + 5000;
      while (own.length === 0 && Date.now() < until) {
        const added = (await ids()).filter((id) => !before.has(id));
        own = (await page.evaluate(`(${JSON.stringify(added)}).filter((id) => RED.nodes.node(id) && RED.nodes.node(id).type === ${JSON.stringify(type)})`)) as string[];
        if (own.length === 0) await page.waitForTimeout(100);
      }
      if (own.length !== 1) await page.screenshot({ path: `/tmp/drop-${type.replace(/\W/g, '-')}-failed.png` });
      assert.equal(own.length, 1, `one ${type} dropped`);
      return own[0];
    }

    const nodeOnCanvas = (id: string): Locator => page.locator(`#red-ui-workspace-chart g.red-ui-flow-node-group[id="${id}"]`);

    async function openDialog(id: string): Promise<void> {
      await nodeOnCanvas(id).locator('.red-ui-flow-node').dblclick();
      await page.locator('#dialog-form').waitFor({ state: 'visible', timeout: 10000 });
    }

    async function done(): Promise<void> {
      await page.locator('#node-dialog-ok').click();
      await page.locator('#dialog-form').waitFor({ state: 'detached', timeout: 10000 });
    }

    /** Done in the config tray on top. */
    async function configDone(field: string): Promise<void> {
      await page.locator('#node-config-dialog-ok').last().click();
      await page.locator(field).waitFor({ state: 'detached', timeout: 10000 });
    }

    async function wire(from: string, output: number, to: string): Promise<void> {
      const a = await nodeOnCanvas(from).locator('.red-ui-flow-port-output').nth(output).boundingBox();
      const b = await nodeOnCanvas(to).locator('.red-ui-flow-port-input').boundingBox();
      assert.ok(a && b, `ports of ${from} and ${to}`);
      await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
      await page.mouse.down();
      await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 10 });
      await page.mouse.up();
    }

    /** A new row in the open dialog's inverter list; returns its config select. */
    async function addRow(): Promise<Locator> {
      // the form row holding the list (xw-poll and kaco-read mark it; xw-command's is the row of its <ol>)
      const list = page.locator('#dialog-form .form-row').filter({ has: page.locator('.red-ui-editableList-addButton') }).first();
      await list.locator('.red-ui-editableList-addButton').click();
      return list.locator('select.solarbus-inverter-ref').last();
    }

    /** In a new row: "Add new …", then its + button, which opens the config tray for the inverter. */
    async function addNewInverter(field: string): Promise<void> {
      const select = await addRow();
      await select.selectOption('_ADD_');
      await page.locator('#dialog-form .red-ui-editableList-container li').last().locator('a[id$="-add"]').click();
      await page.locator(field).waitFor({ state: 'visible', timeout: 10000 });
    }

    /** The bus dialog, opened from the inverter's bus select, filled for a simulator line. */
    async function newBus(name: string, line: Record<string, string | number | boolean>): Promise<void> {
      await page.locator('#node-config-input-bus').selectOption('_ADD_');
      await page.locator('a#node-config-input-bus-add, #node-config-input-btn-bus-add, a[id$="-bus-add"]').first().click();
      await page.locator('#node-config-input-serialPort').waitFor({ state: 'attached', timeout: 10000 });
      await page.locator('#node-config-input-name').last().fill(name);
      await page.locator('#node-config-input-connection').selectOption(String(line.connection));
      await page.locator('#node-config-input-host').fill(String(line.host));
      await page.locator('#node-config-input-tcpPort').fill(String(line.tcpPort));
      if (line.lineBaudRate !== undefined) await page.locator('#node-config-input-lineBaudRate').fill(String(line.lineBaudRate));
      await configDone('#node-config-input-serialPort');
    }

    it('builds xw-poll → influxdb out, xw-command and kaco-read; deploys with no warning; the flows run; a reload shows every node valid', async function () {
      const xwLine = fleet.xw?.bus;
      const kacoLine = fleet.kaco?.bus;
      assert.ok(xwLine && kacoLine);
      const before = errors.length;

      // xw-poll: a new bus and three new inverters, all from its own dialog
      const poll = await drop('xw-poll', 200, 120);
      await openDialog(poll);
      for (const unit of [10, 11, 12]) {
        await addNewInverter('#node-config-input-unit');
        // the first makes the bus; the next ones come up on it
        if (unit === 10) await newBus('xw bus', xwLine);
        else assert.equal((await page.locator('#node-config-input-bus option:checked').innerText()).trim(), 'xw bus', `xw-inverter ${unit} comes up on the bus in use`);
        await page.locator('#node-config-input-unit').fill(String(unit));
        if (unit === 11) await page.locator('.red-ui-tray').last().screenshot({ path: docsImage('xw-inverter-dialog.png') });
        await configDone('#node-config-input-unit');
      }
      await page.locator('#node-input-interval').fill('2');
      await page.locator('.red-ui-tray').last().screenshot({ path: docsImage('xw-poll-dialog.png') });
      await done();

      // influxdb out with a new server, wired from xw-poll's readings
      const influxOut = await drop('influxdb out', 480, 120);
      await openDialog(influxOut);
      await page.locator('#node-input-influxdb').selectOption('_ADD_');
      await page.locator('a[id$="-influxdb-add"], #node-input-lookup-influxdb').first().click();
      await page.locator('#node-config-input-hostname').waitFor({ state: 'visible', timeout: 10000 });
      await page.locator('#node-config-input-hostname').fill(influx.host);
      await page.locator('#node-config-input-port').fill(String(influx.port));
      await page.locator('#node-config-input-database').fill('solar');
      await configDone('#node-config-input-hostname');
      await done();
      await wire(poll, 0, influxOut);

      // xw-command reusing the three inverters
      const command = await drop('xw-command', 200, 240);
      await openDialog(command);
      const inverterIds = (await page.evaluate(`(() => { const a = []; RED.nodes.eachConfig((n) => { if (n.type === 'xw-inverter') a.push(n.id); }); return a; })()`)) as string[];
      assert.equal(inverterIds.length, 3, 'three xw-inverter config nodes were made');
      for (const id of inverterIds) await (await addRow()).selectOption(id);
      await done();

      // kaco-read: its own bus and three new kaco-inverters
      const kaco = await drop('kaco-read', 200, 360);
      await openDialog(kaco);
      for (const address of [1, 2, 3]) {
        await addNewInverter('#node-config-input-address');
        if (address === 1) await newBus('kaco bus', kacoLine);
        else assert.equal((await page.locator('#node-config-input-bus option:checked').innerText()).trim(), 'kaco bus', `kaco-inverter ${address} comes up on the bus of the last one`);
        await page.locator('#node-config-input-address').fill(String(address));
        await configDone('#node-config-input-address');
      }
      await page.locator('#node-input-interval').fill('5');
      await done();
      await page.locator('#red-ui-palette-search input').fill('');
      await screenshot(page, 'palette-built');

      // Deploy: no "unused configuration nodes", no warning of any kind
      await page.locator('#red-ui-header-button-deploy').click();
      // deployed (the button greys out), or a confirmation ("not properly configured", "unused configuration nodes") came up
      await page.waitForFunction(`document.querySelector('#red-ui-header-button-deploy').classList.contains('disabled') || !!document.querySelector('.red-ui-notification .red-ui-notification-buttons, .red-ui-notification button')`, undefined, { timeout: 20000 });
      const confirm = page.locator('.red-ui-notification').filter({ has: page.locator('button') });
      assert.equal(await confirm.count(), 0, `deploy asked: ${(await confirm.allTextContents()).join(' | ')}`);
      const notices = await page.locator('.red-ui-notification').allTextContents();
      assert.ok(notices.every((t) => !/unused|invalid|warning|error/i.test(t)), `no warning: ${JSON.stringify(notices)}`);
      assert.equal(await page.locator('.red-ui-notification .red-ui-notification-warning, .red-ui-notification-error').count(), 0);
      const unused = (await page.evaluate(`(() => { const a = []; RED.nodes.eachConfig((n) => { if (n.users.length === 0 && n._def.category === 'config' && !n._def.exclusive) a.push(n.type + ' ' + n.id); }); return a; })()`)) as string[];
      assert.deepEqual(unused, [], 'every config node is used');

      // running: the nodes' statuses (as the editor shows them) and the points in InfluxDB
      const statusText = (id: string): Promise<string> => nodeOnCanvas(id).locator('.red-ui-flow-node-status-label').textContent().then((t) => t ?? '');
      const statusIs = (id: string, pattern: string): Promise<unknown> =>
        page.waitForFunction(
          ([nodeId, re]) => {
            const t = document.querySelector(`g.red-ui-flow-node-group[id="${nodeId}"] .red-ui-flow-node-status-label`);
            return !!t && new RegExp(re).test(t.textContent ?? '');
          },
          [id, pattern],
          { timeout: 30000 },
        );
      await statusIs(poll, '^3/3 ok');
      await statusIs(kaco, '^3 ok');
      assert.match(await statusText(poll), /^3\/3 ok/);
      let points = 0;
      const deadline = Date.now() + 20000;
      while (points === 0 && Date.now() < deadline) {
        const series = await influx.query('solar', 'SELECT count(*) FROM /.*/').catch(() => []);
        points = series.length;
        if (points === 0) await new Promise((r) => setTimeout(r, 250));
      }
      assert.ok(points > 0, 'xw-poll readings reached InfluxDB through influxdb out');
      await screenshot(page, 'palette-running');

      // reload: every node valid, nothing changed
      await page.reload();
      await page.waitForFunction(`typeof RED !== 'undefined' && RED.nodes && RED.nodes.node(${JSON.stringify(poll)})`, undefined, { timeout: 60000 });
      const invalid = (await page.evaluate(`(() => { const a = []; const check = (n) => { if (n.valid === false) a.push(n.type + ' ' + n.id); }; RED.nodes.eachNode(check); RED.nodes.eachConfig(check); return a; })()`)) as string[];
      assert.deepEqual(invalid, []);
      const counts = (await page.evaluate(`(() => { const c = {}; const add = (n) => { c[n.type] = (c[n.type] || 0) + 1; }; RED.nodes.eachNode(add); RED.nodes.eachConfig(add); return c; })()`)) as Record<string, number>;
      for (const [type, n] of Object.entries({ 'xw-poll': 1, 'xw-command': 1, 'kaco-read': 1, 'influxdb out': 1, influxdb: 1, 'rs485-bus': 2, 'xw-inverter': 3, 'kaco-inverter': 3 })) assert.equal(counts[type], n, type);
      assert.deepEqual(errors.slice(before), [], 'console errors');
    });
  });

  describe('palette and the rs485-bus dialog', function () {
    before(async function () {
      await page.locator('#red-ui-palette-search input').click();
      await page.keyboard.press('Control+A');
      await page.keyboard.press('Backspace');
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
});

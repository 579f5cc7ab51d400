/**
 * SMA in a real editor (headless Chromium on a real Node-RED), from an empty workspace by mouse
 * and keyboard only: sma-read with a new Speedwire sma-inverter (a refused logon test, the hold
 * after it, a test that passes), wired to a debug node and deployed with no warning; a second
 * sma-inverter on SMA Data1 with a new rs485-bus on a pty at 1200 baud, found by the dialog's
 * Scan on the deployed bus; both read; after a reload every node valid and no password in /flows.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { SmaData1Sim } from '../../lib/sim/smaData1Sim';
import type { SmaSimDeviceSpec } from '../../lib/sim/smaData2Values';
import { SmaSpeedwireSim } from '../../lib/sim/smaSpeedwireSim';
import { NOON, SMC } from '../sma/smaSimBus';
import { startNodeRed, type NodeRedProcess } from '../support/nodeRedProcess';
import { launchChromium, pageErrors, screenshot, TEST_OUTPUT, type Browser } from './support/browser';
import { editorHands, type EditorHands } from './support/editorHands';
import { adminJson, type FlowNode } from './support/runtimeAdmin';

/** a second Speedwire device: the logon test's hold after a refusal is per device */
const NEIGHBOUR: SmaSimDeviceSpec = { ...SMC, serial: 2100654321, name: 'SMC 5000A', ratedW: 5000 };
const DATA1_DEVICES = [
  { serial: 2001000101, type: 'SB 3000' },
  { serial: 2001000202, type: 'SB 2500' },
];
const WRONG_PASSWORD = 'wr0ng-pw';

function outputFile(name: string): string {
  fs.mkdirSync(TEST_OUTPUT, { recursive: true });
  return path.join(TEST_OUTPUT, name);
}

describe('SMA in the editor (e2e)', function () {
  this.timeout(60000);
  let speedwire: SmaSpeedwireSim;
  let neighbour: SmaSpeedwireSim;
  let data1: SmaData1Sim;
  let nr: NodeRedProcess;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let hands: EditorHands;

  before(async function () {
    speedwire = await SmaSpeedwireSim.start({ device: SMC, timeOfDay: NOON });
    neighbour = await SmaSpeedwireSim.start({ device: NEIGHBOUR, timeOfDay: NOON });
    data1 = await SmaData1Sim.start({ endpoint: { transport: 'pty' }, devices: DATA1_DEVICES, baudRate: 1200, broadcastPauseMs: [70, 200], timeOfDay: NOON });
    nr = await startNodeRed({ flows: [] });
    browser = await launchChromium();
    page = await browser.newPage();
    errors = pageErrors(page);
    hands = editorHands(page);
    await page.goto(nr.url);
    await page.waitForFunction('typeof RED !== "undefined" && RED.nodes && document.querySelectorAll(".red-ui-palette-node[data-palette-type=\\"sma-read\\"]").length > 0', undefined, { timeout: 30000 });
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && page) await screenshot(page, `sma-editor-failed-${this.currentTest.title.slice(0, 20).replace(/\W+/g, '-')}`);
  });

  after(async function () {
    await browser?.close();
    await nr?.stop();
    await data1?.close();
    await neighbour?.close();
    await speedwire?.close();
  });

  const visible = (selector: string): Promise<boolean> => page.locator(selector).first().isVisible();
  const text = async (selector: string): Promise<string> => ((await page.locator(selector).first().textContent()) ?? '').replace(/\s+/g, ' ').trim();
  /** waits until the tip at `selector` no longer says the request is under way */
  async function answered(selector: string, running: RegExp, timeoutMs: number): Promise<string> {
    await page.waitForFunction(([s, re]) => !new RegExp(re).test(document.querySelector(s)?.textContent ?? ''), [selector, running.source] as const, { timeout: timeoutMs });
    return text(selector);
  }
  /** the fields of the config tray on top marked invalid */
  const invalidFields = async (): Promise<string[]> => page.locator('.red-ui-tray').last().locator('.input-error').evaluateAll((es) => es.map((e) => e.id));
  const flowsOnDisk = (): string => fs.readFileSync(path.join(nr.userDir, 'flows.json'), 'utf8');
  async function deployedWithNoWarning(): Promise<void> {
    const { asked, notices } = await hands.deploy();
    assert.deepEqual(asked, [], 'deployed with no question');
    assert.ok(notices.length > 0 && notices.every((t) => !/unused|invalid|warning|error/i.test(t)), `no warning: ${JSON.stringify(notices)}`);
  }
  /** the topics of the messages in the debug sidebar ("sma/2100123456 : msg.payload : array[2]") */
  const debugTopics = async (): Promise<string[]> => (await page.locator('.red-ui-debug-msg .red-ui-debug-msg-topic').allTextContents()).map((t) => t.split(' : ')[0]);

  let read: string;

  it('sma-read with a new Speedwire sma-inverter: the logon test refuses a wrong password, holds the next test back, passes; deployed with no warning, it reads', async function () {
    assert.equal(await text('.red-ui-palette-node[data-palette-type="sma-read"] .red-ui-palette-label'), 'sma read');
    read = await hands.drop('sma-read', 200, 120);
    await hands.openDialog(read);
    await hands.addNewInverter('#node-config-input-transport');
    await page.locator('#node-config-input-name').last().fill('garage');
    await page.locator('#node-config-input-transport').selectOption('bluetooth');
    for (const id of ['bus', 'btAddress', 'password', 'group']) assert.equal(await visible(`#node-config-input-${id}`), true, `Bluetooth: ${id} shown`);
    for (const id of ['address', 'framing', 'host']) assert.equal(await visible(`#node-config-input-${id}`), false, `Bluetooth: ${id} hidden`);
    assert.equal(await visible('#sma-inverter-scan'), false, 'Bluetooth: no scan');
    await page.locator('#node-config-input-transport').selectOption('speedwire');
    assert.equal(await visible('#node-config-input-bus'), false, 'Speedwire: no bus row');
    assert.equal(await visible('#sma-inverter-scan'), false, 'Speedwire: no scan');
    assert.equal(await visible('#node-config-input-address'), false, 'Speedwire: no Data1 address');
    assert.equal(await visible('#node-config-input-btAddress'), false, 'Speedwire: no Bluetooth address');
    assert.equal(await visible('#node-config-input-host'), true);
    assert.equal(await visible('#node-config-input-password'), true);
    await page.locator('#node-config-input-host').fill('127.0.0.1');
    await page.locator('#node-config-input-port').fill(String(neighbour.port));
    await page.locator('#node-config-input-password').fill(WRONG_PASSWORD);
    assert.deepEqual(await invalidFields(), [], 'a Speedwire device with host and port: no field marked invalid');

    // a wrong password: refused, as the device says it
    const logonTip = '#sma-inverter-logon-result';
    await page.locator('#sma-inverter-logon-test').click();
    assert.equal(await answered(logonTip, /logging on/, 10000), 'logon refused for user group user: wrong password');
    const logons = neighbour.device.logonRequests;
    // the right one at once: held back, the device not asked
    await page.locator('#node-config-input-password').fill('0000');
    await page.locator('#sma-inverter-logon-test').click();
    assert.match(await answered(logonTip, /logging on/, 10000), /^the last logon test was refused; wait (2\d|30) s before the next/);
    assert.equal(neighbour.device.logonRequests, logons, 'the held-back test never reached the device');
    // the hold is per device: the garage's own device (its port) is tested at once
    await page.locator('#node-config-input-port').fill(String(speedwire.port));
    await page.locator('#sma-inverter-logon-test').click();
    assert.equal(await answered(logonTip, /logging on/, 10000), `logged on: ${SMC.name}, serial ${SMC.serial}`);
    await page.locator('.red-ui-tray').last().screenshot({ path: outputFile('sma-inverter-speedwire.png') });
    await hands.configDone('#node-config-input-transport');
    await page.locator('#node-input-interval').fill('2');
    await hands.done();

    const debug = await hands.drop('debug', 480, 120);
    await hands.wire(read, 0, debug);
    await deployedWithNoWarning();
    assert.match(await hands.statusMatches(read, /^1 ok/, 15000), /^1 ok/);
    // the debug sidebar by its action (Node-RED 5's sidebar has no tab button of Node-RED 4's id)
    await page.evaluate(() => (window as unknown as { RED: { actions: { invoke(a: string): void } } }).RED.actions.invoke('core:show-debug-tab'));
    await page.locator('.red-ui-debug-msg').first().waitFor({ state: 'visible', timeout: 10000 });
    assert.ok((await debugTopics()).includes(`sma/${SMC.serial}`), `the reading, by its topic, in the debug sidebar: ${(await debugTopics()).join(', ')}`);
  });

  it('a second sma-inverter on SMA Data1 with a new rs485-bus at 1200 baud: Data1 rows only; Scan on the deployed bus lists both devices; the picked one is read', async function () {
    assert.ok(read, 'the first test made sma-read');
    await hands.openDialog(read);
    await hands.addNewInverter('#node-config-input-transport');
    await page.locator('#node-config-input-transport').selectOption('data1');
    for (const id of ['bus', 'address', 'framing']) assert.equal(await visible(`#node-config-input-${id}`), true, `Data1: ${id} shown`);
    assert.equal(await visible('#sma-inverter-scan'), true, 'Data1: Scan shown');
    for (const id of ['host', 'port', 'btAddress', 'password', 'group']) assert.equal(await visible(`#node-config-input-${id}`), false, `Data1: ${id} hidden`);
    assert.equal(await visible('#sma-inverter-logon-test'), false, 'Data1: no logon test');
    assert.deepEqual(await invalidFields(), ['node-config-input-bus', 'node-config-input-serial'], 'Data1 needs a bus and the serial');

    // the new bus, from the inverter's bus select
    await page.locator('#node-config-input-bus').selectOption('_ADD_');
    await page.locator('a[id$="-bus-add"]').first().click();
    await page.locator('#node-config-input-serialPort').waitFor({ state: 'visible', timeout: 10000 });
    await page.locator('#node-config-input-name').last().fill('sma line');
    await page.locator('#node-config-input-serialPort').fill(String(data1.clientPath));
    await page.locator('#node-config-input-baudRate').selectOption('1200');
    await hands.configDone('#node-config-input-serialPort');
    assert.equal((await page.locator('#node-config-input-bus option:checked').innerText()).trim(), 'sma line');

    // not deployed yet: the scan says so
    await page.locator('#sma-inverter-scan').click();
    assert.equal(await answered('#sma-inverter-scan-reason', /discovering/, 10000), 'deploy the bus first: the scan uses a running rs485-bus node');
    await page.locator('#node-config-input-name').last().fill('roof');
    await hands.configDone('#node-config-input-transport');
    await hands.done();

    // deployed with the serial still to find: the editor names the one node not set up
    const { asked } = await hands.deploy();
    assert.equal(asked.length, 1, `the editor asks about the unfinished node: ${JSON.stringify(asked)}`);
    assert.match(asked[0], /not properly configured/);
    assert.match(asked[0], /roof/);
    await page.locator('.red-ui-notification button').filter({ hasText: /confirm deploy/i }).click();
    await page.waitForFunction(`document.querySelector('#red-ui-header-button-deploy').classList.contains('disabled')`, undefined, { timeout: 10000 });

    // Scan on the deployed bus: both devices; the second picked from the list
    await hands.openDialog(read);
    await page.locator('#dialog-form .red-ui-editableList-container li').last().locator('a[id$="-edit"]').click();
    await page.locator('#node-config-input-transport').waitFor({ state: 'visible', timeout: 10000 });
    await page.locator('#sma-inverter-scan').click();
    const found = await answered('#sma-inverter-scan-reason', /discovering/, 25000);
    assert.match(found, /^2 found/);
    const offered = (await page.locator('#sma-inverter-found option').allTextContents()).filter((o) => /—/.test(o));
    assert.equal(offered.length, 2, `two devices offered: ${offered.join(' | ')}`);
    // in the order of the addresses the discovery gave them
    for (const d of DATA1_DEVICES) assert.ok(offered.some((o) => new RegExp(`^${d.serial} — ${d.type} @ \\d+$`).test(o)), `serial, type, address of ${d.serial}: ${offered.join(' | ')}`);
    await page.locator('#sma-inverter-found').selectOption(String(DATA1_DEVICES[1].serial));
    assert.equal(await page.locator('#node-config-input-serial').inputValue(), String(DATA1_DEVICES[1].serial), 'picking fills the serial');
    await page.locator('.red-ui-tray').last().screenshot({ path: outputFile('sma-inverter-data1-scan.png') });
    assert.deepEqual(await invalidFields(), [], 'no field marked invalid');
    await hands.configDone('#node-config-input-transport');
    await hands.done();

    await deployedWithNoWarning();
    assert.match(await hands.statusMatches(read, /^2 ok/, 30000), /^2 ok/);
    const picked = `sma/${DATA1_DEVICES[1].serial}`;
    await page.waitForFunction((topic) => Array.from(document.querySelectorAll('.red-ui-debug-msg-topic')).some((t) => (t.textContent ?? '').split(' : ')[0] === topic), picked, { timeout: 10000 });
    assert.ok(!(await debugTopics()).includes(`sma/${DATA1_DEVICES[0].serial}`), 'the device not picked is not read');
    assert.equal(data1.overlaps, 0);

    assert.equal(await text(`#red-ui-workspace-chart g.red-ui-flow-node-group[id="${read}"] .red-ui-flow-node-label`), 'sma read 2 devices');

    // the Speedwire device opened again now that there is a bus: its hidden bus select shows the bus, which is not stored
    await hands.openDialog(read);
    await page.locator('.red-ui-tray').last().screenshot({ path: outputFile('sma-read-dialog.png') });
    await page.locator('#dialog-form .red-ui-editableList-container li').first().locator('a[id$="-edit"]').click();
    await page.locator('#node-config-input-host').waitFor({ state: 'visible', timeout: 10000 });
    assert.equal(await page.locator('#node-config-input-name').last().inputValue(), 'garage');
    await hands.configDone('#node-config-input-host');
    await hands.done();
    const garageBus = await page.evaluate(`(() => { let b; RED.nodes.eachConfig((n) => { if (n.type === 'sma-inverter' && n.name === 'garage') b = n.bus; }); return b; })()`);
    assert.equal(garageBus, '', 'a Speedwire device stores no bus');
    assert.equal(await page.locator('#red-ui-header-button-deploy').evaluate((e) => e.classList.contains('disabled')), true, 'nothing changed to deploy');
  });

  it('after a reload every node is valid; the password is a credential, in neither GET /flows nor flows.json', async function () {
    assert.ok(read, 'the first test made sma-read');
    await page.reload();
    await page.waitForFunction(`typeof RED !== 'undefined' && RED.nodes && RED.nodes.node(${JSON.stringify(read)})`, undefined, { timeout: 30000 });
    const invalid = (await page.evaluate(`(() => { const a = []; const check = (n) => { if (n.valid === false) a.push(n.type + ' ' + n.id); }; RED.nodes.eachNode(check); RED.nodes.eachConfig(check); return a; })()`)) as string[];
    assert.deepEqual(invalid, []);
    assert.equal(await page.locator('#red-ui-workspace-chart .red-ui-flow-node-error').count(), 2, 'each node has its (hidden) red triangle');
    assert.equal(await page.locator('#red-ui-workspace-chart .red-ui-flow-node-error:visible').count(), 0, 'no red triangle shows');
    const counts = (await page.evaluate(`(() => { const c = {}; const add = (n) => { c[n.type] = (c[n.type] || 0) + 1; }; RED.nodes.eachNode(add); RED.nodes.eachConfig(add); return c; })()`)) as Record<string, number>;
    for (const [type, n] of Object.entries({ 'sma-read': 1, debug: 1, 'sma-inverter': 2, 'rs485-bus': 1 })) assert.equal(counts[type], n, type);

    const flows = await adminJson<{ flows: FlowNode[] }>(nr.url, '/flows');
    const inverters = flows.flows.filter((n) => n.type === 'sma-inverter');
    assert.equal(inverters.length, 2);
    for (const n of inverters) {
      assert.equal('password' in n || 'credentials' in n, false, `${String(n.name)}: no password property`);
      assert.ok(!Object.values(n).includes('0000'), `${String(n.name)}: no value is the password`);
    }
    const json = JSON.stringify(flows);
    assert.ok(!json.includes(WRONG_PASSWORD) && !flowsOnDisk().includes(WRONG_PASSWORD));
    assert.ok(!flowsOnDisk().includes('"password"'), 'flows.json holds no password');
    const creds = JSON.parse(fs.readFileSync(path.join(nr.userDir, 'flows_cred.json'), 'utf8')) as Record<string, { password?: string }>;
    const garage = inverters.find((n) => n.name === 'garage');
    assert.equal(garage && creds[garage.id]?.password, '0000', 'the password is stored as the node\'s credential');
    assert.deepEqual(errors, [], 'console errors');
  });
});

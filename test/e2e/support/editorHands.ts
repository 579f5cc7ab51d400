/**
 * A user's hands in the Node-RED editor (playwright): dragging a node from the palette, opening
 * and closing dialogs and config trays, wiring ports, a new row in an inverter list with
 * "Add new …", deploying. Mouse and keyboard only; RED is read, never driven.
 */
import assert from 'node:assert/strict';
import type { Locator, Page } from 'playwright-core';

export interface EditorHands {
  /** drags `type` from the filtered palette onto the workspace at (x, y); the new node's id */
  drop(type: string, x: number, y: number): Promise<string>;
  nodeOnCanvas(id: string): Locator;
  openDialog(id: string): Promise<void>;
  /** Done in the node's dialog */
  done(): Promise<void>;
  /** Done (Add / Update) in the config tray on top, which holds `field` */
  configDone(field: string): Promise<void>;
  wire(from: string, output: number, to: string): Promise<void>;
  /** a new row in the open dialog's inverter list; its config select */
  addRow(): Promise<Locator>;
  /** a new row, "Add new …" and its + button: the config tray opens with `field` */
  addNewInverter(field: string): Promise<void>;
  /** clicks Deploy: the confirmation the editor asked (none: deployed at once), and the notifications then showing */
  deploy(): Promise<{ asked: string[]; notices: string[] }>;
  /** the status text the editor shows under a node, once it matches */
  statusMatches(id: string, pattern: RegExp, timeoutMs: number): Promise<string>;
  /** the ids of every node and config node the editor holds */
  ids(): Promise<string[]>;
}

export function editorHands(page: Page): EditorHands {
  const ids = async (): Promise<string[]> => (await page.evaluate('(() => { const a = []; RED.nodes.eachNode((n) => a.push(n.id)); RED.nodes.eachConfig((n) => a.push(n.id)); return a; })()')) as string[];
  const nodeOnCanvas = (id: string): Locator => page.locator(`#red-ui-workspace-chart g.red-ui-flow-node-group[id="${id}"]`);

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
      await page.waitForTimeout(100);
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
    assert.equal(own.length, 1, `one ${type} dropped`);
    await page.locator('#red-ui-palette-search input').fill('');
    return own[0];
  }

  async function openDialog(id: string): Promise<void> {
    await nodeOnCanvas(id).locator('.red-ui-flow-node').dblclick();
    await page.locator('#dialog-form').waitFor({ state: 'visible', timeout: 10000 });
  }

  async function done(): Promise<void> {
    await page.locator('#node-dialog-ok').click();
    await page.locator('#dialog-form').waitFor({ state: 'detached', timeout: 10000 });
  }

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

  async function addRow(): Promise<Locator> {
    const list = page.locator('#dialog-form .form-row').filter({ has: page.locator('.red-ui-editableList-addButton') }).first();
    await list.locator('.red-ui-editableList-addButton').click();
    return list.locator('select.solarbus-inverter-ref').last();
  }

  async function addNewInverter(field: string): Promise<void> {
    const select = await addRow();
    await select.selectOption('_ADD_');
    await page.locator('#dialog-form .red-ui-editableList-container li').last().locator('a[id$="-add"]').click();
    await page.locator(field).waitFor({ state: 'visible', timeout: 10000 });
  }

  async function deploy(): Promise<{ asked: string[]; notices: string[] }> {
    // earlier notifications closed, so what shows afterwards is this deploy's
    for (const close of await page.locator('.red-ui-notification button').filter({ hasText: /^close$/i }).all()) await close.click().catch(() => undefined);
    await page.locator('#red-ui-header-button-deploy').click();
    // deployed (the button greys out, the editor says so), or a confirmation ("not properly configured") came up
    const deployed = `document.querySelector('#red-ui-header-button-deploy').classList.contains('disabled') && [...document.querySelectorAll('.red-ui-notification')].some((n) => /deployed/i.test(n.textContent))`;
    await page.waitForFunction(`(${deployed}) || !!document.querySelector('.red-ui-notification button')`, undefined, { timeout: 20000 });
    const asked = (await page.evaluate(deployed)) ? [] : await page.locator('.red-ui-notification').filter({ has: page.locator('button') }).allTextContents();
    // a warning after a deploy ("unused configuration nodes") comes with the success notification
    await page.waitForTimeout(300);
    return { asked, notices: await page.locator('.red-ui-notification').allTextContents() };
  }

  async function statusMatches(id: string, pattern: RegExp, timeoutMs: number): Promise<string> {
    const label = nodeOnCanvas(id).locator('.red-ui-flow-node-status-label');
    const until = Date.now() + timeoutMs;
    let text = '';
    while (Date.now() < until) {
      text = (await label.textContent().catch(() => '')) ?? '';
      if (pattern.test(text)) return text;
      await page.waitForTimeout(100);
    }
    throw new Error(`status of ${id} is "${text}", not ${String(pattern)}`);
  }

  return { drop, nodeOnCanvas, openDialog, done, configDone, wire, addRow, addNewInverter, deploy, statusMatches, ids };
}

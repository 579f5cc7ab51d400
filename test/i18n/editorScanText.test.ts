/**
 * The scan dialogs of xw-inverter and kaco-inverter say the endpoint's reason from its code in the
 * editor's language: their editor script runs in a sandbox (a small jQuery stand-in, RED with
 * Node-RED's catalogue lookup on our locale files), a click on Scan gets a canned answer, and the
 * tip shows the German words; an answer without a code shows its reason as sent.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import type { ScanReason } from '../../lib/status/scanReason';
import { SOURCE_NODES_DIR, translatorFor, type Translate } from './catalogs';

interface Element {
  text(value?: string): Element | string;
  empty(): Element;
  on(event: string, handler: () => void): Element;
  val(): string;
  attr(name: string, value: unknown): Element;
  appendTo(target: Element): Element;
  prop(name: string, value: unknown): Element;
}

interface EditorDefinition {
  oneditprepare(this: unknown): void;
}

/** Runs `type`'s editor script; returns its definition and what the dialog's elements show. */
function loadEditor(type: string, answer: Record<string, unknown>, words: { node: Translate; bus: Translate }) {
  const html = fs.readFileSync(path.join(SOURCE_NODES_DIR, type, `${type}.html`), 'utf8');
  const scripts = [...html.matchAll(/<script type="text\/javascript">([\s\S]*?)<\/script>/g)].map((m) => m[1]);
  const texts = new Map<string, string>();
  const options: string[] = [];
  const handlers = new Map<string, () => void>();
  const element = (selector: string): Element => {
    const el: Element = {
      text: (value?: string) => {
        if (value === undefined) return texts.get(selector) ?? '';
        texts.set(selector, value);
        if (selector === '<option>') options.push(value);
        return el;
      },
      empty: () => el,
      on: (event, handler) => {
        handlers.set(`${selector} ${event}`, handler);
        return el;
      },
      val: () => 'bus1',
      attr: () => el,
      appendTo: () => el,
      prop: () => el,
    };
    return el;
  };
  const settled = { done: (fn: (d: unknown) => void) => (fn(answer), settled), fail: () => settled, always: (fn: () => void) => (fn(), settled) };
  const $ = Object.assign((selector: unknown) => element(typeof selector === 'string' ? selector : 'this'), {
    getJSON: () => settled,
    extend: (target: object, ...sources: object[]) => Object.assign(target, ...sources),
  });
  let definition: EditorDefinition | undefined;
  const RED = {
    nodes: {
      registerType: (_t: string, d: EditorDefinition) => (definition = d),
      getType: (t: string) => (t === 'rs485-bus' ? { _: words.bus } : undefined),
    },
    validators: { number: () => () => true },
    _: (k: string) => k,
  };
  for (const code of scripts) vm.runInNewContext(code, { RED, $, window: {}, console });
  assert.ok(definition, `${type} registers its editor`);
  const node = { _: words.node };
  definition.oneditprepare.call(node);
  const click = handlers.get(`#${type}-scan click`);
  assert.ok(click, `${type} has a Scan button`);
  click();
  return { tip: texts.get(`#${type}-scan-reason`), options };
}

describe("the scan dialogs say the reason in the editor's language", () => {
  let bus: Translate;
  before(async () => {
    bus = await translatorFor('rs485-bus', 'de');
  });

  it('xw-inverter: a missing port, nothing at 10–29, a unit answering with an exception', async () => {
    const node = await translatorFor('xw-inverter', 'de');
    const down: ScanReason = { code: 'busDown', bus: { reason: { code: 'notFound', path: '/dev/ttyNOPE' } } };
    assert.equal(loadEditor('xw-inverter', { units: [], reason: 'cannot scan: port /dev/ttyNOPE not found, retrying', why: down }, { node, bus }).tip, 'Suche nicht möglich: Port /dev/ttyNOPE nicht gefunden, neuer Versuch folgt');
    const lost: ScanReason = { code: 'busDown', bus: { reason: { code: 'refused', where: '127.0.0.1:502' }, lostSince: '12:03:10' } };
    assert.equal(loadEditor('xw-inverter', { units: [], reason: '…', why: lost }, { node, bus }).tip, 'Suche nicht möglich: Verbindung verloren seit 12:03:10: Verbindung abgelehnt 127.0.0.1:502');
    assert.equal(loadEditor('xw-inverter', { units: [], reason: '…', why: { code: 'noUnit', from: 10, to: 29 } }, { node, bus }).tip, 'kein Gerät antwortete auf 10–29');
    const found = loadEditor('xw-inverter', { units: [{ unit: 10, state: 'Operating' }, { unit: 11, state: 'answered with exception 2', exception: 2 }], reason: '' }, { node, bus });
    assert.equal(found.tip, 'eine Adresse aus der Liste wählen');
    assert.deepEqual(found.options, ['10 (Operating)', '11 (antwortete mit Exception 2)']);
  });

  it('kaco-inverter: a refused server, a Modbus TCP gateway; an answer without a code shows its reason as sent', async () => {
    const node = await translatorFor('kaco-inverter', 'de');
    const refused: ScanReason = { code: 'busDown', bus: { reason: { code: 'refused', where: '127.0.0.1:4001' } } };
    assert.equal(loadEditor('kaco-inverter', { inverters: [], reason: '…', why: refused }, { node, bus }).tip, 'Suche nicht möglich: Verbindung abgelehnt 127.0.0.1:4001');
    assert.match(String(loadEditor('kaco-inverter', { inverters: [], reason: '…', why: { code: 'modbusTcpBus', link: '10.0.0.5:502' } }, { node, bus }).tip), /^Bus 10\.0\.0\.5:502 ist ein Modbus-TCP-Gateway/);
    assert.equal(loadEditor('kaco-inverter', { inverters: [], reason: 'rs485-bus "x" is used with other line settings' }, { node, bus }).tip, 'rs485-bus "x" is used with other line settings');
  });
});

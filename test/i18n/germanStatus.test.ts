/**
 * The status texts are really looked up in the locale files: a real Node-RED process with
 * settings `lang: 'de'` (the runtime's language; otherwise LANG of its environment) shows the
 * German of nodes/rs485-bus/locales/de for a missing port, in the status its editor gets (comms
 * websocket) and in the warning in its log, while msg.error stays English.
 */
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { startNodeRed, type NodeRedProcess } from '../support/nodeRedProcess';
import { waitFor } from '../support/waitFor';

interface StatusEvent {
  text?: string;
  fill?: string;
  shape?: string;
}

const GERMAN_NOPE = 'Port /dev/ttyNOPE nicht gefunden, neuer Versuch folgt';

describe('status texts in the runtime\'s language (a real Node-RED with lang "de")', function () {
  this.timeout(90000);
  let nr: NodeRedProcess | undefined;
  let ws: WebSocket | undefined;
  const statuses = new Map<string, StatusEvent[]>();

  before(async () => {
    nr = await startNodeRed({
      settings: { lang: 'de' },
      // Node-RED's own log is German too
      started: /Flows sind gestartet/,
      flows: [
        { id: 'f1', type: 'tab', label: 'de' },
        { id: 'bus1', type: 'rs485-bus', name: 'Leitung 1', connection: 'serial', serialPort: '/dev/ttyNOPE', baudRate: 19200, dataBits: 8, parity: 'none', stopBits: 1, timeout: 200, pause: 0, deadline: 800, trace: false },
        { id: 'inv10', type: 'xw-inverter', name: 'XW A', bus: 'bus1', unit: 10 },
        // one poll soon after the start: its communication status (output 3) goes to the log
        { z: 'f1', id: 'kick', type: 'inject', x: 50, y: 100, once: true, onceDelay: 1, repeat: '', payload: '', payloadType: 'date', wires: [['poll']] },
        { z: 'f1', id: 'poll', type: 'xw-poll', x: 200, y: 100, inverters: ['inv10'], interval: 0, energyInterval: 0, shape: 'readings', valueField: 'battery_power', measurement: 'xw', wires: [[], [], ['log'], [], []] },
        { z: 'f1', id: 'log', type: 'debug', name: 'comm', x: 400, y: 100, active: true, tosidebar: false, console: true, complete: 'payload.error_msg', targetType: 'msg' },
        { z: 'f1', id: 'peak', type: 'xw-peak-shaving', x: 200, y: 300, wires: [[]] },
        { z: 'f1', id: 'cmd', type: 'xw-command', x: 200, y: 200, inverters: ['inv10'], deadline: 1, wires: [[], [], []] },
      ],
    });
    const socket = new WebSocket(`ws://127.0.0.1:${nr.port}/comms`);
    ws = socket;
    socket.on('message', (data: WebSocket.RawData) => {
      for (const m of JSON.parse(String(data)) as { topic: string; data: StatusEvent }[]) {
        const id = /^status\/(.+)$/.exec(m.topic)?.[1];
        if (id) statuses.set(id, [...(statuses.get(id) ?? []), m.data]);
      }
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    // without adminAuth a subscription needs no token; retained statuses come at once
    socket.send(JSON.stringify({ subscribe: 'status/#' }));
  });

  after(async () => {
    ws?.close();
    await nr?.stop();
  });

  it('xw-poll and xw-command show the German cause of a missing port, red ring; the log has the whole German text', async () => {
    const last = (id: string): StatusEvent | undefined => statuses.get(id)?.at(-1);
    await waitFor(() => last('poll')?.text === GERMAN_NOPE && last('cmd')?.text === GERMAN_NOPE, 20000, `German status on both nodes: ${JSON.stringify([...statuses])}`);
    assert.deepEqual(last('poll'), { text: GERMAN_NOPE, fill: 'red', shape: 'ring' });
    assert.deepEqual(last('cmd'), { text: GERMAN_NOPE, fill: 'red', shape: 'ring' });
    // no status the editor got has the English cause
    for (const [id, seen] of statuses) assert.ok(!seen.some((s) => /not found, retrying/.test(String(s.text))), `${id}: ${JSON.stringify(seen)}`);
    assert.match(nr?.output() ?? '', /\[rs485-bus:Leitung 1\] Port \/dev\/ttyNOPE nicht gefunden, neuer Versuch folgt/);
  });

  it("a node's own status is German too (xw-peak-shaving waiting for data, grey ring)", async () => {
    await waitFor(() => statuses.has('peak'), 10000, 'a status of xw-peak-shaving');
    assert.deepEqual(statuses.get('peak')?.at(-1), { text: 'warte auf Netzleistung und Batterie', fill: 'grey', shape: 'ring' });
  });

  it('msg.error_msg stays English and whole: "not sent: bus down since … — port … not found, retrying"', async () => {
    const NOT_SENT = /\[debug:comm\][^\n]*not sent: bus down since \d\d:\d\d:\d\d — port \/dev\/ttyNOPE not found, retrying/;
    await waitFor(() => NOT_SENT.test(nr?.output() ?? ''), 20000, `the English error in the log:\n${nr?.output().slice(-2000) ?? ''}`);
    // the status after that poll is the bus's German cause again, not "0/1 ok"
    await waitFor(() => statuses.get('poll')?.at(-1)?.text === GERMAN_NOPE, 5000, 'German status after the poll');
  });
});

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { NodeAPI, NodeMessage } from 'node-red';
import { acquireBus, releaseBus } from '../../lib/bus/busRegistry';
import { DEFAULT_BUS_SETTINGS } from '../../lib/bus/busSettings';
import { FORMAT_8N1 } from '../../lib/bus/wireTiming';
import { openPtyPair, type PtyPair } from '../../lib/sim/ptyPair';
import { helper } from '../support/nodeRed';
import { startInfluxd, type Influxd } from '../support/influxd';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const pvWatchdog = require('../../nodes/pv-watchdog/pv-watchdog') as (RED: NodeAPI) => void;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const influxNodes = require('node-red-contrib-influxdb/influxdb.js') as (RED: NodeAPI) => void;

const DB = 'watchdog_e2e';

const until = async (cond: () => Promise<boolean>, what: string, ms = 20000): Promise<void> => {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

/** Outputs 2 and 3 wired straight into influxdb out, as the help says they can be. */
describe('pv-watchdog into a real InfluxDB', function () {
  this.timeout(60000);
  let influx: Influxd;
  let pty: PtyPair;
  let dir: string;

  before(async () => {
    influx = await startInfluxd();
    await influx.command(`CREATE DATABASE ${DB}`);
    pty = await openPtyPair();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-watchdog-influx-'));
    helper.settings({ userDir: dir });
  });
  after(async () => {
    await helper.unload();
    helper.settings({});
    await pty?.close();
    await influx?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('writes the system statistics with a point per bus, and a dry-run reason, as they are sent', async () => {
    const settings = { ...DEFAULT_BUS_SETTINGS, link: { kind: 'serial' as const, path: pty.clientPath, baudRate: 19200, format: FORMAT_8N1 }, framing: 'rtu' as const };
    const bus = acquireBus(settings, 'influx-test');
    try {
      await helper.load(
        [pvWatchdog, influxNodes],
        [
          {
            id: 'wd',
            type: 'pv-watchdog',
            checks: [{ name: 'logger', kind: 'flow', staleAfter: 900, failsToAct: 1 }],
            minUptime: 0,
            dryRun: true,
            statsInterval: 0.3,
            tags: '{"pv-location": "pv_strass"}',
            wires: [[], ['influx'], ['influx']],
          },
          { id: 'cfg', type: 'influxdb', hostname: '127.0.0.1', port: String(influx.port), database: DB, name: '', usetls: false, influxdbVersion: '1.x' },
          { id: 'influx', type: 'influxdb out', influxdb: 'cfg', name: '', measurement: '', precision: '', retentionPolicy: '', wires: [] },
        ],
        { cfg: { username: '', password: '' } },
      );
      helper.getNode('wd')!.receive({ topic: 'logger', payload: false } as NodeMessage);

      await until(async () => (await influx.query(DB, 'SELECT * FROM "system" WHERE "bus" <> \'\'')).length > 0, 'a bus point');
      const [system] = await influx.query(DB, 'SELECT uptime_node, uptime_app, ram_free_kb, load_1 FROM "system" WHERE "pv-location" = \'pv_strass\' AND "bus" = \'\'');
      assert.ok(system?.values.length, 'system points written');
      const [, uptimeNode, uptimeApp, ramFree] = system.values[0] as number[];
      assert.ok(uptimeNode > 0 && uptimeApp > 0 && ramFree > 0, JSON.stringify(system.values[0]));
      const [busSeries] = await influx.query(DB, `SELECT transactions, errors, utilisation FROM "system" WHERE "bus" = '${bus.key}'`);
      assert.deepEqual(busSeries.columns, ['time', 'transactions', 'errors', 'utilisation']);

      await until(async () => (await influx.query(DB, 'SELECT * FROM "reboot"')).length > 0, 'the dry-run reason');
      const [reboot] = await influx.query(DB, 'SELECT "check", "kind", dry_run, fails_in_row FROM "reboot"');
      assert.deepEqual(reboot.values[0].slice(1), ['logger', 'flow', true, 1]);
    } finally {
      await releaseBus(bus, 'influx-test');
    }
  });
});

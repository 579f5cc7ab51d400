/**
 * 36 inverters on one bus (node-red-contrib-modbus #374): one xw poll cycle over 36 XW units on a
 * pty, one dead among them, through the real bus. Every live unit answers, the dead one fails
 * alone, and never two requests are on the line.
 */
import assert from 'node:assert/strict';
import { acquireBus, releaseBus } from '../../lib/bus/busRegistry';
import { FORMAT_8N1 } from '../../lib/bus/wireTiming';
import { modbusClientFor } from '../../lib/modbus/modbusClient';
import { startModbusSlave } from '../../lib/sim/modbusSlave';
import { XwDevice } from '../../lib/sim/xwDevice';
import { SplitMemory } from '../../lib/xw/unitSplits';
import { XwPoller } from '../../lib/xw/xwPoller';

describe('soak: 36 inverters on one bus', function () {
  this.timeout(60000);

  it('polls 36 XW units in one cycle, one dead unit failing alone, one request on the line at a time', async () => {
    const units = Array.from({ length: 36 }, (_, i) => 10 + i);
    const device = new XwDevice(units, { live: false });
    device.setDead(30, true);
    // the simulator shares this process's event loop: the response timeout leaves room for a loaded machine's lag
    const sim = await startModbusSlave(device, { transport: 'pty' }, { baudRate: 115200, turnaroundMs: 2 });
    const bus = acquireBus({ link: { kind: 'serial', path: sim.clientPath as string, baudRate: 115200, format: FORMAT_8N1 }, framing: 'rtu', timeoutMs: 500, pauseMs: 0, deadlineMs: 20000, trace: false }, 'many');
    try {
      const poller = new XwPoller(modbusClientFor(bus), { owner: 'many', units: units.map((unit) => ({ unit, name: `XW ${unit}` })), energyIntervalMs: 0, splits: new SplitMemory() });
      for (let cycle = 0; cycle < 3; cycle++) {
        const result = await poller.cycle();
        assert.equal(result.length, 36);
        for (const r of result) assert.equal(r.ok, r.unit !== 30, `cycle ${cycle}, unit ${r.unit}: ${r.error}`);
        assert.match(result.find((r) => r.unit === 30)?.error ?? '', /did not answer|not answering/);
      }
      assert.equal(sim.overlaps, 0);
      assert.equal(sim.earlyRequests, 0);
    } finally {
      await releaseBus(bus, 'many');
      await sim.close();
    }
  });
});

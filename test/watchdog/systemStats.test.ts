import assert from 'node:assert/strict';
import type { BusCounters } from '../../lib/bus/busSettings';
import { readSystemFields, statsPoints } from '../../lib/watchdog/systemStats';

const MEMINFO = `MemTotal:        3884436 kB
MemFree:          725032 kB
MemAvailable:    2711108 kB
Buffers:          123456 kB
`;

describe('watchdog system statistics', () => {
  it('reads uptimes, memory and load with the old logger field names', () => {
    const fields = readSystemFields({
      systemUptimeS: () => 70779.574,
      appUptimeS: () => 2017303.496516,
      meminfo: () => MEMINFO,
      loadavg: () => [0.5, 0.25, 0.125],
    });
    assert.deepEqual(fields, {
      uptime_node: 70779.57,
      uptime_app: 2017303.5,
      ram_free_kb: 725032,
      ram_available_kb: 2711108,
      load_1: 0.5,
      load_5: 0.25,
      load_15: 0.125,
    });
  });

  it('leaves ram_available_kb out where the kernel does not report it', () => {
    const fields = readSystemFields({ systemUptimeS: () => 1, appUptimeS: () => 1, meminfo: () => 'MemFree: 10 kB\n', loadavg: () => [0, 0, 0] });
    assert.equal(fields.ram_free_kb, 10);
    assert.equal('ram_available_kb' in fields, false);
  });

  it('reads this host', () => {
    const fields = readSystemFields();
    assert.ok(fields.uptime_node > 0 && fields.uptime_app > 0 && fields.ram_free_kb > 0, JSON.stringify(fields));
    assert.ok(fields.uptime_node >= fields.uptime_app, 'the system was up before this process');
  });

  it('shapes points for influxdb out: the system, then one per bus tagged bus', () => {
    const counters = { transactions: 1200, errors: 7, retries: 3, utilisation: 0.43219, queueLength: 2, unreachable: ['kaco:3'] } as unknown as BusCounters;
    const bus = { key: 'serial:/dev/ttyUSB0', counters: () => counters };
    const system = readSystemFields({ systemUptimeS: () => 5, appUptimeS: () => 4, meminfo: () => MEMINFO, loadavg: () => [1, 2, 3] });
    const points = statsPoints(system, [bus], { 'pv-location': 'pv_strass' });
    assert.equal(points.length, 2);
    assert.deepEqual(points[0][1], { 'pv-location': 'pv_strass' });
    assert.equal(points[0][0].ram_free_kb, 725032);
    assert.deepEqual(points[1], [
      { transactions: 1200, errors: 7, retries: 3, utilisation: 0.4322, queue_length: 2, unreachable_units: 1 },
      { 'pv-location': 'pv_strass', bus: 'serial:/dev/ttyUSB0' },
    ]);
  });
});

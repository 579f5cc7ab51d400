import * as assert from 'node:assert/strict';
import { allBuses } from '../../lib/bus/busRegistry';
import { helper } from '../support/nodeRed';
import { KacoSim } from '../../lib/sim/kacoSim';
import { TRANSPORTS } from './simBus';
import { FAST_READ, KACO_NODES, busPropsFor, payloadOf, startKacoFlow, waitFor, type KacoFlow, type Msg } from './kacoFlow';

const statusesOf = (comm: Msg[], address: number): unknown[] => comm.filter((m) => m.address === address).map((m) => payloadOf(m).last_request_status);

for (const { name, endpoint } of TRANSPORTS) {
  describe(`kaco-read in Node-RED against the simulator (${name})`, function () {
    this.timeout(30000);
    let f: KacoFlow | undefined;

    afterEach(async () => {
      await f?.close();
      f = undefined;
      assert.equal(allBuses().length, 0, 'every bus released after unload');
    });

    it('sends each inverter\'s command 0 and command 3 values as they come, equal to the simulator state, with the tags, and ok status', async () => {
      f = await startKacoFlow({ endpoint, read: { yieldEvery: 1 } });
      const flow = f;
      flow.read.receive({ payload: 'go' } as never);
      await waitFor(() => flow.comm.length >= 3, 15000, 'three status messages');
      assert.deepEqual(flow.readings.map((m) => `${String(m.address)} ${String(m.part)}`), ['1 measurements', '1 yield', '2 measurements', '2 yield', '3 measurements', '3 yield']);
      for (const m of flow.readings) {
        const snap = flow.sim.snapshot(m.address as number);
        const { e_day: _today, ...yieldFields } = snap.yield;
        assert.deepEqual(payloadOf(m), m.part === 'yield' ? yieldFields : snap.measurements, `inverter ${m.address}`);
        assert.deepEqual((m.payload as unknown[])[1], m.tags, 'the fields shape carries the tags for influxdb out');
        assert.equal(m.topic, `kaco/${m.address}`);
        assert.equal(m.measurement, 'kaco');
        assert.deepEqual(m.tags, { host: 'test-pi', inverter: String(m.address), name: `roof ${m.address}` });
        assert.equal(typeof m.timestamp, 'number');
      }
      assert.deepEqual(flow.comm.map((m) => payloadOf(m)), [1, 2, 3].map(() => ({ last_request_status: 'ok', error_msg: '' })));
      assert.equal(flow.sim.overlaps, 0, 'one request on the line at a time');
    });

    it('keeps reading the others on every cycle while one inverter is asleep, and spends no bus time on it', async () => {
      f = await startKacoFlow({ endpoint, read: { interval: 1 } });
      const flow = f;
      flow.sim.injectFault('no-answer', { address: 2 });
      const cycles = 5;
      await waitFor(() => statusesOf(flow.comm, 3).length >= cycles, 20000, 'five cycles');
      assert.deepEqual(statusesOf(flow.comm, 2).slice(0, 5), ['error', 'error', 'asleep', 'asleep', 'asleep']);
      assert.ok(statusesOf(flow.comm, 1).slice(0, cycles).every((s) => s === 'ok'));
      assert.ok(statusesOf(flow.comm, 3).slice(0, cycles).every((s) => s === 'ok'));
      assert.ok(flow.readings.filter((m) => m.address === 1).length >= cycles, 'inverter 1 read every cycle');
      assert.ok(flow.readings.filter((m) => m.address === 3).length >= cycles, 'inverter 3 read every cycle');
      assert.equal(flow.sim.requests.filter((r) => r.address === 2).length, 3, 'no request to the asleep inverter before its probe');
      const asleep = flow.comm.filter((m) => m.address === 2 && payloadOf(m).last_request_status === 'asleep')[0];
      assert.match(String(payloadOf(asleep).error_msg), /asleep/);
      // the test helper's RED._ returns keys: "<ok> · <asleep> · time"
      const cycleStatus = flow.statuses.filter((s) => /status\.ok/.test(s.text ?? '')).pop();
      assert.match(String(cycleStatus?.text), /^kaco-read\.status\.ok · kaco-read\.status\.asleep · \d\d:\d\d:\d\d$/);
      assert.equal(cycleStatus?.fill, 'yellow');
    });

    it('does not attribute a late frame of inverter 1 to inverter 2', async () => {
      // 'held': inverter 1's frame goes out the moment the request to 2 arrives, ahead of 2's answer,
      // so it lands in 2's window however late the machine runs the timers
      f = await startKacoFlow({ endpoint, inverters: [{ address: 1 }, { address: 2, ratedPowerW: 2000 }] });
      const flow = f;
      flow.sim.injectFault('held', { address: 1, count: 1 });
      flow.read.receive({} as never);
      await waitFor(() => flow.comm.length >= 2, 10000, 'two status messages');
      const r1 = flow.sim.requests.find((r) => r.address === 1);
      const r2 = flow.sim.requests.find((r) => r.address === 2);
      assert.ok(r1?.repliedAt && r2, 'both asked, the late frame sent');
      const window = `late frame at +${(r1.repliedAt - r1.arrivedAt).toFixed(0)} ms, request to 2 at +${(r2.arrivedAt - r1.arrivedAt).toFixed(0)} ms, its answer at +${(r2.arrivedAt + r2.turnaroundMs + r2.wireMs - r1.arrivedAt).toFixed(0)} ms`;
      assert.ok(r1.repliedAt >= r2.arrivedAt && r1.repliedAt < r2.arrivedAt + r2.turnaroundMs + r2.wireMs, `the late frame arrived while inverter 2 was being asked: ${window}`);
      assert.deepEqual(statusesOf(flow.comm, 1), ['error']);
      assert.deepEqual(flow.readings.map((m) => m.address), [2]);
      assert.deepEqual(payloadOf(flow.readings[0]), flow.sim.snapshot(2).measurements);
      assert.notEqual(payloadOf(flow.readings[0]).p_ac, flow.sim.snapshot(1).measurements.p_ac);
    });
  });
}

describe('kaco-read settings and bad input', function () {
  this.timeout(20000);
  let f: KacoFlow | undefined;

  afterEach(async () => {
    await f?.close();
    f = undefined;
  });

  it('writes the old pv_logger names and types: inverter<address>, communication, temp, p_top, e_all as sent, no_idea and the hours as text, the frame header and check', async () => {
    f = await startKacoFlow({ endpoint: { transport: 'tcp' }, inverters: [{ address: 4 }], read: { pvLoggerNames: true, yieldEvery: 1, shape: 'batch', tags: '{"host":"pv-strass","region":"europe"}' } });
    const flow = f;
    flow.read.receive({} as never);
    await waitFor(() => flow.comm.length >= 1, 10000, 'a status message');
    type Point = { measurement: string; fields: Record<string, unknown>; tags: unknown; timestamp: Date };
    assert.deepEqual(flow.readings.map((m) => m.part), ['measurements', 'yield']);
    const [measured] = flow.readings[0].payload as Point[];
    const [yielded] = flow.readings[1].payload as Point[];
    const point = { ...measured, fields: { ...measured.fields, ...yielded.fields } };
    assert.deepEqual(yielded.tags, measured.tags);
    const snap = flow.sim.snapshot(4);
    assert.equal(point.measurement, 'inverter4');
    assert.deepEqual(point.tags, { host: 'pv-strass', region: 'europe' });
    assert.ok(point.timestamp instanceof Date);
    assert.equal(point.fields.temp, snap.measurements.temperature);
    assert.equal(point.fields.temperature, undefined);
    assert.equal(point.fields.status_code, snap.measurements.status, 'the integer field status of the old series is not written as a float');
    assert.equal(point.fields.status, undefined);
    assert.equal(point.fields.p_top, snap.yield.p_peak_day);
    assert.equal(point.fields.e_all, (snap.yield.e_total as number) / 1000, 'kWh as the xi sends it');
    assert.match(String(point.fields.run_today), /^\d+:\d\d$/);
    assert.equal(point.fields.no_idea, String((snap.yield.e_counter as number) / 1000), 'a string in pv_logger: the counter as sent, as text');
    assert.equal(point.fields.last_command_sent, '*040');
    assert.equal(typeof point.fields.checksum, 'string');
    assert.equal((point.fields.checksum as string).length >= 1, true);
    assert.equal(point.fields.type, '5000xi');
    assert.equal(point.fields.u_dc, snap.measurements.u_dc);
    const [comm] = flow.comm[0].payload as { measurement: string; fields: Record<string, unknown>; tags: unknown }[];
    assert.equal(comm.measurement, 'communication');
    assert.deepEqual(comm.fields, { last_request_status: 'ok', error_msg: '' });
    assert.deepEqual(comm.tags, { host: 'pv-strass', region: 'europe', inverter: '4' });
  });

  it('sends inverter 1\'s reading before its command 3 times out and before inverter 2 is asked or times out', async () => {
    f = await startKacoFlow({ endpoint: { transport: 'tcp' }, inverters: [{ address: 1, silentCommands: ['3'] }, { address: 2 }], read: { yieldEvery: 1 } });
    const flow = f;
    flow.sim.injectFault('no-answer', { address: 2 });
    const atFirstReading: { requests: number; statuses: number; timestamp: number; receivedAt: number }[] = [];
    helper.getNode('o1')?.on('input', (msg: unknown) => {
      if (atFirstReading.length === 0) atFirstReading.push({ requests: flow.sim.requests.length, statuses: flow.comm.length, timestamp: (msg as { timestamp: number }).timestamp, receivedAt: Date.now() });
    });
    flow.read.receive({} as never);
    await waitFor(() => flow.comm.length >= 2, 10000, 'both statuses');
    const [first] = atFirstReading;
    assert.equal(flow.readings[0].address, 1);
    assert.equal(first.requests, 1, 'only #010 on the wire yet: not its command 3, not inverter 2');
    assert.equal(first.statuses, 0, 'before inverter 1\'s turn (its command 3 timeout) ended');
    assert.ok(first.timestamp <= first.receivedAt, 'stamped when decoded, received after');
    assert.deepEqual(flow.comm.map((m) => `${String(m.address)} ${String(payloadOf(m).last_request_status)}`), ['1 ok', '2 error']);
  });

  it('takes the asleep policy from the kaco-inverter node', async () => {
    f = await startKacoFlow({ endpoint: { transport: 'tcp' }, inverters: [{ address: 1 }, { address: 2 }], inverter: { sleepAfter: 2 } });
    const flow = f;
    flow.sim.injectFault('no-answer', { address: 2 });
    for (let k = 1; k <= 3; k++) {
      flow.read.receive({} as never);
      await waitFor(() => flow.comm.length >= 2 * k, 10000, `cycle ${k}`);
    }
    assert.deepEqual(statusesOf(flow.comm, 2), ['error', 'asleep', 'asleep']);
    assert.equal(flow.sim.requests.filter((r) => r.address === 2).length, 2);
  });

  it('refuses a kaco-inverter with a bad asleep setting at deploy, naming it', async () => {
    f = await startKacoFlow({ endpoint: { transport: 'tcp' }, inverters: [{ address: 1 }], inverter: { sleepAfter: 0 } });
    const flow = f;
    await waitFor(() => flow.errors.length > 0, 5000, 'the deploy error');
    assert.match(flow.errors[0], /asleep after must be 1–100/);
    assert.equal(flow.sim.requests.length, 0);
  });

  it('influx shape: [fields with time, tags] for influxdb out', async () => {
    f = await startKacoFlow({ endpoint: { transport: 'tcp' }, inverters: [{ address: 1 }], read: { shape: 'influx' } });
    const flow = f;
    flow.read.receive({} as never);
    await waitFor(() => flow.readings.length >= 1, 10000, 'a reading');
    const [fields, tags] = flow.readings[0].payload as [Record<string, unknown>, Record<string, unknown>];
    assert.ok(fields.time instanceof Date);
    assert.equal(fields.p_ac, flow.sim.snapshot(1).measurements.p_ac);
    assert.equal(tags.inverter, '1');
  });

  it('refuses a malformed input message: error, nothing sent to the bus', async () => {
    f = await startKacoFlow({ endpoint: { transport: 'tcp' }, inverters: [{ address: 1 }] });
    const flow = f;
    for (const bad of [{ addresses: [9] }, { addresses: 'one' }, { addresses: [] }, { readYield: 'yes' }]) flow.read.receive(bad as never);
    await waitFor(() => flow.errors.length >= 4, 5000, 'four errors');
    assert.match(flow.errors[0], /not among the inverters/);
    assert.match(flow.errors[1], /msg.addresses/);
    assert.match(flow.errors[3], /msg.readYield/);
    // refused before anything was submitted: the bus has nothing queued, on the wire or done — exact, not "not yet"
    const buses = allBuses();
    assert.equal(buses.length, 1);
    const c = buses[0].counters();
    assert.deepEqual({ queued: c.queueLength, transactions: c.transactions, phase: buses[0].phase }, { queued: 0, transactions: 0, phase: 'idle' });
    assert.equal(flow.sim.requests.length, 0, 'nothing reached the wire');
    assert.equal(flow.readings.length + flow.comm.length, 0);
  });

  it('refuses an address out of range, a missing bus and a Modbus TCP gateway at deploy', async () => {
    const sim = await KacoSim.start({ endpoint: { transport: 'tcp' }, inverters: [{ address: 1 }] });
    try {
      const cases: [string, unknown[], RegExp][] = [
        ['address 40', [{ id: 'bus1', type: 'rs485-bus', ...busPropsFor(sim) }, { id: 'inv', type: 'kaco-inverter', bus: 'bus1', address: 40 }], /1–32/],
        ['no bus', [{ id: 'inv', type: 'kaco-inverter', bus: 'nope', address: 1 }], /no bus configured/],
        ['modbus-tcp', [{ id: 'bus1', type: 'rs485-bus', connection: 'modbus-tcp', host: '127.0.0.1', tcpPort: sim.port }, { id: 'inv', type: 'kaco-inverter', bus: 'bus1', address: 1 }], /Modbus TCP gateway/],
        ['no inverters', [], /no KACO inverter/],
      ];
      for (const [what, nodes, expected] of cases) {
        const readIds = nodes.some((n) => (n as { id: string }).id === 'inv') ? ['inv'] : [];
        await helper.load(KACO_NODES, [...nodes, { id: 'read', type: 'kaco-read', inverters: readIds, ...FAST_READ, wires: [[], []] }] as never);
        const read = helper.getNode('read') as NonNullable<ReturnType<typeof helper.getNode>>;
        const errors: string[] = [];
        (read as unknown as NodeJS.EventEmitter).on('call:error', (c: { args: unknown[] }) => errors.push(String((c.args[0] as Error)?.message ?? c.args[0])));
        read.receive({} as never);
        await waitFor(() => errors.length > 0, 5000, `an error for ${what}`);
        assert.match(errors[0], expected, what);
        await helper.unload();
        assert.equal(allBuses().length, 0, `${what}: no bus left open`);
      }
      assert.equal(sim.requests.length, 0, 'nothing reached the wire');
    } finally {
      await helper.unload();
      await sim.close();
    }
  });
});

describe('kaco-read redeploys', function () {
  this.timeout(90000);

  it('redeploys 10 times mid-cycle with no port locked, no handle left and never two requests on the line', async () => {
    const sim = await KacoSim.start({ endpoint: { transport: 'pty' }, inverters: [{ address: 1 }, { address: 2 }, { address: 3 }], latencyMs: 50, timeOfDay: () => 10 });
    const handles = (): number => (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles().length;
    try {
      await openExclusively(sim.clientPath as string);
      const baseline = handles();
      for (let i = 0; i < 10; i++) {
        const before = sim.requests.length;
        await helper.load(KACO_NODES, [
          { id: 'bus1', type: 'rs485-bus', timeout: 1000, pause: 0, deadline: 30000, trace: false, ...busPropsFor(sim) },
          ...[1, 2, 3].map((a) => ({ id: `inv${a}`, type: 'kaco-inverter', bus: 'bus1', address: a })),
          { id: 'read', type: 'kaco-read', inverters: ['inv1', 'inv2', 'inv3'], ...FAST_READ, interval: 1, wires: [[], []] },
        ] as never);
        // close while a request is on the wire
        await waitFor(() => sim.requests.length > before + (i % 3), 10000, `deploy ${i}: requests`);
        await helper.unload();
        assert.equal(allBuses().length, 0, `deploy ${i}: bus released`);
        await openExclusively(sim.clientPath as string);
      }
      await sim.settled(); // the replies still due from the simulator written, its timers done
      // One request at a time, also across redeploys: the bus lets the request on the wire finish
      // and the line fall quiet before it releases the port.
      const overlaps = sim.requests.map((r, k) => (r.overlap ? k : -1)).filter((k) => k >= 0);
      assert.deepEqual(overlaps, [], 'never two requests on the line');
      assert.ok(handles() <= baseline, `handles: ${handles()} after, ${baseline} before`);
    } finally {
      await helper.unload();
      await sim.close();
    }
  });
});

/** Opens the port with serialport's exclusive lock: fails with "Cannot lock port" if anyone still holds it. */
async function openExclusively(path: string): Promise<void> {
  const { SerialPort } = await import('serialport');
  const port = new SerialPort({ path, baudRate: 9600, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  await new Promise<void>((resolve) => port.close(() => resolve()));
}

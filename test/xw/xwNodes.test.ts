import * as assert from 'node:assert/strict';
import { XW_STATUS_FIELDS, XW_TABLE } from '../../lib/xw/registerTable';
import { COMMAND_NAMES } from '../../lib/xw/commandTable';
import type { CommandReport } from '../../lib/xw/verifiedWriter';
import { exchange, RTU_TRANSPORTS, startXwFlow, TRANSPORTS, waitFor, type XwFlow } from './xwFlow';

const report = (m: { payload: unknown }) => m.payload as CommandReport;

for (const { name, transport } of TRANSPORTS) {
  describe(`xw nodes against the XW simulator over ${name}`, function () {
    this.timeout(30000);
    let f: XwFlow | undefined;
    afterEach(async () => {
      await f?.close();
      f = undefined;
    });

    it('polls decode to the simulator values, with summary and comm status', async () => {
      f = await startXwFlow(transport, { units: { 10: {}, 11: { charger: 1 }, 12: { sell: 1, ac2Present: true } } });
      const readings = await exchange(f.poll, { payload: 'go' }, f.out.readings, 3);
      await waitFor(() => f!.out.comm.length >= 3 && f!.out.summary.length >= 1);
      assert.deepEqual(readings.map((m) => m.topic), ['XW A', 'XW B', 'XW C']);
      for (const [i, unit] of [10, 11, 12].entries()) {
        const msg = readings[i];
        const payload = msg.payload as Record<string, unknown>;
        const want = f.device.unit(unit).values();
        for (const field of XW_STATUS_FIELDS) {
          if (want[field] === null) assert.ok(!(field in payload), `${unit} ${field} absent (no value)`);
          else assert.equal(payload[field], want[field], `${unit} ${field}`);
        }
        assert.deepEqual(msg.tags, { inverter: ['XW A', 'XW B', 'XW C'][i], unit: String(unit), bus: 'line 1' });
        assert.equal(msg.measurement, 'xw');
        assert.equal(typeof msg.timestamp, 'number');
      }
      assert.equal((readings[1].payload as Record<string, unknown>).charger_status_text, 'Bulk');
      assert.equal((readings[2].payload as Record<string, unknown>).inverter_status_text, 'Sell-to-Grid');
      const summary = f.out.summary[0].payload as Record<string, number>;
      const sum = [10, 11, 12].reduce((n, u) => n + (f!.device.unit(u).values().battery_power as number), 0);
      assert.equal(summary.battery_power, sum);
      const avgV = [10, 11, 12].reduce((n, u) => n + (f!.device.unit(u).values().battery_voltage as number), 0) / 3;
      assert.equal(summary.battery_voltage, Number(avgV.toFixed(3)));
      assert.equal(summary.units_ok, 3);
      assert.deepEqual(f.out.comm.map((m) => (m.payload as Record<string, unknown>).last_request_status), ['ok', 'ok', 'ok']);
      for (const [i, unit] of [10, 11, 12].entries()) {
        const payload = readings[i].payload as Record<string, unknown>;
        assert.equal(payload.operating_mode, 3, 'read at start');
        assert.equal(payload.operating_mode_age_s, 0);
        assert.equal(payload.standby, 0, `${unit} standby from inverter_status`);
      }
      // at start: one 92-register read per unit, and Operating Mode once
      const sorted = (xs: unknown[][]) => xs.map((x) => x.join(',')).sort();
      assert.deepEqual(sorted(f.sim.requests.map((r) => [r.unit, r.address, r.count])), sorted([10, 11, 12].flatMap((u) => [[u, 0x40, 92], [u, 0x166, 1]])));
      // then one read per unit per cycle
      f.sim.resetStats();
      const again = await exchange(f.poll, { payload: 'go' }, f.out.readings, 3);
      assert.deepEqual(f.sim.requests.map((r) => [r.unit, r.address, r.count]), [10, 11, 12].map((u) => [u, 0x40, 92]));
      assert.equal((again[0].payload as Record<string, unknown>).operating_mode, 3, 'still reported, as last read');
    });

    it('splits merged reads for a unit that refuses undocumented registers, and remembers the split', async () => {
      f = await startXwFlow(transport, { units: { 10: {}, 11: { refuseUndocumented: true } } });
      const first = await exchange(f.poll, { payload: 1 }, f.out.readings, 2);
      const want = f.device.unit(11).values();
      const got = first[1].payload as Record<string, unknown>;
      for (const field of XW_STATUS_FIELDS) if (want[field] !== null) assert.equal(got[field], want[field], field);
      const exceptionsFirst = f.sim.requests.filter((r) => r.unit === 11).length;
      f.sim.resetStats();
      await exchange(f.poll, { payload: 2 }, f.out.readings, 2);
      const second = f.sim.requests.filter((r) => r.unit === 11).map((r) => [r.address as number, r.count as number]);
      // remembered: no read the unit refuses is sent again (each is answerable), fewer than the first time
      for (const [address, count] of second) assert.ok(Array.isArray(f.device.unit(11).readHolding(address, count)), `read ${address}+${count} answered`);
      assert.ok(exceptionsFirst > second.length, `${exceptionsFirst} requests first, ${second.length} after`);
      assert.ok(second.length > 2, 'split into several reads');
      assert.deepEqual(f.sim.requests.filter((r) => r.unit === 10).map((r) => [r.address, r.count]), [[0x40, 92]]);
    });

    it('every command on 3 units is verified', async () => {
      f = await startXwFlow(transport);
      for (const command of ['start-charge', 'stop-charge', 'start-sell', 'stop-sell', 'start-charge', 'rest', 'standby', 'operating'] as const) {
        const [m] = await exchange(f.command, { payload: command }, f.out.report);
        const r = report(m);
        assert.equal(r.command, command);
        assert.ok(r.ok, `${command}: ${JSON.stringify(r.units.map((u) => u.reason))}`);
        assert.deepEqual(r.units.map((u) => u.action), ['written', 'written', 'written'], command);
        assert.deepEqual(r.units.map((u) => u.name), ['XW A', 'XW B', 'XW C']);
      }
      assert.deepEqual(f.commandErrors, []);
      assert.deepEqual(COMMAND_NAMES.length, 7);
    });

    it('a unit in standby is refused at once with the reason; the error names it', async () => {
      f = await startXwFlow(transport, { units: { 10: {}, 11: {}, 12: { operatingMode: 2 } } });
      const [m] = await exchange(f.command, { payload: 'start-charge' }, f.out.report);
      const r = report(m);
      assert.equal(r.ok, false);
      assert.equal(r.units[2].action, 'refused');
      assert.match(r.units[2].reason, /standby/);
      assert.ok(r.units[2].ms < 1000, `${r.units[2].ms} ms`);
      assert.ok(r.units[0].ok && r.units[1].ok);
      assert.equal(f.sim.writeCount(12), 0);
      await waitFor(() => f!.commandErrors.length > 0);
      assert.match(f.commandErrors[0], /start-charge failed on 1 of 3 unit\(s\): XW C \(unit 12\): unit is in standby/);
    });

    it('a stuck unit is reported not verified at the deadline', async () => {
      f = await startXwFlow(transport, { units: { 10: {}, 11: { stuck: true }, 12: {} }, command: { deadline: 1 } });
      const [m] = await exchange(f.command, { payload: 3 }, f.out.report);
      const r = report(m);
      assert.equal(r.command, 'start-sell');
      assert.equal(r.units[1].ok, false);
      assert.equal(r.units[1].action, 'written');
      assert.equal(r.units[1].cause, 'not-verified');
      assert.match(r.units[1].reason, /not verified within 1000 ms: accepted the write: sell_enable_setting 1, but sell_enabled still 0; expected sell_enabled 1/);
      assert.ok(r.units[0].ok && r.units[2].ok);
      await waitFor(() => f!.commandErrors.length > 0);
      assert.match(f.commandErrors[0], /XW B \(unit 11\): not verified/);
    });

    it('a stuck unit fails standby: Operating Mode reads 2, Inverter Status never 1032', async () => {
      f = await startXwFlow(transport, { units: { 10: {}, 11: { stuck: true } }, command: { deadline: 1 } });
      const [m] = await exchange(f.command, { payload: 'standby' }, f.out.report);
      const r = report(m);
      assert.equal(r.ok, false);
      assert.ok(r.units[0].ok, r.units[0].reason);
      assert.equal(r.units[1].ok, false);
      assert.equal(r.units[1].action, 'written');
      assert.match(r.units[1].reason, /accepted the write: operating_mode 2 \(Standby\), but inverter_status still 1034 \(Grid Support\)/);
      assert.equal(f.device.unit(11).values().operating_mode, 2, 'the unit echoes the write');
      assert.equal(f.device.unit(11).values().inverter_status, 1034, 'and does not act on it');
    });

    it('an absent unit holds back no other: unit 10 is written before unit 13 is asked again', async () => {
      f = await startXwFlow(transport, { units: { 10: {} }, absent: [13] });
      f.poll.receive({ payload: 1 } as never);
      await waitFor(() => f!.out.comm.length >= 2);
      f.sim.resetStats();
      const [m] = await exchange(f.command, { payload: 'start-sell' }, f.out.report);
      const r = report(m);
      const firstWrite = f.sim.requests.findIndex((q) => q.functionCode === 6);
      const first13 = f.sim.requests.findIndex((q) => q.unit === 13);
      assert.equal(f.sim.requests[firstWrite].unit, 10);
      assert.ok(first13 < 0 || first13 > firstWrite, `unit 13 asked at request ${first13}, write of 10 at ${firstWrite}`);
      const [absent, ten] = r.units;
      assert.equal(absent.unit, 13);
      assert.equal(absent.action, 'not-sent');
      assert.match(absent.reason, /could not read the unit's state/);
      assert.equal(r.counts.notSent, 1);
      assert.ok(ten.ok, ten.reason);
    });

    it('after a command Operating Mode is read again; standby shows from Inverter Status each cycle', async () => {
      f = await startXwFlow(transport, { units: { 10: {}, 11: {} } });
      await exchange(f.poll, { payload: 1 }, f.out.readings, 2);
      await exchange(f.command, { payload: 'standby', inverter: 11 }, f.out.report);
      f.sim.resetStats();
      const [a, b] = await exchange(f.poll, { payload: 1 }, f.out.readings, 2);
      assert.deepEqual(f.sim.requests.map((r) => [r.unit, r.address]).sort(), [[10, 0x40], [11, 0x40], [11, 0x166]].sort());
      assert.equal((b.payload as Record<string, unknown>).standby, 1);
      assert.equal((b.payload as Record<string, unknown>).operating_mode, 2);
      assert.equal((a.payload as Record<string, unknown>).standby, 0);
    });

    it('AC2 / load VA on: read with the status block in one request per unit', async () => {
      f = await startXwFlow(transport, { units: { 10: { ac2Present: true }, 11: {} }, poll: { ac2: true } });
      const [a, b] = await exchange(f.poll, { payload: 1 }, f.out.readings, 2);
      const pa = a.payload as Record<string, unknown>;
      const want = f.device.unit(10).values();
      assert.equal(pa.ac2_voltage, want.ac2_voltage);
      assert.equal(pa.load_apparent_power, want.load_apparent_power);
      assert.ok(!('ac2_voltage' in (b.payload as Record<string, unknown>)), 'a unit without a generator: no value, left out');
      assert.deepEqual(f.sim.requests.filter((r) => r.address === 0x40).map((r) => [r.unit, r.count]), [[10, 110], [11, 110]]);
    });

    it('units already in state are skipped with no write', async () => {
      f = await startXwFlow(transport, { units: { 10: { charger: 0, sell: 0 }, 11: { charger: 1 }, 12: { charger: 0, sell: 0 } } });
      const [m] = await exchange(f.command, { payload: { command: 'rest' }, inverter: ['XW A', 12] }, f.out.report);
      const r = report(m);
      assert.ok(r.ok);
      assert.deepEqual(r.units.map((u) => [u.unit, u.action]), [[10, 'skipped'], [12, 'skipped']]);
      assert.equal(f.sim.writeCount(10) + f.sim.writeCount(11) + f.sim.writeCount(12), 0);
      const [m2] = await exchange(f.command, { payload: { controlCode: 0 } }, f.out.report);
      assert.deepEqual(report(m2).units.map((u) => u.action), ['skipped', 'written', 'skipped']);
      // unit 11's sell is already 0: only its charger register is written
      assert.deepEqual(report(m2).units[1].registers, { written: ['charger_enable_setting'], already: ['sell_enable_setting'], notSent: [] });
      assert.equal(report(m2).units[1].summary, 'charger on → off, sell off (already)');
      assert.equal(f.sim.writeCount(10), 0);
      assert.equal(f.sim.writeCount(11), 1);
      assert.equal(f.sim.writeCount(12), 0);
    });

    it('a dead unit does not stop the others being polled or commanded', async () => {
      // the flow's 300 ms timeout: a live unit's 92-register read takes ~107 ms of modelled wire time
      // at 19200 baud, which left a 150 ms timeout ~40 ms for a busy machine
      f = await startXwFlow(transport);
      f.device.setDead(11, true);
      f.poll.receive({ payload: 1 } as never);
      await waitFor(() => f!.out.comm.length >= 3);
      assert.deepEqual(f.out.readings.map((m) => m.topic), ['XW A', 'XW C']);
      const comm = f.out.comm.map((m) => m.payload as Record<string, unknown>);
      assert.deepEqual(comm.map((c) => c.last_request_status), ['ok', 'error', 'ok']);
      assert.match(String(comm[1].error_msg), /unit 11/);
      const [m] = await exchange(f.command, { payload: 'start-charge' }, f.out.report);
      const r = report(m);
      assert.ok(r.units[0].ok && r.units[2].ok);
      assert.equal(r.units[1].ok, false);
      assert.match(r.units[1].reason, /could not read/);
      assert.equal(f.sim.writeCount(11), 0);
    });

    it('bad input is refused with a clear error and nothing is written', async () => {
      f = await startXwFlow(transport);
      const errors = f.commandErrors;
      const cases: [unknown, unknown, RegExp][] = [
        ['dance', undefined, /unknown command "dance"/],
        [9, undefined, /unknown control code 9/],
        [1.5, undefined, /control code must be an integer/],
        [{ nope: 1 }, undefined, /msg.payload must be/],
        ['rest', 'XW Z', /msg.inverter "XW Z" matches none/],
        ['rest', 99, /msg.inverter 99 matches none/],
      ];
      for (const [payload, inverter, re] of cases) {
        const before = errors.length;
        f.command.receive({ payload, inverter } as never);
        await waitFor(() => errors.length > before);
        assert.match(errors[errors.length - 1], re);
      }
      assert.equal(f.out.report.length, 0);
      assert.equal(f.sim.requests.length, 0, 'nothing reached the wire');
    });
  });
}

// The command's write follows its reads with no poll read between because the arbiter picks the
// next transaction only after the finished transaction's owner has run (and after t3.5 on RTU), by
// which time the command's writes are queued ahead of the waiting poll.
for (const { name, transport } of [...RTU_TRANSPORTS, TRANSPORTS[1]]) {
  describe(`xw nodes: commands overtake a poll cycle over ${name}`, function () {
    this.timeout(20000);
    let f: XwFlow | undefined;
    afterEach(async () => {
      await f?.close();
      f = undefined;
    });

  it('a command arriving during a poll cycle writes before the next poll read', async () => {
    // slow line so a poll cycle (6 reads, four of 92 registers) takes ~1 s
    f = await startXwFlow(transport, { baudRate: 9600, turnaroundMs: 10, units: { 10: {}, 11: {}, 12: {}, 13: {} } });
    f.poll.receive({ payload: 1 } as never);
    await waitFor(() => f!.sim.requests.length >= 1);
    const sentAt = performance.now();
    f.command.receive({ payload: 'start-sell', inverter: 13 } as never);
    await waitFor(() => f!.out.report.length >= 1 && f!.out.comm.length >= 4);
    const reqs = f.sim.requests;
    const inFlight = reqs.filter((r) => r.firstByteAt <= sentAt).length;
    const firstWrite = reqs.findIndex((r) => r.functionCode === 6);
    assert.ok(firstWrite > 0);
    // between the command's arrival and its write: the poll read already on the wire, then only the command's own reads
    const between = reqs.slice(inFlight, firstWrite);
    assert.deepEqual(between.map((r) => [r.unit, r.address, r.count]).sort(), [[13, 0x49, 1], [13, 0x166, 1]].sort());
    // and poll reads of the status block came after it
    assert.ok(reqs.slice(firstWrite).some((r) => r.count === 92), 'the poll cycle continued after the write');
    assert.ok(report(f.out.report[0]).ok);
  });
  });
}

describe('xw nodes: configuration', function () {
  this.timeout(20000);
  let f: XwFlow | undefined;
  afterEach(async () => {
    await f?.close();
    f = undefined;
  });

  it('a node whose bus is not deployed says "no bus configured" and refuses input', async () => {
    const { helper } = await import('../support/nodeRed');
    const { XW_NODES } = await import('./xwFlow');
    await helper.load(XW_NODES, [
      { id: 'f1', type: 'tab', label: 'xw' },
      { id: 'inv10', type: 'xw-inverter', name: 'A', bus: 'missing', unit: 10 },
      { z: 'f1', x: 0, y: 0, id: 'cmd', type: 'xw-command', inverters: ['inv10'], deadline: 5, wires: [[]] },
      { id: 'inv11', type: 'xw-inverter', name: 'B', bus: 'missing', unit: 300 },
      { z: 'f1', x: 0, y: 0, id: 'poll', type: 'xw-poll', inverters: ['inv11'], interval: 0, wires: [[], [], []] },
    ] as never);
    const errs: string[] = [];
    const cmd = helper.getNode('cmd')!;
    (cmd as unknown as NodeJS.EventEmitter).on('call:error', (c: { args: unknown[] }) => errs.push(String((c.args[0] as Error).message)));
    cmd.receive({ payload: 'rest' } as never);
    await waitFor(() => errs.length > 0);
    assert.match(errs[0], /A: no bus configured/);
    const perrs: string[] = [];
    const poll = helper.getNode('poll')!;
    (poll as unknown as NodeJS.EventEmitter).on('call:error', (c: { args: unknown[] }) => perrs.push(String((c.args[0] as Error).message)));
    poll.receive({ payload: 1 } as never);
    await waitFor(() => perrs.length > 0);
    assert.match(perrs[0], /unit address must be an integer 1–247, got 300/);
    await helper.unload();
    assert.ok(XW_TABLE.fields.length > 0);
  });
});

import * as assert from 'node:assert/strict';
import { ModbusException, TransportError } from '../../lib/bus/errors';
import { Priority } from '../../lib/bus/priority';
import { XwDevice } from '../../lib/sim/xwDevice';
import { COMMANDS, type CommandName } from '../../lib/xw/commandTable';
import { ModeMemory } from '../../lib/xw/modeMemory';
import { SplitMemory } from '../../lib/xw/unitSplits';
import { UnitLocks } from '../../lib/xw/unitLocks';
import { VerifiedWriter, writeGroups } from '../../lib/xw/verifiedWriter';
import { FakeRegisterClient } from './fakeRegisterClient';

const UNITS = [
  { unit: 10, name: 'XW A' },
  { unit: 11, name: 'XW B' },
  { unit: 12, name: 'XW C' },
];

function setup(delayMs = 30, units: number[] = [10, 11, 12]) {
  const device = new XwDevice(units, { switchDelayMs: delayMs });
  const client = new FakeRegisterClient(device);
  const locks = new UnitLocks();
  const modes = new ModeMemory();
  const writer = new VerifiedWriter({ client, splits: new SplitMemory(), locks, modes });
  return { device, client, writer, locks, modes };
}

const writes = (c: FakeRegisterClient) => c.log.filter((t) => t.fc !== 3);

describe('xw/verifiedWriter (fake client)', () => {
  it('each unit: state read, its writes at once, then only re-reads; rest is one operation', async () => {
    const { device, client, writer } = setup();
    for (const u of [10, 11, 12]) device.unit(u).setState({ charger: 1, sell: 1 });
    const report = await writer.run('rest', UNITS, { owner: 't', deadlineMs: 2000 });
    assert.ok(report.ok, JSON.stringify(report));
    assert.deepEqual(report.units.map((u) => u.action), ['written', 'written', 'written']);
    assert.deepEqual(report.counts, { ok: 3, written: 3, skipped: 0, refused: 0, notSent: 0 });
    for (const u of report.units) {
      assert.equal(u.before?.charger_enabled, 1);
      assert.equal(u.after?.charger_enabled, 0);
      assert.equal(u.after?.sell_enabled, 0);
      assert.deepEqual(u.registers, { written: ['sell_enable_setting', 'charger_enable_setting'], already: [], notSent: [] });
      assert.equal(u.summary, 'charger on → off, sell on → off');
    }
    // a unit's two writes follow its state reads (status block, Operating Mode) directly; every
    // write before any verification read
    const kinds = client.log.map((t) => `${t.unit}:${t.fc === 3 ? 'r' : 'w'}`);
    assert.deepEqual(kinds.slice(0, 12), ['10:r', '10:r', '10:w', '10:w', '11:r', '11:r', '11:w', '11:w', '12:r', '12:r', '12:w', '12:w']);
    assert.ok(kinds.slice(12).every((k) => k.endsWith(':r')));
    assert.deepEqual(writes(client).slice(0, 2).map((t) => [t.fc, t.address, t.values?.[0]]), [[6, 0x162, 0], [6, 0x164, 0]]);
    assert.ok(client.log.every((t) => t.priority === Priority.Command));
  });

  it('every command verifies on 3 units, standby and operating in the critical class', async () => {
    const { device, client, writer } = setup();
    const order = ['start-charge', 'stop-charge', 'start-sell', 'stop-sell', 'start-charge', 'rest', 'standby', 'operating'] as const;
    for (const command of order) {
      client.log.length = 0;
      const report = await writer.run(command, UNITS, { owner: 't', deadlineMs: 2000 });
      assert.ok(report.ok, `${command}: ${JSON.stringify(report.units.map((u) => u.reason))}`);
      assert.deepEqual(report.units.map((u) => u.action), ['written', 'written', 'written'], command);
      const want = COMMANDS[command].priority;
      assert.ok(client.log.every((t) => t.priority === want), command);
    }
    assert.equal(device.unit(10).mode.operatingMode, 3);
  });

  it('standby is confirmed by Inverter Status 1032, not by the echo of Operating Mode', async () => {
    const { device, writer, modes } = setup(300);
    const report = await writer.run('standby', [UNITS[0]], { owner: 't', deadlineMs: 2000, verifyIntervalMs: 20 });
    assert.ok(report.ok, JSON.stringify(report));
    const u = report.units[0];
    // the echo reads 2 at once; the verdict came only once the status followed (the switch delay)
    assert.ok(u.ms >= 300, `verdict at ${u.ms} ms, before the unit switched`);
    assert.equal(u.after?.inverter_status, 1032);
    assert.equal(u.summary, 'operating mode operating → standby');
    assert.equal(device.unit(10).mode.operatingMode, 2);
    assert.equal(modes.get(10)?.value, 2);
    assert.equal(modes.takeDue(10), true, 'the poller is told to read Operating Mode again');
  });

  const stuckCases: { command: CommandName; setup?: { charger?: 0 | 1; sell?: 0 | 1 }; shows: RegExp }[] = [
    { command: 'standby', shows: /accepted the write: operating_mode 2 \(Standby\), but inverter_status still 1034 \(Grid Support\)/ },
    { command: 'start-charge', shows: /accepted the write: charger_enable_setting 1, but charger_enabled still 0, charger_status still 776 \(Charger Disabled\)/ },
    { command: 'stop-charge', setup: { charger: 1 }, shows: /accepted the write: charger_enable_setting 0, but charger_enabled still 1/ },
    { command: 'start-sell', shows: /accepted the write: sell_enable_setting 1, but sell_enabled still 0/ },
    { command: 'rest', setup: { charger: 1, sell: 1 }, shows: /accepted the write: charger_enable_setting 0, sell_enable_setting 0, but charger_enabled still 1, sell_enabled still 1/ },
  ];
  for (const c of stuckCases) {
    it(`a stuck unit (accepts the write, status unchanged) fails ${c.command} with what it shows`, async () => {
      const { device, writer } = setup();
      if (c.setup) for (const u of [10, 11, 12]) device.unit(u).setState(c.setup);
      device.unit(11).stuck = true;
      const report = await writer.run(c.command, UNITS, { owner: 't', deadlineMs: 600 });
      const b = report.units[1];
      assert.equal(report.ok, false);
      assert.equal(b.ok, false);
      assert.equal(b.action, 'written');
      assert.equal(b.cause, 'not-verified');
      assert.match(b.reason, /^not verified within 600 ms: /);
      assert.match(b.reason, c.shows);
      assert.ok(report.units[0].ok && report.units[2].ok, JSON.stringify(report.units.map((u) => u.reason)));
    });
  }

  it('a stuck unit in standby fails "operating": Operating Mode reads 3, Inverter Status still 1032', async () => {
    const { device, writer } = setup();
    device.unit(10).setState({ operatingMode: 2 });
    device.unit(10).stuck = true;
    const report = await writer.run('operating', [UNITS[0]], { owner: 't', deadlineMs: 600 });
    const a = report.units[0];
    assert.equal(a.ok, false);
    assert.match(a.reason, /accepted the write: operating_mode 3 \(Operating\), but device_state still 5 \(Remote Power Off\), inverter_status still 1032 \(Inverter Standby\)/);
  });

  it('writes only the registers not already right, and says so per unit', async () => {
    const { device, client, writer } = setup();
    device.unit(10).setState({ charger: 1, sell: 0 });
    device.unit(11).setState({ charger: 0, sell: 0 });
    const report = await writer.run('rest', UNITS.slice(0, 2), { owner: 't', deadlineMs: 2000 });
    assert.ok(report.ok);
    const [a, b] = report.units;
    assert.equal(a.action, 'written');
    assert.deepEqual(a.registers, { written: ['charger_enable_setting'], already: ['sell_enable_setting'], notSent: [] });
    assert.equal(a.summary, 'charger on → off, sell off (already)');
    assert.equal(b.action, 'skipped');
    assert.deepEqual(b.registers.already, ['charger_enable_setting', 'sell_enable_setting']);
    assert.equal(b.summary, 'charger off (already), sell off (already)');
    assert.deepEqual(writes(client).map((t) => [t.unit, t.address]), [[10, 0x164]]);
  });

  it('refuses a unit in standby at once with the reason, and still drives the others', async () => {
    const { device, client, writer } = setup();
    device.unit(12).setState({ operatingMode: 2 });
    const report = await writer.run('start-sell', UNITS, { owner: 't', deadlineMs: 5000 });
    assert.equal(report.ok, false);
    const c = report.units[2];
    assert.equal(c.action, 'refused');
    assert.equal(c.cause, 'standby');
    assert.match(c.reason, /standby/);
    assert.ok(c.ms < 1000);
    assert.ok(report.units[0].ok && report.units[1].ok);
    assert.ok(!writes(client).some((t) => t.unit === 12));
  });

  it('retries a write that went out unanswered, within the deadline', async () => {
    const { client, writer } = setup();
    client.failWrites.set(10, 1);
    const report = await writer.run('start-sell', UNITS, { owner: 't', deadlineMs: 2000 });
    assert.ok(report.ok);
    assert.equal(writes(client).filter((t) => t.unit === 10).length, 2);
  });

  // every way the arbiter fails a write before sending it (lib/bus/errors.ts kinds)
  const unsent: { cause: string; err: Error }[] = [
    { cause: 'deadline', err: new TransportError('deadline', 'request for modbus:10 passed its queue deadline and was not sent') },
    { cause: 'closed', err: new TransportError('closed', 'bus /dev/ttyX was closed') },
    { cause: 'unreachable', err: new TransportError('unreachable', 'modbus:10 is not answering; next probe in 30 s') },
    { cause: 'cancelled', err: new TransportError('cancelled', 'cancelled') },
    { cause: 'open', err: new TransportError('open', 'cannot open /dev/ttyX') },
  ];
  for (const u of unsent) {
    it(`a write never sent (${u.cause}) is reported not sent with the reason and counted, never "written"`, async () => {
      const { client, writer } = setup();
      client.unsentWrites.set(10, u.err);
      const report = await writer.run('start-sell', UNITS, { owner: 't', deadlineMs: 1000 });
      const a = report.units[0];
      assert.equal(a.ok, false);
      assert.equal(a.action, 'not-sent');
      assert.equal(a.cause, u.cause);
      assert.equal(a.reason, `not sent (${u.cause}): ${u.err.message}`);
      assert.deepEqual(a.registers, { written: [], already: [], notSent: ['sell_enable_setting'] });
      assert.match(a.summary, /sell off → on not sent/);
      assert.deepEqual(report.counts, { ok: 2, written: 2, skipped: 0, refused: 0, notSent: 1 });
      assert.ok(!writes(client).some((t) => t.unit === 10), 'nothing of unit 10 on the wire');
    });
  }

  for (const err of [
    // as the bus marks them (test/bus/arbiter.test.ts "says which failed requests went out")
    new TransportError('closed', 'link lost: EIO', 'modbus:10', undefined, true),
    new TransportError('deadline', 'request for modbus:10 passed its queue deadline and its retry was not sent (last attempt: unit 10 did not answer)', 'modbus:10', undefined, true),
  ]) {
    it(`went out, then failed (${err.message.slice(0, 24)}…): counted as sent, never "not sent"`, async () => {
      const { client, writer } = setup();
      client.unsentWrites.set(10, err);
      const report = await writer.run('start-sell', [UNITS[0]], { owner: 't', deadlineMs: 300 });
      assert.equal(report.units[0].action, 'written');
      assert.deepEqual(report.units[0].registers.written, ['sell_enable_setting']);
      assert.equal(report.units[0].ok, false);
      assert.equal(report.units[0].cause, 'not-verified');
    });
  }

  it('a unit that answers its write with an exception: written (it went out), cause refused-write', async () => {
    const { client, writer } = setup();
    client.unsentWrites.set(10, new ModbusException(4, 10, 6));
    const report = await writer.run('start-sell', [UNITS[0]], { owner: 't', deadlineMs: 300 });
    const a = report.units[0];
    assert.equal(a.action, 'written');
    assert.equal(a.ok, false);
    assert.equal(a.cause, 'refused-write');
    assert.match(a.reason, /the unit answered the write of sell_enable_setting: unit 10 answered function 6 with exception 4/);
  });

  it('an absent unit delays no other: the unit that answers is written at once, the absent one reported on its own', async () => {
    const { client } = setup(30, [10]);
    const targets = [{ unit: 13, name: 'XW absent' }, { unit: 10, name: 'XW A' }];
    const seen = new Map<number, number>([[10, Date.now()]]);
    const w = new VerifiedWriter({ client, splits: new SplitMemory(), locks: new UnitLocks(), lastAnswer: (u) => seen.get(u) });
    const report = await w.run('start-sell', targets, { owner: 't', deadlineMs: 1000 });
    // unit 10's write follows its state reads: before unit 13's state read
    assert.deepEqual(client.log.slice(0, 4).map((t) => [t.unit, t.fc]), [[10, 3], [10, 3], [10, 6], [13, 3]]);
    const [absent, a] = report.units;
    assert.equal(a.ok, true);
    assert.equal(absent.unit, 13);
    assert.equal(absent.action, 'not-sent');
    assert.equal(absent.cause, 'unreadable');
    assert.match(absent.reason, /could not read the unit's state: unit 13 did not answer/);
  });

  it('a unit whose last answer is stale is asked after those that answer lately, others in the given order', async () => {
    const { client } = setup(30, [10, 11, 12]);
    const now = Date.now();
    const seen = new Map<number, number>([[10, now - 120000], [11, now - 1000], [12, now]]);
    const w = new VerifiedWriter({ client, splits: new SplitMemory(), locks: new UnitLocks(), lastAnswer: (u) => seen.get(u) });
    const report = await w.run('start-sell', UNITS, { owner: 't', deadlineMs: 1000 });
    assert.ok(report.ok);
    assert.deepEqual(report.units.map((u) => u.unit), [10, 11, 12], 'the report keeps the given order');
    assert.deepEqual(writes(client).map((t) => t.unit), [11, 12, 10]);
  });

  it('a dead unit is reported as unreadable, nothing written; the others are driven', async () => {
    const { device, client, writer } = setup();
    device.setDead(10, true);
    const report = await writer.run('start-sell', UNITS, { owner: 't', deadlineMs: 2000 });
    assert.equal(report.units[0].ok, false);
    assert.equal(report.units[0].action, 'not-sent');
    assert.match(report.units[0].reason, /could not read the unit's state/);
    assert.ok(report.units[1].ok && report.units[2].ok);
    assert.ok(!writes(client).some((t) => t.unit === 10));
  });

  it('a stuck unit does not hold back the verdict of the others', async () => {
    const { device, writer } = setup(30);
    device.unit(10).stuck = true;
    const report = await writer.run('start-charge', UNITS, { owner: 't', deadlineMs: 800 });
    assert.equal(report.units[0].ok, false);
    for (const u of report.units.slice(1)) {
      assert.ok(u.ok);
      assert.ok(u.ms < report.units[0].ms, `unit ${u.unit} verdict ${u.ms} ms, stuck unit ${report.units[0].ms} ms`);
    }
  });

  it('two commands on the same units never interleave; the second waits', async () => {
    const { client, writer } = setup(40);
    const a = writer.run('start-charge', UNITS, { owner: 'a', deadlineMs: 3000 });
    const b = writer.run('stop-charge', UNITS.slice(0, 2), { owner: 'b', deadlineMs: 3000 });
    const [ra, rb] = await Promise.all([a, b]);
    assert.ok(ra.ok && rb.ok);
    assert.deepEqual(writes(client).map((t) => [t.owner, t.values?.[0]]), [['a', 1], ['a', 1], ['a', 1], ['b', 0], ['b', 0]]);
    const lastOfA = client.log.map((t) => t.owner).lastIndexOf('a');
    const firstOfB = client.log.findIndex((t) => t.owner === 'b');
    assert.ok(firstOfB > lastOfA, 'b starts after a has finished');
  });

  it('a second command that cannot get its units within its deadline is not sent (busy), nothing written', async () => {
    const { device, client, writer } = setup(200);
    device.unit(10).stuck = true;
    const a = writer.run('start-charge', UNITS, { owner: 'a', deadlineMs: 600 });
    const b = writer.run('start-sell', [UNITS[0]], { owner: 'b', deadlineMs: 100 });
    const rb = await b;
    assert.equal(rb.ok, false);
    assert.equal(rb.units[0].action, 'not-sent');
    assert.equal(rb.units[0].cause, 'busy');
    assert.match(rb.units[0].reason, /another command on unit\(s\) 10 did not finish within/);
    await a;
    assert.ok(!writes(client).some((t) => t.address === 0x162));
  });

  it('groups adjacent writes into one function-16 write', () => {
    assert.deepEqual(writeGroups([{ field: 'charger_enable_setting', value: 0 }, { field: 'sell_enable_setting', value: 0 }]), [
      { address: 0x162, values: [0], fields: ['sell_enable_setting'] },
      { address: 0x164, values: [0], fields: ['charger_enable_setting'] },
    ]);
    assert.deepEqual(writeGroups([{ field: 'force_sell_setting', value: 0 }, { field: 'sell_enable_setting', value: 1 }]), [
      { address: 0x162, values: [1, 0], fields: ['sell_enable_setting', 'force_sell_setting'] },
    ]);
  });
});

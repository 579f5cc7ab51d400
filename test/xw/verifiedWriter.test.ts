import * as assert from 'node:assert/strict';
import { Priority } from '../../lib/bus/priority';
import { XwDevice } from '../../lib/sim/xwDevice';
import { COMMANDS } from '../../lib/xw/commandTable';
import { SplitMemory } from '../../lib/xw/unitSplits';
import { UnitLocks } from '../../lib/xw/unitLocks';
import { VerifiedWriter, writeGroups } from '../../lib/xw/verifiedWriter';
import { FakeRegisterClient } from './fakeRegisterClient';

const UNITS = [
  { unit: 10, name: 'XW A' },
  { unit: 11, name: 'XW B' },
  { unit: 12, name: 'XW C' },
];

function setup(delayMs = 30) {
  const device = new XwDevice([10, 11, 12], { switchDelayMs: delayMs });
  const client = new FakeRegisterClient(device);
  const locks = new UnitLocks();
  const writer = new VerifiedWriter({ client, splits: new SplitMemory(), locks });
  return { device, client, writer, locks };
}

const writes = (c: FakeRegisterClient) => c.log.filter((t) => t.fc !== 3);

describe('xw/verifiedWriter (fake client)', () => {
  it('reads all, writes all back to back, then only re-reads; rest is one operation', async () => {
    const { device, client, writer } = setup();
    for (const u of [10, 11, 12]) device.unit(u).setState({ charger: 1, sell: 1 });
    const report = await writer.run('rest', UNITS, { owner: 't', deadlineMs: 2000 });
    assert.ok(report.ok, JSON.stringify(report));
    assert.deepEqual(report.units.map((u) => u.action), ['written', 'written', 'written']);
    for (const u of report.units) {
      assert.equal(u.before?.charger_enabled, 1);
      assert.equal(u.after?.charger_enabled, 0);
      assert.equal(u.after?.sell_enabled, 0);
    }
    // the six writes (sell and charger enable per unit) are consecutive transactions
    const firstWrite = client.log.findIndex((t) => t.fc !== 3);
    assert.deepEqual(
      client.log.slice(firstWrite, firstWrite + 6).map((t) => [t.unit, t.fc, t.address, t.values?.[0]]),
      [10, 11, 12].flatMap((u) => [[u, 6, 0x162, 0], [u, 6, 0x164, 0]]),
    );
    assert.equal(writes(client).length, 6);
    assert.ok(client.log.slice(firstWrite, firstWrite + 6).every((t) => t.fc === 6));
    // nothing but reads after the writes
    assert.ok(client.log.slice(firstWrite + 6).every((t) => t.fc === 3));
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

  it('skips units already in state without writing', async () => {
    const { device, client, writer } = setup();
    device.unit(11).setState({ charger: 1 });
    const report = await writer.run('start-charge', UNITS, { owner: 't', deadlineMs: 2000 });
    assert.ok(report.ok);
    assert.deepEqual(report.units.map((u) => u.action), ['written', 'skipped', 'written']);
    assert.ok(!writes(client).some((t) => t.unit === 11));
  });

  it('refuses a unit in standby at once with the reason, and still drives the others', async () => {
    const { device, client, writer } = setup();
    device.unit(12).setState({ operatingMode: 2 });
    const report = await writer.run('start-sell', UNITS, { owner: 't', deadlineMs: 5000 });
    assert.equal(report.ok, false);
    const c = report.units[2];
    assert.equal(c.action, 'refused');
    assert.match(c.reason, /standby/);
    assert.ok(c.ms < 1000);
    assert.ok(report.units[0].ok && report.units[1].ok);
    assert.ok(!writes(client).some((t) => t.unit === 12));
  });

  it('reports a stuck unit not verified at the deadline, with what it shows', async () => {
    const { device, writer } = setup();
    device.unit(11).stuck = true;
    const report = await writer.run('start-charge', UNITS, { owner: 't', deadlineMs: 600 });
    const b = report.units[1];
    assert.equal(b.ok, false);
    assert.equal(b.action, 'written');
    assert.match(b.reason, /not verified within 600 ms: expected charger_enabled 1/);
    assert.equal(b.after?.charger_enabled, 0);
    assert.ok(report.units[0].ok && report.units[2].ok);
  });

  it('retries a write that timed out, within the deadline', async () => {
    const { client, writer } = setup();
    client.failWrites.set(10, 1);
    const report = await writer.run('start-sell', UNITS, { owner: 't', deadlineMs: 2000 });
    assert.ok(report.ok);
    assert.equal(writes(client).filter((t) => t.unit === 10).length, 2);
  });

  it('a dead unit is refused as unreadable; the others are driven', async () => {
    const { device, client, writer } = setup();
    device.setDead(10, true);
    const report = await writer.run('start-sell', UNITS, { owner: 't', deadlineMs: 2000 });
    assert.equal(report.units[0].ok, false);
    assert.match(report.units[0].reason, /could not read the unit's state/);
    assert.ok(report.units[1].ok && report.units[2].ok);
    assert.ok(!writes(client).some((t) => t.unit === 10));
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

  it('a second command that cannot get its units within its deadline fails without writing', async () => {
    const { device, client, writer } = setup(200);
    device.unit(10).stuck = true;
    const a = writer.run('start-charge', UNITS, { owner: 'a', deadlineMs: 600 });
    const b = writer.run('start-sell', [UNITS[0]], { owner: 'b', deadlineMs: 100 });
    const rb = await b;
    assert.equal(rb.ok, false);
    assert.match(rb.units[0].reason, /another command on unit\(s\) 10 did not finish within/);
    await a;
    assert.ok(!writes(client).some((t) => t.address === 0x162));
  });

  it('groups adjacent writes into one function-16 write', () => {
    assert.deepEqual(writeGroups([{ field: 'charger_enable_setting', value: 0 }, { field: 'sell_enable_setting', value: 0 }]), [
      { address: 0x162, values: [0] },
      { address: 0x164, values: [0] },
    ]);
    assert.deepEqual(writeGroups([{ field: 'force_sell_setting', value: 0 }, { field: 'sell_enable_setting', value: 1 }]), [{ address: 0x162, values: [1, 0] }]);
  });
});

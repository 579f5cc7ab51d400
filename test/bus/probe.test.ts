/**
 * A probe (the editor's XW and KACO scans) goes on the wire even when its unit is marked
 * unreachable (Modbus) or asleep (KACO's policy) and no probe is due: decided when the request
 * is dispatched, not only when it is submitted, so a probe queued behind other work is honoured
 * too. Runs on virtual time that never reaches the next scheduled probe.
 */
import assert from 'node:assert/strict';
import { Bus } from '../../lib/bus/bus';
import { Priority } from '../../lib/bus/priority';
import { TransportError } from '../../lib/bus/errors';
import { FakeLink, echoRun } from './fakeLink';
import { VirtualScheduler } from '../../lib/time/virtualScheduler';

describe('bus arbiter: probes of units marked unreachable or asleep', () => {
  let bus: Bus | undefined;
  let link: FakeLink;
  let answering = false;
  let time: VirtualScheduler;

  beforeEach(async () => {
    answering = false;
    time = new VirtualScheduler();
    link = new FakeLink((d) => (d.toString().startsWith('dead') && !answering ? { afterMs: 0 } : { reply: Buffer.from(`ok:${d.toString()}`), afterMs: 1 }), time);
    // the tests take well under a second of virtual time: no scheduled probe (≥ 1 s) falls due
    bus = new Bus('fake', { link: { kind: 'tcp', host: 'fake', port: 1 }, framing: 'rtu', timeoutMs: 20, pauseMs: 0, deadlineMs: 5000, trace: false }, { linkFactory: () => link, scheduler: time });
    bus.start();
    await time.runUntil(() => bus?.state === 'open', 1000, 'the bus opening');
  });

  afterEach(async () => {
    assert.ok(time.now() - 1000 < 1000, `the test took ${time.now() - 1000} ms of virtual time: a scheduled probe could have fallen due`);
    if (bus) await time.settle(bus.close());
    bus = undefined;
  });

  const ask = (unit: string, probe?: boolean): Promise<string> =>
    time.settle((bus as Bus).submit({ owner: 't', unit, priority: Priority.Background, probe, run: echoRun(`dead:${unit}`) }));

  async function markDead(unit: string): Promise<void> {
    for (let i = 0; i < 2; i++) await assert.rejects(ask(unit), { kind: 'timeout' });
    assert.ok(bus?.isUnreachable(unit), `${unit} marked`);
    await assert.rejects(ask(unit), (e: unknown) => e instanceof TransportError && e.kind === 'unreachable', 'a normal request is refused');
  }

  for (const [what, prefix, unit] of [
    ['unreachable Modbus unit', 'modbus:', 'modbus:10'],
    ['asleep KACO inverter (one probe a minute)', 'kaco:', 'kaco:3'],
  ] as const) {
    it(`lets a probe of an ${what} through at once, and it finds the unit`, async () => {
      (bus as Bus).setUnitPolicy(prefix, prefix === 'kaco:' ? { missesToUnreachable: 2, backoffInitialMs: 60000, backoffMaxMs: 60000, backoffFactor: 1 } : { missesToUnreachable: 2 });
      await markDead(unit);
      answering = true;
      const writes = link.writes.length;
      assert.equal(await ask(unit, true), `ok:dead:${unit}`);
      assert.equal(link.writes.length, writes + 1, 'the probe went on the wire');
      assert.ok(!bus?.isUnreachable(unit), 'the answer makes it reachable again');
    });
  }

  it('honours a probe queued behind other work when it is dispatched', async () => {
    (bus as Bus).setUnitPolicy('modbus:', { missesToUnreachable: 2 });
    await markDead('modbus:10');
    answering = true;
    // the wire is busy with another unit's request: the probe waits in the queue, then goes
    const busy = (bus as Bus).submit({ owner: 't', unit: 'modbus:11', priority: Priority.Poll, run: echoRun('other') });
    const probe = ask('modbus:10', true);
    assert.equal(await time.settle(busy), 'ok:other');
    assert.equal(await probe, 'ok:dead:modbus:10');
  });

  it('still refuses the unit\'s normal requests while its probe waits', async () => {
    (bus as Bus).setUnitPolicy('modbus:', { missesToUnreachable: 2 });
    await markDead('modbus:10');
    const probe = ask('modbus:10', true);
    await assert.rejects(ask('modbus:10'), { kind: 'unreachable' });
    await assert.rejects(probe, { kind: 'timeout' });
  });
});

import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '../../lib/bus/errors';
import type { BusCounters } from '../../lib/bus/busSettings';
import { parseChecks } from '../../lib/watchdog/checkConfig';
import { splitCommandLine } from '../../lib/watchdog/commandLine';
import type { CommandResult } from '../../lib/watchdog/rebootCommand';
import type { RebootReason } from '../../lib/watchdog/rebootReason';
import { ReasonStore } from '../../lib/watchdog/reasonStore';
import { Watchdog, type WatchdogOptions } from '../../lib/watchdog/watchdog';
import { ManualClock } from './manualClock';

describe('watchdog engine', () => {
  let dir: string;
  let clock: ManualClock;
  let uptime: number;
  let decisions: RebootReason[];
  let commands: CommandResult[];
  let watchdogs: Watchdog[];

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-watchdog-'));
    clock = new ManualClock();
    uptime = 100000;
    decisions = [];
    commands = [];
    watchdogs = [];
  });

  afterEach(async () => {
    await Promise.all(watchdogs.map((w) => w.close()));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const reasonFile = (): string => path.join(dir, 'reason.json');

  function make(checks: unknown[], over: Partial<WatchdogOptions> = {}): Watchdog {
    const w = new Watchdog({
      checks: parseChecks(checks),
      historySize: 5,
      policy: { minUptimeS: 3600, backoffFactor: 2, backoffMaxS: 86400 },
      dryRun: false,
      command: [],
      store: new ReasonStore(reasonFile()),
      scheduler: clock,
      systemUptimeS: () => uptime,
      appUptimeS: () => 12.5,
      wallTime: () => new Date('2016-12-10T12:25:43Z'),
      onDecision: (r) => decisions.push(r),
      onCommandDone: (r) => commands.push(r),
      ...over,
    });
    watchdogs.push(w);
    return w;
  }

  const flowCheck = (name: string, failsToAct: number, staleAfter = 600): Record<string, unknown> => ({ name, kind: 'flow', failsToAct, staleAfter });

  describe('fails in a row', () => {
    it('acts on the Nth failure in a row; a success in between resets the count', async () => {
      const w = make([flowCheck('logger', 3)]);
      await w.start();
      for (const ok of [false, false, true, false, false]) await w.feed('logger', ok);
      assert.equal(decisions.length, 0, 'two failures after a recovery do not break a rule of three');
      assert.equal(w.failsInRow('logger'), 2);
      await w.feed('logger', false);
      assert.equal(decisions.length, 1);
      assert.equal(decisions[0].check, 'logger');
      assert.equal(decisions[0].fails_in_row, 3);
      assert.equal(w.failsInRow('logger'), 0, 'after acting the rule counts from zero');
    });

    it('keeps the newest N results of a check', async () => {
      const w = make([flowCheck('door', 100)]);
      await w.start();
      const sequence = [true, true, false, true, false, false, true];
      for (const ok of sequence) {
        clock.advance(1000);
        await w.feed('door', ok);
      }
      const history = w.history('door');
      assert.equal(history.length, 5);
      assert.deepEqual(
        history.map((r) => r.ok),
        sequence.slice(-5),
      );
      assert.equal(history[history.length - 1].at, clock.now(), 'the last entry is the newest result');
    });
  });

  describe('stale flow checks', () => {
    it('counts no update within T as a failure, once per T', async () => {
      const w = make([flowCheck('poller', 2, 60)]);
      await w.start();
      clock.advance(59000);
      await w.runDue();
      assert.equal(w.failsInRow('poller'), 0, 'not stale before T');
      clock.advance(1000);
      await w.runDue();
      assert.equal(w.failsInRow('poller'), 1);
      assert.match(w.history('poller')[0].detail, /no update for 60 s/);
      await w.runDue();
      assert.equal(w.failsInRow('poller'), 1, 'the same stale period counts once');
      clock.advance(60000);
      await w.runDue();
      assert.equal(decisions.length, 1);
      assert.equal(decisions[0].detail, 'no update for 60 s');
    });

    it('an update restarts the staleness period', async () => {
      const w = make([flowCheck('poller', 1, 60)]);
      await w.start();
      clock.advance(50000);
      await w.feed('poller', true);
      clock.advance(50000);
      await w.runDue();
      assert.equal(w.failsInRow('poller'), 0);
      assert.equal(decisions.length, 0);
    });
  });

  describe('uptime gate and backoff', () => {
    it('does not act before the minimum system uptime, then acts', async () => {
      uptime = 600;
      const w = make([flowCheck('x', 1)]);
      await w.start();
      await w.feed('x', false);
      assert.equal(decisions.length, 0);
      const status = w.status();
      assert.equal(status.state, 'failing');
      assert.ok(status.state === 'failing' && status.waitingForUptime);
      assert.ok(status.state === 'failing' && status.leftMs === 3000 * 1000, 'time left is the rest of the minimum uptime');
      uptime = 3600;
      await w.runDue();
      assert.equal(decisions.length, 1);
      assert.equal(decisions[0].uptime_system_s, 3600);
      assert.equal(decisions[0].required_uptime_s, 3600);
    });

    it('backs off repeated reboots for the same reason, and clears the backoff when the check passes', async () => {
      uptime = 4000;
      const first = make([flowCheck('x', 1), flowCheck('y', 1)]);
      await first.start();
      await first.feed('x', false);
      assert.equal(decisions.length, 1);
      await first.close();

      // "after the reboot": same file, uptime past the minimum but below the doubled one
      const second = make([flowCheck('x', 1), flowCheck('y', 1)]);
      await second.start();
      await second.feed('x', false);
      assert.equal(decisions.length, 1, 'second reboot for x needs 7200 s');
      const status = second.status();
      assert.ok(status.state === 'failing' && status.check === 'x' && status.leftMs === 3200 * 1000);
      await second.feed('y', false);
      assert.equal(decisions.length, 2, 'another reason needs only the minimum');
      assert.equal(decisions[1].check, 'y');
      await second.close();

      const third = make([flowCheck('x', 1), flowCheck('y', 1)]);
      await third.start();
      await third.feed('y', false);
      assert.equal(decisions.length, 2, 'y again: backed off');
      await third.feed('y', true);
      await third.feed('y', false);
      assert.equal(decisions.length, 3, 'y passed in between: the minimum applies again');
      assert.equal(decisions[2].reboots_for_reason, 1);
    });
  });

  describe('reason file', () => {
    it('is written before the decision is reported, and reported once after a restart', async () => {
      const w = make([flowCheck('internet-ish', 2)], {
        onDecision: (r) => {
          // the file must already hold the reason when anything acts on the decision
          const onDisk = JSON.parse(fs.readFileSync(reasonFile(), 'utf8'));
          assert.deepEqual(onDisk.reason, r);
          decisions.push(r);
        },
      });
      assert.equal(await w.start(), null, 'nothing recorded yet');
      await w.feed('internet-ish', false);
      await w.feed('internet-ish', false);
      assert.equal(decisions.length, 1);
      assert.deepEqual(decisions[0], {
        check: 'internet-ish',
        kind: 'flow',
        detail: 'the flow reported a failure',
        fails_in_row: 2,
        fails_to_act: 2,
        history_failed: 2,
        history_size: 2,
        uptime_system_s: 100000,
        uptime_app_s: 12.5,
        monotonic_ms: 1000,
        wall_time: '2016-12-10T12:25:43.000Z',
        required_uptime_s: 3600,
        reboots_for_reason: 1,
        dry_run: false,
        command: '',
      });
      await w.close();
      assert.deepEqual(fs.readdirSync(dir), ['reason.json'], 'no temp file left beside it');

      const afterReboot = make([flowCheck('internet-ish', 2)]);
      assert.deepEqual(await afterReboot.start(), decisions[0]);
      await afterReboot.markReported();
      await afterReboot.close();

      const later = make([flowCheck('internet-ish', 2)]);
      assert.equal(await later.start(), null, 'reported once only');
    });

    it('moves an unreadable file aside and starts anyway', async () => {
      fs.writeFileSync(reasonFile(), '{"version": 1, "reas');
      const warnings: string[] = [];
      const w = make([flowCheck('a', 1)], { store: new ReasonStore(reasonFile(), (m) => warnings.push(m)) });
      assert.equal(await w.start(), null);
      assert.equal(warnings.length, 1);
      assert.match(warnings[0], /unreadable/);
      assert.ok(fs.existsSync(`${reasonFile()}.corrupt`));
    });
  });

  describe('command and dry run', () => {
    it('runs the configured command exactly once per decision', async () => {
      const marker = path.join(dir, 'ran');
      const w = make([flowCheck('a', 1), flowCheck('b', 1)], {
        policy: { minUptimeS: 0, backoffFactor: 2, backoffMaxS: 0 },
        command: splitCommandLine(`sh -c 'echo "$0" >> "$1"' decision '${marker}'`),
      });
      await w.start();
      await Promise.all([w.feed('a', false), w.feed('b', false)]);
      assert.equal(decisions.length, 1, 'two rules broken at once make one decision');
      assert.equal(fs.readFileSync(marker, 'utf8'), 'decision\n');
      await w.feed('b', false);
      assert.equal(decisions.length, 2);
      assert.equal(fs.readFileSync(marker, 'utf8'), 'decision\ndecision\n', 'one more run for the second decision');
      assert.equal(commands.length, 2);
      assert.ok(commands.every((c) => c.ok && c.code === 0));
    });

    it('reports a command that fails', async () => {
      const w = make([flowCheck('a', 1)], { command: ['sh', '-c', 'echo nope >&2; exit 3'] });
      await w.start();
      await w.feed('a', false);
      assert.equal(commands.length, 1);
      assert.deepEqual([commands[0].ok, commands[0].code, commands[0].message], [false, 3, 'nope']);
    });

    it('dry run reports the decision but writes no file and runs nothing', async () => {
      const marker = path.join(dir, 'ran');
      const w = make([flowCheck('a', 1)], { dryRun: true, command: ['touch', marker] });
      await w.start();
      await w.feed('a', false);
      assert.equal(decisions.length, 1);
      assert.equal(decisions[0].dry_run, true);
      assert.equal(commands.length, 0);
      assert.equal(fs.existsSync(marker), false);
      assert.equal(fs.existsSync(reasonFile()), false);
    });
  });

  describe('dry run decides when the armed watchdog would', () => {
    const policy = { minUptimeS: 3600, backoffFactor: 2, backoffMaxS: 86400 };
    const check = (): Record<string, unknown> => flowCheck('a', 2, 600);

    /** Feeds a failure every 300 s for `forS` seconds; returns the monotonic seconds of each decision. */
    async function failingFor(forS: number, dryRun: boolean): Promise<number[]> {
      const at: number[] = [];
      let bootAt = clock.now() - 100000 * 1000; // up for a long time already
      const boot = async (): Promise<Watchdog> => {
        const w = make([check()], {
          dryRun,
          policy,
          systemUptimeS: () => (clock.now() - bootAt) / 1000,
          onDecision: (r) => {
            decisions.push(r);
            at.push(clock.now() / 1000);
          },
        });
        await w.start();
        return w;
      };
      const start = clock.now();
      let w = await boot();
      while (clock.now() - start < forS * 1000) {
        clock.advance(300 * 1000);
        const before = at.length;
        await w.feed('a', false);
        await w.runDue();
        if (!dryRun && at.length > before) {
          // armed: the machine reboots, uptime starts again, the reason file stays
          await w.close();
          bootAt = clock.now();
          w = await boot();
        }
      }
      return at.map((t) => t - start / 1000);
    }

    it('decides once, then waits for the backoff, exactly like the armed watchdog', async () => {
      const armed = await failingFor(30000, false);
      assert.deepEqual(armed, [600, 7800, 22200], 'armed: 2 fails, then 2 h and 4 h of uptime after each reboot');
      fs.rmSync(reasonFile(), { force: true });
      decisions = [];
      const dry = await failingFor(30000, true);
      assert.deepEqual(dry, armed, 'dry run: the same decisions at the same times');
      assert.deepEqual(decisions.map((d) => [d.dry_run, d.reboots_for_reason, d.required_uptime_s]), [
        [true, 1, 3600],
        [true, 2, 7200],
        [true, 3, 14400],
      ]);
      assert.equal(fs.existsSync(reasonFile()), false, 'a dry run writes no reason file');
    });

    it('shows the backoff it waits for, and a pass clears it as for the armed one', async () => {
      uptime = 100000;
      const w = make([flowCheck('a', 1)], { dryRun: true, policy });
      await w.start();
      await w.feed('a', false);
      assert.equal(decisions.length, 1);
      await w.feed('a', false);
      assert.equal(decisions.length, 1, 'no second "would reboot" at once');
      const s = w.status();
      assert.ok(s.state === 'failing' && s.waitingForUptime && s.leftMs === 7200 * 1000, JSON.stringify(s));
      clock.advance(7199 * 1000);
      await w.feed('a', false);
      assert.equal(decisions.length, 1, 'not before the backed-off 7200 s');
      clock.advance(1000);
      await w.feed('a', false);
      assert.equal(decisions.length, 2);
      await w.feed('a', true);
      await w.feed('a', false);
      const after = w.status();
      assert.ok(after.state === 'failing' && after.leftMs === 3600 * 1000, 'passed in between: only the minimum uptime since the last decision');
      clock.advance(3600 * 1000);
      await w.feed('a', false);
      assert.equal(decisions.length, 3);
      assert.equal(decisions[2].reboots_for_reason, 1);
    });
  });

  describe('bad input', () => {
    it('refuses a non-boolean payload, an unknown check and a polled check with clear errors', async () => {
      const w = make([flowCheck('a', 1), { name: 'port', kind: 'serial', path: '/dev/ttyUSB*' }]);
      await w.start();
      await assert.rejects(w.feed('a', 'false'), (e: Error) => e instanceof ConfigError && /check "a" needs msg.payload true \(ok\) or false \(failed\), got string "false"/.test(e.message));
      await assert.rejects(w.feed('a', 0), /got number 0/);
      await assert.rejects(w.feed('nope', true), /unknown check "nope"; checks fed by the flow: "a"/);
      await assert.rejects(w.feed(undefined, true), /msg.topic must name a check fed by the flow \("a"\), got nothing/);
      await assert.rejects(w.feed('port', true), /"port" is a serial check that the watchdog runs itself/);
      assert.equal(w.history('a').length, 0, 'bad input records nothing');
    });

    it('refuses bad check configuration', () => {
      assert.throws(() => parseChecks([{ name: 'a', kind: 'ping' }]), /check "a": unknown kind "ping"/);
      assert.throws(() => parseChecks([flowCheck('a', 1), flowCheck('a', 2)]), /two checks are named "a"/);
      assert.throws(() => parseChecks([{ name: 'n', kind: 'internet', host: 'x', port: 70000 }]), /port must be an integer from 1 to 65535/);
      assert.throws(() => parseChecks([{ name: 'n', kind: 'serial', path: '/dev/*/tty' }]), /wildcard is allowed only in the file name/);
      assert.throws(() => parseChecks([{ name: '', kind: 'flow' }]), /check 1 has no name/);
      assert.throws(() => parseChecks([{ name: 'f', kind: 'flow', failsToAct: 1.5 }]), /failsToAct must be an integer/);
      assert.throws(() => make([{ name: 'b', kind: 'bus' }]), /watches a bus, but no rs485-bus is chosen/);
    });

    it('takes numbers typed as text in the editor', () => {
      const [c] = parseChecks([{ name: 'n', kind: 'internet', mode: 'tcp', host: 'h', port: '8086', interval: '30', failsToAct: '4' }]);
      assert.deepEqual(c, { kind: 'internet', name: 'n', failsToAct: 4, mode: 'tcp', host: 'h', port: 8086, server: '', intervalS: 30 });
    });
  });

  describe('polled checks', () => {
    it('runs each check at its interval on the monotonic clock', async () => {
      let probes = 0;
      const w = make([{ name: 'port', kind: 'serial', path: '/dev/x', interval: 10, failsToAct: 3 }], {
        probes: {
          serial: () => {
            probes += 1;
            return { ok: false, detail: 'gone' };
          },
        },
      });
      await w.start();
      await w.runDue();
      await w.runDue();
      assert.equal(probes, 1, 'the first run at start, then not before the interval');
      clock.advance(9999);
      await w.runDue();
      assert.equal(probes, 1);
      clock.advance(1);
      await w.runDue();
      assert.equal(probes, 2);
      const status = w.status();
      assert.ok(status.state === 'failing' && status.check === 'port' && status.failsInRow === 2 && status.leftMs === 10000, JSON.stringify(status));
      clock.advance(10000);
      await w.runDue();
      assert.equal(decisions.length, 1);
      assert.equal(decisions[0].kind, 'serial');
    });

    it('internet by TCP: ok while a server listens, failing when it is gone', async () => {
      const server = net.createServer((s) => s.destroy());
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const port = (server.address() as net.AddressInfo).port;
      const w = make([{ name: 'net', kind: 'internet', mode: 'tcp', host: '127.0.0.1', port, interval: 5, failsToAct: 2 }]);
      await w.start();
      await w.runDue();
      assert.deepEqual(
        w.history('net').map((r) => r.ok),
        [true],
      );
      await new Promise<void>((resolve) => server.close(() => resolve()));
      clock.advance(5000);
      await w.runDue();
      assert.equal(w.history('net')[1].ok, false);
      assert.match(w.history('net')[1].detail, /ECONNREFUSED/);
    });

    it('bus health: fails when no new success is seen within T, recovers on the next one', async () => {
      let lastSuccess: number | null = null;
      let present = true;
      const bus = {
        key: 'serial:/dev/ttyUSB0',
        counters: () => ({ lastSuccessAny: lastSuccess }) as BusCounters,
      };
      const w = make([{ name: 'bus', kind: 'bus', within: 120, interval: 60, failsToAct: 2 }], { findBus: () => (present ? bus : undefined) });
      await w.start();
      const sampleAfter = async (ms: number): Promise<{ ok: boolean; detail: string }> => {
        clock.advance(ms);
        await w.runDue();
        return w.history('bus')[w.history('bus').length - 1];
      };
      assert.equal((await sampleAfter(0)).ok, true, 'T counts from the watchdog start');
      lastSuccess = Date.parse('2016-12-03T19:22:29Z'); // a wall clock far in the past changes nothing
      assert.equal((await sampleAfter(60000)).ok, true, 'a new success seen at 60 s');
      assert.equal((await sampleAfter(60000)).ok, true);
      assert.equal((await sampleAfter(60000)).ok, true, 'at 180 s the success is 120 s old: within T');
      const stale = await sampleAfter(60000);
      assert.equal(stale.ok, false, 'at 240 s it is 180 s old');
      assert.match(stale.detail, /no successful transaction on serial:\/dev\/ttyUSB0 for 180 s/);
      lastSuccess += 1;
      assert.equal((await sampleAfter(60000)).ok, true, 'the next success recovers');
      assert.equal(w.failsInRow('bus'), 0);
      present = false;
      const gone = await sampleAfter(180000);
      assert.equal(gone.ok, false);
      assert.match(gone.detail, /bus not open/);
    });
  });

  it('close cancels a running probe and nothing runs after it', async () => {
    let probes = 0;
    const w = make([{ name: 'net', kind: 'internet', mode: 'tcp', host: '192.0.2.1', port: 53, interval: 5 }], {
      probes: {
        tcp: (_h, _p, _t, signal) => {
          probes += 1;
          return new Promise((resolve) => signal.addEventListener('abort', () => resolve({ ok: false, detail: 'cancelled' })));
        },
      },
    });
    await w.start();
    const run = w.runDue();
    await w.close();
    await run;
    clock.advance(60000);
    await w.runDue();
    assert.equal(probes, 1);
  });
});

import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openPtyPair, type PtyPair } from '../../lib/sim/ptyPair';
import { parseChecks } from '../../lib/watchdog/checkConfig';
import { dnsProbe } from '../../lib/watchdog/probes/dnsProbe';
import { serialPortProbe } from '../../lib/watchdog/probes/serialPortProbe';
import { ReasonStore } from '../../lib/watchdog/reasonStore';
import type { RebootReason } from '../../lib/watchdog/rebootReason';
import { Watchdog } from '../../lib/watchdog/watchdog';
import { ManualClock } from './manualClock';

/** A DNS server on 127.0.0.1 that answers every A query with 127.0.0.1, or stays silent. */
async function fakeDnsServer(): Promise<{ address: string; silent: boolean; close(): Promise<void> }> {
  const socket = dgram.createSocket('udp4');
  const server = {
    address: '',
    silent: false,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
  socket.on('message', (query, peer) => {
    if (server.silent) return;
    let end = 12; // header; then the name as length-prefixed labels, then type and class
    while (query[end] !== 0) end += query[end] + 1;
    const question = query.subarray(12, end + 5);
    const header = Buffer.from([query[0], query[1], 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0]);
    const answer = Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 127, 0, 0, 1]);
    socket.send(Buffer.concat([header, question, answer]), peer.port, peer.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  server.address = `127.0.0.1:${socket.address().port}`;
  return server;
}

describe('watchdog probes', () => {
  describe('internet by DNS', () => {
    it('is ok when the server answers, failing when it is silent or gone', async () => {
      const server = await fakeDnsServer();
      try {
        const ok = await dnsProbe('example.org', server.address, 1000);
        assert.deepEqual(ok, { ok: true, detail: `example.org is 127.0.0.1 (asked ${server.address})` });
        server.silent = true;
        const silent = await dnsProbe('example.org', server.address, 300);
        assert.equal(silent.ok, false);
        assert.match(silent.detail, /no DNS answer for example.org/);
      } finally {
        await server.close();
      }
    });

    it('reports a malformed server address', async () => {
      const r = await dnsProbe('example.org', 'not an address', 300);
      assert.equal(r.ok, false);
      assert.match(r.detail, /bad DNS server not an address/);
    });
  });

  describe('serial port present', () => {
    let pty: PtyPair | undefined;
    let dir: string;

    beforeEach(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-watchdog-port-'));
    });

    afterEach(async () => {
      await pty?.close();
      pty = undefined;
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('follows a socat pty that disappears and comes back, by path and by glob', async () => {
      pty = await openPtyPair();
      const glob = path.join(path.dirname(pty.clientPath), 'cli*');
      assert.equal(serialPortProbe(pty.clientPath).ok, true);
      assert.deepEqual(serialPortProbe(glob), { ok: true, detail: `${pty.clientPath} present` });

      const clock = new ManualClock();
      const decisions: RebootReason[] = [];
      const watchdog = new Watchdog({
        checks: parseChecks([{ name: 'adapter', kind: 'serial', path: glob, interval: 10, failsToAct: 2 }]),
        historySize: 10,
        policy: { minUptimeS: 3600, backoffFactor: 2, backoffMaxS: 86400 },
        dryRun: false,
        command: [],
        store: new ReasonStore(path.join(dir, 'reason.json')),
        scheduler: clock,
        systemUptimeS: () => 7200,
        onDecision: (r) => decisions.push(r),
      });
      try {
        await watchdog.start();
        const step = async (): Promise<boolean> => {
          await watchdog.runDue();
          clock.advance(10000);
          const h = watchdog.history('adapter');
          return h[h.length - 1].ok;
        };
        assert.equal(await step(), true);
        await pty.stop(); // unplugged
        assert.equal(await step(), false);
        assert.match(watchdog.history('adapter')[1].detail, /no device at .*cli\*/);
        await pty.start(); // plugged in again before the rule broke
        assert.equal(await step(), true);
        assert.equal(watchdog.failsInRow('adapter'), 0);
        await pty.stop();
        assert.equal(await step(), false);
        assert.equal(await step(), false);
        assert.equal(decisions.length, 1);
        assert.equal(decisions[0].check, 'adapter');
        assert.deepEqual(
          watchdog.history('adapter').map((r) => r.ok),
          [true, false, true, false, false],
        );
      } finally {
        await watchdog.close();
      }
    });
  });
});

import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import { Bus } from '../../lib/bus/bus';
import type { BusSettings } from '../../lib/bus/busSettings';
import { TransportError } from '../../lib/bus/errors';
import type { LinkConfig } from '../../lib/bus/link';
import { clockTime, linkCauseText, linkSettled, LinkTracker, notSentText } from '../../lib/bus/linkCause';
import { Priority } from '../../lib/bus/priority';
import { openPtyPair, type PtyPair } from '../../lib/sim/ptyPair';
import { busStatus, busStatusText } from '../../lib/status/busStatus';
import { shortStatusText } from '../../lib/status/statusText';
import { waitFor } from '../support/waitFor';

const serial = (path: string): LinkConfig => ({ kind: 'serial', path, baudRate: 19200, format: { dataBits: 8, parity: 'none', stopBits: 1 } });
const tcp = (port: number): LinkConfig => ({ kind: 'tcp', host: '127.0.0.1', port });
const settingsFor = (link: LinkConfig): BusSettings => ({ link, framing: 'rtu', timeoutMs: 200, pauseMs: 0, deadlineMs: 5000, trace: false });

/** A TCP port on 127.0.0.1 where nothing listens (a server bound and closed again). */
async function refusedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const NOT_SENT = /^not sent: bus down since (\d\d:\d\d:\d\d) — (.*)$/;

describe('bus link state and its cause', function () {
  this.timeout(20000);
  const buses: Bus[] = [];
  const open = (link: LinkConfig): Bus => {
    const bus = new Bus(`test:${JSON.stringify(link)}`, settingsFor(link));
    buses.push(bus);
    bus.start();
    return bus;
  };
  const submitOne = (bus: Bus, deadlineMs: number): Promise<unknown> =>
    bus.submit({ owner: 't', priority: Priority.Poll, unit: 'xw:10', deadlineMs, run: () => Promise.resolve('sent') });
  afterEach(async () => {
    await Promise.all(buses.splice(0).map((b) => b.close()));
  });

  describe('causes a user can act on', () => {
    it('maps serialport and net errors to "not found", "permission denied", "refused"', () => {
      const usb = serial('/dev/ttyUSB0');
      // the texts serialport's bindings give (errno only as strerror in the message) and net's codes
      assert.equal(linkCauseText(new Error('no serial port matches /dev/ttyUSB0'), usb), 'port /dev/ttyUSB0 not found, retrying');
      assert.equal(linkCauseText(new Error('cannot open /dev/ttyUSB0: Error: No such file or directory, cannot open /dev/ttyUSB0'), usb), 'port /dev/ttyUSB0 not found, retrying');
      assert.equal(
        linkCauseText(new Error('cannot open /dev/ttyUSB0: Error: Permission denied, cannot open /dev/ttyUSB0'), usb),
        'cannot open /dev/ttyUSB0: permission denied (add the user to the dialout group)',
      );
      assert.equal(linkCauseText(Object.assign(new Error('open'), { code: 'EACCES' }), usb), 'cannot open /dev/ttyUSB0: permission denied (add the user to the dialout group)');
      assert.equal(linkCauseText(new Error('cannot open /dev/ttyUSB0: Error: Resource temporarily unavailable Cannot lock port'), usb), 'cannot open /dev/ttyUSB0: in use by another program');
      const refused = Object.assign(new Error('cannot connect to 127.0.0.1:502: connect ECONNREFUSED 127.0.0.1:502'), { code: 'ECONNREFUSED' });
      assert.equal(linkCauseText(refused, tcp(502)), 'connection refused 127.0.0.1:502');
      assert.equal(linkCauseText(new Error('cannot connect to nohost:502: getaddrinfo ENOTFOUND nohost'), { kind: 'tcp', host: 'nohost', port: 502 }), 'host nohost not found');
      assert.equal(linkCauseText(new Error('cannot connect to 10.0.0.9:502: connect timed out'), { kind: 'tcp', host: '10.0.0.9', port: 502 }), 'no answer from 10.0.0.9:502 (connect timed out)');
    });

    it('keeps "since" at the first failure of an outage; "lost" only for a link that was open', () => {
      let now = Date.parse('2026-06-01T10:00:00Z');
      const t = new LinkTracker(tcp(502), { wallNow: () => now });
      assert.deepEqual(t.status, { phase: 'never-opened' });
      t.openFailed(new Error('connect ECONNREFUSED 127.0.0.1:502'));
      const first = t.status.cause?.since;
      now += 10000;
      t.openFailed(new Error('connect ECONNREFUSED 127.0.0.1:502'));
      assert.equal(t.status.phase, 'never-opened');
      assert.equal(t.status.cause?.since, first, 'a retry does not move "since"');
      t.opened();
      assert.deepEqual(t.status, { phase: 'open' });
      now += 5000;
      t.lost(new Error('connection to 127.0.0.1:502 closed'));
      assert.deepEqual(t.status, { phase: 'lost', cause: { message: 'connection to 127.0.0.1:502 lost', reason: { code: 'connectionLost', where: '127.0.0.1:502' }, since: now } });
      t.openFailed(new Error('connect ECONNREFUSED 127.0.0.1:502'));
      assert.equal(t.status.phase, 'lost', 'still lost while reopening fails');
      assert.equal(t.status.cause?.message, 'connection refused 127.0.0.1:502');
      const { phase, cause } = t.status;
      assert.ok(cause);
      assert.equal(notSentText({ phase, cause }), `not sent: bus down since ${clockTime(cause.since)} — link lost: connection refused 127.0.0.1:502`);
    });

    it('shortens a by-id path in the status to its end, keeping the whole text for the log', () => {
      const long = 'cannot open /dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A50285BI-if00-port0: permission denied (add the user to the dialout group)';
      const short = shortStatusText(long);
      assert.ok(short.length <= 60, short);
      assert.ok(short.startsWith('cannot open …A50285BI-if00-port0'), short);
      assert.equal(shortStatusText('connected /dev/ttyUSB0'), 'connected /dev/ttyUSB0');
    });
  });

  describe('on a real port and socket', () => {
    it('a missing port: "port … not found, retrying"; a request fails its deadline saying why it was not sent', async () => {
      const bus = open(serial('/dev/ttyNOPE'));
      await linkSettled(bus, 2000);
      assert.deepEqual(bus.linkStatus.phase, 'never-opened');
      assert.equal(bus.linkStatus.cause?.message, 'port /dev/ttyNOPE not found, retrying');
      assert.deepEqual(busStatus(bus), { fill: 'red', shape: 'ring', text: 'port /dev/ttyNOPE not found, retrying' });
      const err = await submitOne(bus, 300).then(
        () => assert.fail('nothing can be sent'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof TransportError && err.kind === 'deadline', String(err));
      const m = NOT_SENT.exec(err.message);
      assert.ok(m, err.message);
      assert.equal(m[1], clockTime(bus.linkStatus.cause?.since ?? 0));
      assert.equal(m[2], 'port /dev/ttyNOPE not found, retrying');
      assert.deepEqual(err.linkCause, bus.linkStatus.cause);
    });

    it('a refused server: "connection refused 127.0.0.1:<port>"', async () => {
      const port = await refusedPort();
      const bus = open(tcp(port));
      await linkSettled(bus, 2000);
      assert.equal(bus.state, 'reconnecting');
      assert.equal(busStatusText(bus), `connection refused 127.0.0.1:${port}`);
      const err = (await submitOne(bus, 300).catch((e: unknown) => e)) as TransportError;
      assert.match(err.message, new RegExp(`^not sent: bus down since \\d\\d:\\d\\d:\\d\\d — connection refused 127\\.0\\.0\\.1:${port}$`));
    });

    it('a link that was open and went away says "link lost since …"', async () => {
      const sockets = new Set<net.Socket>();
      const server = net.createServer((s) => sockets.add(s));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const port = (server.address() as net.AddressInfo).port;
      try {
        const bus = open(tcp(port));
        await waitFor(() => bus.state === 'open' && sockets.size === 1, 5000, 'open');
        assert.deepEqual(bus.linkStatus, { phase: 'open' });
        assert.equal(busStatus(bus).fill, 'green');
        await new Promise<void>((resolve) => server.close(() => resolve()) && sockets.forEach((s) => s.destroy()));
        await waitFor(() => bus.linkStatus.phase === 'lost', 5000, 'lost');
        assert.match(busStatusText(bus), /^link lost since \d\d:\d\d:\d\d: connection (to 127\.0\.0\.1:\d+ lost|refused 127\.0\.0\.1:\d+)$/);
      } finally {
        server.close();
      }
    });

    it('permission denied on a port (a pty chmod 000; as root, which bypasses permissions, the mapping of the real error text)', async () => {
      const asRoot = process.getuid?.() === 0;
      if (asRoot) {
        // serialport_unix.cpp: snprintf("Error: %s, cannot open %s", strerror(errno), path) with EACCES
        const err = new TransportError('open', 'cannot open /dev/pts/7: Error: Permission denied, cannot open /dev/pts/7');
        assert.equal(linkCauseText(err, serial('/dev/ttyPTY')), 'cannot open /dev/pts/7: permission denied (add the user to the dialout group)');
        return;
      }
      const pty: PtyPair = await openPtyPair();
      try {
        fs.chmodSync(fs.realpathSync(pty.clientPath), 0o000);
        const bus = open(serial(pty.clientPath));
        await linkSettled(bus, 2000);
        assert.match(busStatusText(bus), /^cannot open \S+: permission denied \(add the user to the dialout group\)$/);
      } finally {
        await pty.close();
      }
    });
  });
});

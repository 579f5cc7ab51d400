/**
 * Three names of one adapter — the device path, a glob (`<dir>/ttyUSB*`) and a
 * `/dev/serial/by-id/…`-style link — are one physical port, so they get one bus (one arbiter),
 * and another port is another bus. The adapter is a socat pty; the names are symlinks to it.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { acquireBus, busHeldBy, physicalKey, releaseBus } from '../../lib/bus/busRegistry';
import type { BusSettings } from '../../lib/bus/busSettings';
import { FORMAT_8N1 } from '../../lib/bus/wireTiming';
import { openPtyPair, type PtyPair } from '../../lib/sim/ptyPair';

describe('bus registry: names of one physical port', function () {
  this.timeout(15000);
  let pairs: PtyPair[] = [];
  let dir = '';

  before(async () => {
    pairs = [await openPtyPair(), await openPtyPair()];
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'port-names-'));
    const device = fs.realpathSync(pairs[0].clientPath);
    fs.symlinkSync(device, path.join(dir, 'ttyUSB0'));
    fs.mkdirSync(path.join(dir, 'by-id'));
    fs.symlinkSync(path.join('..', 'ttyUSB0'), path.join(dir, 'by-id', 'usb-FTDI_FT232R_USB_UART_A1B2C3-if00-port0'));
  });

  after(async () => {
    fs.rmSync(dir, { recursive: true, force: true });
    for (const p of pairs) await p.close();
  });

  const settings = (p: string): BusSettings => ({ link: { kind: 'serial', path: p, baudRate: 19200, format: FORMAT_8N1 }, framing: 'rtu', timeoutMs: 300, pauseMs: 0, deadlineMs: 5000, trace: false });

  it('gives the device path, a glob and a by-id link one key and one bus', async () => {
    const device = fs.realpathSync(pairs[0].clientPath);
    const names = [device, path.join(dir, 'ttyUSB*'), path.join(dir, 'by-id', 'usb-FTDI_FT232R_USB_UART_A1B2C3-if00-port0'), pairs[0].clientPath];
    const keys = new Set(names.map((n) => physicalKey(settings(n))));
    assert.deepEqual([...keys], [`serial:${device}`]);
    const buses = names.map((n, i) => acquireBus(settings(n), `owner${i}`));
    try {
      assert.ok(buses.every((b) => b === buses[0]), 'one bus for every name');
      assert.ok(names.every((_n, i) => busHeldBy(`owner${i}`) === buses[0]), 'each owner finds the one bus it holds, by whatever name it gave');
      assert.equal(busHeldBy('nobody'), undefined);
      const other = acquireBus(settings(pairs[1].clientPath), 'other');
      assert.notEqual(other, buses[0], 'another adapter is another bus');
      await releaseBus(other, 'other');
    } finally {
      for (let i = 0; i < buses.length; i++) await releaseBus(buses[i], `owner${i}`);
    }
    assert.equal(buses[0].state, 'closed', 'closed once the last name released it');
    assert.equal(busHeldBy('owner0'), undefined, 'released: held by no one');
  });

  it('refuses a second owner of the port with other arbiter settings, naming both and what differs', async () => {
    const device = fs.realpathSync(pairs[0].clientPath);
    const first = acquireBus(settings(device), 'a', undefined, 'rs485-bus "XW bus" (a)');
    try {
      assert.throws(
        () => acquireBus({ ...settings(path.join(dir, 'ttyUSB0')), timeoutMs: 900, trace: true }, 'b', undefined, 'rs485-bus "other" (b)'),
        (err: Error) =>
          err.name === 'ConfigError' &&
          err.message.includes('rs485-bus "XW bus" (a)') &&
          err.message.includes('rs485-bus "other" (b)') &&
          err.message.includes('timeout 300 ms there, 900 ms here') &&
          err.message.includes('trace off there, on here') &&
          !err.message.includes('pause'),
      );
      assert.throws(() => acquireBus({ ...settings(device), baudRate: 9600, link: { kind: 'serial', path: device, baudRate: 9600, format: FORMAT_8N1 } } as BusSettings, 'c', undefined, 'rs485-bus c'), /already in use as a 19200 8N1 rtu bus by rs485-bus "XW bus" \(a\); rs485-bus c cannot also open it as 9600/);
      // the same settings share the one bus
      const same = acquireBus(settings(path.join(dir, 'ttyUSB*')), 'd');
      assert.equal(same, first);
      await releaseBus(same, 'd');
    } finally {
      await releaseBus(first, 'a');
    }
  });
});

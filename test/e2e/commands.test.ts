/**
 * The two commands as users run them: `solar-bus-sim` (the package's bin) and the `npm start`
 * demo script, each as its own process: they start, answer, print where they are, and stop on
 * Ctrl-C (SIGINT) leaving nothing listening.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { acquireBus, releaseBus } from '../../lib/bus/busRegistry';
import { Priority } from '../../lib/bus/priority';
import { modbusClientFor } from '../../lib/modbus/modbusClient';
import { busSettingsFrom } from '../../nodes/rs485-bus/busConfig';
import { freePort } from '../support/nodeRedProcess';
import { ROOT } from './support/exampleFlows';

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string>; scripts: Record<string, string> };
const SIM = path.join(ROOT, pkg.bin['solar-bus-sim']);
const DEMO = path.join(ROOT, 'dist', 'scripts', 'demo.js');

interface Run {
  child: ChildProcess;
  out(): string;
  exited: Promise<number | null>;
}

const running = new Set<ChildProcess>();

function run(file: string, args: string[]): Run {
  const child = spawn(process.execPath, [file, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  void exited.then(() => running.delete(child));
  return { child, out: () => out, exited };
}

async function until(pred: () => boolean, ms: number, what: string, r?: Run): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${r ? `; output:\n${r.out()}` : ''}`);
    await new Promise((res) => setTimeout(res, 50));
  }
}

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });
}

/** one KACO request (#AA0 CR) and the reply's first line */
function kacoAsk(port: number, address: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(`#${String(address).padStart(2, '0')}0\r`));
    let text = '';
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`no KACO reply; got ${JSON.stringify(text)}`));
    }, 5000);
    s.on('data', (d: Buffer) => {
      text += d.toString('latin1');
      if (text.includes('\r')) {
        clearTimeout(timer);
        s.destroy();
        resolve(text);
      }
    });
    s.once('error', reject);
  });
}

describe('the commands (e2e)', function () {
  this.timeout(120000);

  after(function () {
    for (const c of running) c.kill('SIGKILL');
  });

  describe('solar-bus-sim', function () {
    it('is the package bin, built, with a shebang', function () {
      assert.equal(pkg.bin['solar-bus-sim'], 'dist/scripts/solar-bus-sim.js');
      assert.match(fs.readFileSync(SIM, 'utf8'), /^#!\/usr\/bin\/env node/);
    });

    it('--help prints the options and exits 0', async function () {
      const r = run(SIM, ['--help']);
      assert.equal(await r.exited, 0);
      for (const option of ['--xw', '--kaco', '--xw-transport', '--kaco-transport', '--xw-framing', '--time-of-day', '--json']) assert.match(r.out(), new RegExp(option));
    });

    it('a wrong option exits 2 with a message saying what is wrong', async function () {
      const r = run(SIM, ['--xw-transport', 'usb']);
      assert.equal(await r.exited, 2);
      assert.match(r.out(), /--xw-transport must be one of tcp, pty, got "usb"/);
    });

    it('serves XW units (Modbus RTU over TCP) and KACO inverters, and Ctrl-C stops it leaving nothing listening', async function () {
      const r = run(SIM, ['--json', '--xw', '2', '--xw-unit', '20', '--kaco', '2', '--time-of-day', '12']);
      await until(() => r.out().includes('\n'), 15000, 'the endpoints', r);
      const info = JSON.parse(r.out().split('\n')[0]) as { xw: { port: number; units: number[]; bus: Record<string, unknown> }; kaco: { port: number; addresses: number[] } };
      assert.deepEqual(info.xw.units, [20, 21]);
      assert.deepEqual(info.kaco.addresses, [1, 2]);
      assert.equal(info.xw.bus.connection, 'tcp-raw');

      // the rs485-bus settings the command printed reach the units
      const bus = acquireBus(busSettingsFrom(info.xw.bus), 'e2e');
      try {
        // Operating Mode (358) of a unit in operation reads 3
        const values = await modbusClientFor(bus).readHoldingRegisters(21, 358, 1, { owner: 'e2e', priority: Priority.Poll, timeoutMs: 2000 });
        assert.deepEqual(values, [3]);
      } finally {
        await releaseBus(bus, 'e2e');
      }
      // address 2 is a TL3 (generic protocol, reply "n")
      assert.match(await kacoAsk(info.kaco.port, 2), /^\n\*02n \d+ 086L32 /);

      r.child.kill('SIGINT');
      assert.equal(await r.exited, 0);
      assert.ok(await refused(info.xw.port), 'XW port still open');
      assert.ok(await refused(info.kaco.port), 'KACO port still open');
    });

    it('--kaco-transport pty gives a device path, gone after SIGTERM', async function () {
      const r = run(SIM, ['--xw', '0', '--kaco-transport', 'pty']);
      await until(() => /KACO inverters 1, 2, 3 on pty (\S+)/.test(r.out()), 15000, 'the pty path', r);
      const ptyPath = /on pty (\S+)/.exec(r.out())?.[1] ?? '';
      assert.ok(fs.existsSync(ptyPath), `${ptyPath} missing`);
      assert.match(r.out(), new RegExp(`rs485-bus: connection=serial serialPort=${ptyPath.replace(/[/.]/g, '\\$&')} baudRate=9600`));
      r.child.kill('SIGTERM');
      assert.equal(await r.exited, 0);
      assert.ok(!fs.existsSync(ptyPath), `${ptyPath} left behind`);
    });
  });

  describe('npm start (the demo script)', function () {
    it('is what npm start runs after the build', function () {
      assert.equal(pkg.scripts.start, 'node scripts/build.js && node dist/scripts/demo.js');
    });

    it('prints the editor and dashboard URLs, serves both, and Ctrl-C stops Node-RED and the simulators', async function () {
      const port = await freePort();
      const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'solar-bus-demo-cmd-'));
      const r = run(DEMO, ['--port', String(port), '--user-dir', userDir]);
      try {
        await until(() => /Ctrl-C stops everything/.test(r.out()), 90000, 'the demo to start', r);
        assert.match(r.out(), new RegExp(`Node-RED editor: +http://127\\.0\\.0\\.1:${port}/`));
        assert.match(r.out(), new RegExp(`Dashboard: +http://127\\.0\\.0\\.1:${port}/dashboard`));
        const simPorts = [...r.out().matchAll(/simulated on 127\.0\.0\.1:(\d+)/g)].map((m) => Number(m[1]));
        assert.equal(simPorts.length, 3, `XW, KACO and SMA lines: ${r.out()}`);
        assert.equal((await fetch(`http://127.0.0.1:${port}/`)).status, 200);
        assert.equal((await fetch(`http://127.0.0.1:${port}/dashboard`)).status, 200);
        const flows = (await (await fetch(`http://127.0.0.1:${port}/flows`)).json()) as { type: string }[];
        assert.ok(flows.some((n) => n.type === 'xw-poll') && flows.some((n) => n.type === 'ui-base') && flows.some((n) => n.type === 'pv-cache') && flows.some((n) => n.type === 'sma-read'), 'the dashboard flow is deployed');
        r.child.kill('SIGINT');
        assert.equal(await r.exited, 0);
        for (const p of [port, ...simPorts]) assert.ok(await refused(p), `port ${p} still open after Ctrl-C`);
      } finally {
        r.child.kill('SIGKILL');
        // after the process is gone: a dying Node-RED still writing its files would fail the removal and hide the real failure
        await r.exited.catch(() => undefined);
        fs.rmSync(userDir, { recursive: true, force: true, maxRetries: 3 });
      }
    });
  });
});

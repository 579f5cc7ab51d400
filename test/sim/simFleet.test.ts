/**
 * The fleet `solar-bus-sim` and the demo start, for SMA: Sunny Boys on one SMA Data1 line (TCP
 * and pty), an SMC on a pty standing in for /dev/rfcomm0, an inverter on Speedwire. Each is read
 * by a real Bus and the source of its transport, through the settings the fleet prints (the
 * rs485-bus properties go through the node's own parser); close leaves no socat, pty, port or socket.
 */
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as net from 'node:net';
import { Bus } from '../../lib/bus/bus';
import type { LinkConfig } from '../../lib/bus/link';
import { BluetoothSource } from '../../lib/sma/bluetoothSource';
import { Data1Source } from '../../lib/sma/data1Source';
import { LogonError } from '../../lib/sma/smaSource';
import { SpeedwireSource } from '../../lib/sma/speedwireSource';
import { describeFleet, fleetJson, parseSimCommand } from '../../lib/sim/simCommandLine';
import { DEFAULT_SMA_DATA1, smaEndpoints, startSimFleet, type SimFleet } from '../../lib/sim/simFleet';
import { busSettingsFrom } from '../../nodes/rs485-bus/busConfig';
import { waitFor } from '../support/waitFor';

/** pids of this process's children (socat supervisors) */
function children(): Set<number> {
  const out = new Set<number>();
  for (const task of fs.readdirSync('/proc/self/task')) {
    const text = fs.readFileSync(`/proc/self/task/${task}/children`, 'utf8').trim();
    for (const pid of text.split(/\s+/).filter(Boolean)) out.add(Number(pid));
  }
  return out;
}

async function openBus(link: LinkConfig | ReturnType<typeof busSettingsFrom>): Promise<Bus> {
  const settings = 'link' in link ? link : { link, framing: 'rtu' as const, timeoutMs: 1000, pauseMs: 0, deadlineMs: 60000, trace: false };
  const bus = new Bus(`fleet-test-${Math.random()}`, settings);
  bus.start();
  await waitFor(() => bus.state === 'open', 5000, 'the bus open');
  return bus;
}

/**
 * The fleet's day runs in real time, so a value may move between the reading and the snapshot
 * (energy by a few Wh a second): same fields, texts equal, numbers within 0.1 %.
 */
function assertNear(got: Record<string, number | string>, want: Record<string, number | string> | undefined, what: string): void {
  assert.ok(want, what);
  assert.deepEqual(Object.keys(got).sort(), Object.keys(want).sort(), `${what}: fields`);
  for (const [k, v] of Object.entries(want)) {
    const g = got[k];
    if (typeof v === 'number' && typeof g === 'number') assert.ok(Math.abs(g - v) <= Math.abs(v) * 0.001, `${what} ${k}: got ${g}, want ${v}`);
    else assert.equal(g, v, `${what} ${k}`);
  }
}

function tcpRefused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });
}

/** true when this process can bind the UDP port: nobody holds it any more */
function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    s.once('error', () => resolve(false));
    s.bind(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

describe('simulator fleet: SMA devices', function () {
  this.timeout(60000);
  let fleet: SimFleet | undefined;
  let other: SimFleet | undefined;
  const buses: Bus[] = [];
  const closers: (() => Promise<void>)[] = [];

  afterEach(async () => {
    for (const c of closers.splice(0).reverse()) await c();
    for (const b of buses.splice(0)) await b.close();
    await fleet?.close();
    await other?.close();
    fleet = other = undefined;
  });

  it('starts Sunny Boys on one Data1 line (TCP): printed with the rs485-bus settings, each read with the values of its serial', async () => {
    // 19200 baud (a Sunny Boy Control line, YDOC) keeps the three channel lists short; 1200 is the bench's and the soak's
    const command = parseSimCommand(['--xw', '0', '--kaco', '0', '--sma-data1', '3', '--sma-data1-baud', '19200', '--time-of-day', '12']);
    assert.ok(!command.help);
    fleet = await startSimFleet(command.fleet);
    const line = fleet.smaData1;
    assert.ok(line && fleet.xw === undefined && fleet.kaco === undefined);
    assert.deepEqual(line.serials, [2000100001, 2000100002, 2000100003]);
    assert.deepEqual(line.bus, { connection: 'tcp-raw', host: '127.0.0.1', tcpPort: line.port, lineBaudRate: 19200 });
    const text = describeFleet(fleet).join('\n');
    assert.match(text, new RegExp(`SMA Sunny Boys on tcp 127\\.0\\.0\\.1:${line.port} \\(SMA Data1, 19200 baud modelled\\)`));
    assert.match(text, /rs485-bus: connection=tcp-raw host=127\.0\.0\.1 tcpPort=\d+ lineBaudRate=19200/);
    assert.match(text, /sma-inverter: transport=data1 serial=2000100002 address=2/);
    const json = JSON.parse(fleetJson(fleet)) as { sma: { transport: string; serial: number; address: number }[] };
    assert.deepEqual(
      json.sma.map((e) => [e.transport, e.serial, e.address]),
      [
        ['data1', 2000100001, 1],
        ['data1', 2000100002, 2],
        ['data1', 2000100003, 3],
      ],
    );

    const bus = await openBus(busSettingsFrom(line.bus));
    buses.push(bus);
    for (const e of smaEndpoints(fleet)) {
      assert.equal(e.transport, 'data1');
      if (e.transport !== 'data1') continue;
      const source = new Data1Source(bus, { owner: 'fleet-test', serial: e.serial, address: e.address, timing: { syncOnlineWaitMs: 50 } });
      closers.push(() => source.close());
      const reading = await source.read();
      assert.equal(reading.serial, e.serial);
      assert.deepEqual(reading.fields, line.sim.frozen(e.serial)?.fields, `device ${e.serial}`);
      assert.equal(reading.fields.serial, e.serial);
      assert.ok((reading.fields.p_ac as number) > 2000, 'noon: near rated power');
    }
    assert.equal(line.sim.overlaps, 0);
  });

  it('starts an SMC on a pty for /dev/rfcomm0 and an inverter on Speedwire; both log on with the printed password and read', async () => {
    const command = parseSimCommand(['--xw', '0', '--kaco', '0', '--sma-bt', '--sma-speedwire', '--sma-speedwire-port', '0', '--sma-password', 'sun4u', '--time-of-day', '11']);
    assert.ok(!command.help);
    fleet = await startSimFleet(command.fleet);
    const [bt, sw] = smaEndpoints(fleet);
    assert.ok(bt.transport === 'bluetooth' && sw.transport === 'speedwire');
    assert.ok(fs.existsSync(bt.path));
    assert.equal(bt.password, 'sun4u');
    assert.equal(bt.group, 'user');
    assert.ok(sw.port > 0 && sw.port !== 9522, 'port 0: any free port');
    const text = describeFleet(fleet).join('\n');
    assert.match(text, new RegExp(`SMA SMC 6000A over Bluetooth on pty ${bt.path.replace(/[.]/g, '\\.')} \\(stands in for /dev/rfcomm0\\)`));
    assert.match(text, new RegExp(`sma-inverter: transport=bluetooth serial=${bt.serial} btAddress=${bt.btAddress} password=sun4u group=user`));
    assert.match(text, new RegExp(`SMA SB 5000TL on Speedwire, udp 127\\.0\\.0\\.1:${sw.port}`));
    assert.match(text, new RegExp(`sma-inverter: transport=speedwire host=127\\.0\\.0\\.1 port=${sw.port} serial=${sw.serial} password=sun4u group=user`));

    const btBus = await openBus(busSettingsFrom(bt.bus));
    buses.push(btBus);
    const btSource = new BluetoothSource(btBus, { owner: 'fleet-test', password: bt.password, address: bt.btAddress, timeoutMs: 2000 });
    closers.push(() => btSource.close());
    const btReading = await btSource.read();
    assert.equal(btReading.serial, bt.serial);
    assert.equal(btReading.type, 'SMC 6000A');
    assertNear(btReading.fields, fleet.smaBluetooth?.sim.snapshot().fields, 'Bluetooth');
    assert.equal(btReading.fields.status, 'Ok');

    const swBus = await openBus({ kind: 'udp', host: sw.host, port: sw.port });
    buses.push(swBus);
    const swSource = new SpeedwireSource(swBus, { owner: 'fleet-test', password: sw.password, timeoutMs: 1000 });
    closers.push(() => swSource.close());
    const swReading = await swSource.read();
    assert.equal(swReading.serial, sw.serial);
    assertNear(swReading.fields, fleet.smaSpeedwire?.sim.snapshot().fields, 'Speedwire');

    // the factory password is refused when the device was given another
    const wrong = new SpeedwireSource(swBus, { owner: 'fleet-test-wrong', password: '0000', timeoutMs: 1000 });
    closers.push(() => wrong.close());
    await assert.rejects(wrong.read(), (err: Error) => err instanceof LogonError && /wrong password/.test(err.message));
  });

  it('close leaves no socat, pty, TCP port or UDP socket behind (Data1 on a pty and on TCP, Bluetooth, Speedwire)', async () => {
    const before = children();
    const tcpFleet = (other = await startSimFleet({ host: '127.0.0.1', smaData1: { ...DEFAULT_SMA_DATA1, count: 2 }, smaSpeedwire: { port: 0, password: '0000' } }));
    const tcpPort = tcpFleet.smaData1?.port as number;
    const udpPort = tcpFleet.smaSpeedwire?.port as number;
    fleet = await startSimFleet({ host: '127.0.0.1', smaData1: { ...DEFAULT_SMA_DATA1, count: 1, transport: 'pty', firstAddress: 0 }, smaBluetooth: { password: '0000' } });
    const d1Path = fleet.smaData1?.path as string;
    const btPath = fleet.smaBluetooth?.path as string;
    assert.equal(fleet.smaData1?.bus.serialPort, d1Path);
    assert.equal(fleet.smaData1?.bus.baudRate, 1200);
    assert.deepEqual(fleet.smaData1?.addresses, [0], 'address 0: the discovery gives one');
    assert.doesNotMatch(describeFleet(fleet).join('\n'), /address=/);
    assert.ok(fs.existsSync(d1Path) && fs.existsSync(btPath));
    const started = [...children()].filter((p) => !before.has(p));
    assert.equal(started.length, 2, 'one socat supervisor per pty');
    assert.equal(await tcpRefused(tcpPort), false);
    assert.equal(await udpFree(udpPort), false);

    await tcpFleet.close();
    await fleet.close();
    fleet = other = undefined;
    assert.ok(!fs.existsSync(d1Path) && !fs.existsSync(btPath), 'the pty ends are gone');
    const left = [...children()].filter((p) => started.includes(p));
    assert.deepEqual(left, [], 'socat supervisors still running');
    assert.equal(await tcpRefused(tcpPort), true, 'the Data1 TCP port still listens');
    assert.equal(await udpFree(udpPort), true, 'the Speedwire UDP port is still bound');
  });
});

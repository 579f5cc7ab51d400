import * as assert from 'node:assert/strict';
import type { Bus } from '../../lib/bus/bus';
import { ProtocolError, TransportError } from '../../lib/bus/errors';
import { Data1Client } from '../../lib/sma/data1Client';
import { DATA1_COMMANDS, MASK_SPOT } from '../../lib/sma/data1Commands';
import { DATA1_NETWORK } from '../../lib/sma/data1Network';
import { Data1Source, discoverData1 } from '../../lib/sma/data1Source';
import { encodeSmanet } from '../../lib/sma/smanetFrame';
import { SmaData1Sim } from '../../lib/sim/smaData1Sim';
import { BROADCAST_PAUSE_MS, CLIENT_TEST_BAUD, FAST_TIMING, openBus, rejection, waitFor } from './data1SimBus';

const NOON = (): number => 11.5;
const NIGHT = (): number => 2;
const SERIALS = [2001000101, 2001000102, 2001000103];
const ms = (bytes: number): number => (bytes * 10 * 1000) / CLIENT_TEST_BAUD;

describe(`SMA Data1 client over a bus at ${CLIENT_TEST_BAUD} baud (pty; the simulator models the same line)`, function () {
  this.timeout(90000);
  let sim: SmaData1Sim;
  let bus: Bus;
  const sources: Data1Source[] = [];
  const source = (serial: number, extra: Partial<ConstructorParameters<typeof Data1Source>[1]> = {}): Data1Source => {
    const s = new Data1Source(bus, { owner: `reader-${serial}`, serial, timing: FAST_TIMING, ...extra });
    sources.push(s);
    return s;
  };

  before(async () => {
    // one device never given an address, two with the same one: the master must sort them out
    sim = await SmaData1Sim.start({
      baudRate: CLIENT_TEST_BAUD,
      endpoint: { transport: 'pty' },
      devices: [
        { serial: SERIALS[0], address: 0, type: 'SB 3000' },
        { serial: SERIALS[1], address: 7, type: 'SB 2500', ratedPowerW: 2500 },
        { serial: SERIALS[2], address: 7, type: 'SB 3800', ratedPowerW: 3800, temperatureSensor: false },
      ],
      broadcastPauseMs: BROADCAST_PAUSE_MS,
      timeOfDay: NOON,
    });
    bus = await openBus(sim, CLIENT_TEST_BAUD);
  });

  after(async () => {
    for (const s of sources) await s.close();
    await bus.close();
    await sim.close();
  });

  afterEach(() => sim.clearFaults());

  it('discovery finds the 3 devices and gives each its own address (CMD_CFG_NETADR where needed)', async () => {
    const found = await discoverData1(bus, { timing: FAST_TIMING, framings: ['smanet'] });
    assert.deepEqual(
      found.map((d) => d.serial).sort(),
      [...SERIALS].sort(),
    );
    assert.deepEqual(
      Object.fromEntries(found.map((d) => [d.serial, d.type])),
      { [SERIALS[0]]: 'SB 3000', [SERIALS[1]]: 'SB 2500', [SERIALS[2]]: 'SB 3800' },
    );
    const addresses = found.map((d) => d.address);
    assert.equal(new Set(addresses).size, 3, `distinct addresses: ${addresses.join(', ')}`);
    for (const d of found) {
      assert.ok(d.address >= 1 && d.address <= 255, `address ${d.address}`);
      assert.equal(sim.bySerial(d.serial).address, d.address, 'the device took the address the master gave it');
    }
    assert.equal(sim.requests.filter((r) => r.command === DATA1_COMMANDS.configureAddress.code).length, 2, 'the unaddressed one and one of the two at 7');
    assert.equal(sim.overlaps, 0, 'never two talkers on the line');
  });

  it('reads each device: values equal to the values the device froze at CMD_SYN_ONLINE', async () => {
    const readings = await Promise.all(SERIALS.map((serial) => source(serial).read()));
    for (const [k, serial] of SERIALS.entries()) {
      const reading = readings[k];
      assert.equal(reading.serial, serial);
      assert.equal(reading.type, sim.bySerial(serial).type);
      const frozen = sim.frozen(serial);
      assert.ok(frozen, 'the device froze its values');
      assert.deepEqual(reading.fields, frozen.fields, `device ${serial}`);
      // and those are the curve's at the pinned time of day: nothing stale
      assert.deepEqual(frozen.fields, sim.snapshot(serial).fields);
    }
    assert.equal(readings[0].fields.p_ac, Math.round(Math.round(3000 * Math.sin((Math.PI * 5.5) / 12)) * 0.955));
    assert.equal(readings[0].fields.status, 'Mpp', 'a status channel reads as its text');
    assert.equal(typeof readings[0].fields.temperature, 'number');
    assert.equal('temperature' in readings[2].fields, false, 'a channel without a value (NaN) is left out');
    assert.equal('p_ac_max' in readings[0].fields, false, 'parameters are not spot values');
    const cinfo = sim.requests.filter((r) => r.command === DATA1_COMMANDS.getChannelInfo.code);
    assert.ok(cinfo.some((r) => r.counter > 0), 'the channel list came in several telegrams, asked for one by one');
    assert.equal(sim.overlaps, 0);
  });

  it('keeps the channel lists: a second cycle is one CMD_SYN_ONLINE and a CMD_GET_DATA per device', async () => {
    // past the reuse window of the last cycle's broadcast
    await new Promise((r) => setTimeout(r, (FAST_TIMING.syncReuseMs ?? 0) + 50));
    const before = sim.requests.length;
    await Promise.all(SERIALS.map((serial) => source(serial).read()));
    const cycle = sim.requests.slice(before);
    assert.deepEqual(
      cycle.map((r) => r.command),
      [DATA1_COMMANDS.syncOnline.code, ...SERIALS.map(() => DATA1_COMMANDS.getData.code)],
    );
    assert.equal(sim.overlaps, 0);
  });

  it('waits for the wire: a CMD_GET_DATA exchange takes at least its request and reply bytes at the line speed', async () => {
    const net = bus.context.get(DATA1_NETWORK);
    const device = net.devices.get(SERIALS[0]);
    const channels = net.channels.get(SERIALS[0]);
    assert.ok(device && channels);
    const client = new Data1Client(bus, { owner: 'wire', network: net, timing: FAST_TIMING });
    const request = Buffer.alloc(3);
    request.writeUInt16LE(MASK_SPOT, 0);
    const requestBytes = encodeSmanet({ source: 0, destination: device.address, control: 0, counter: 0, command: 11, data: request }).length;
    const started = performance.now();
    const values = await client.getSpot(device, channels);
    const took = performance.now() - started;
    // the reply's SMANet frame: 7 flag/address/protocol/FCS bytes around the 7-byte header and its data
    const replyBytes = 7 + 7 + 13 + Object.keys(values.values).length;
    assert.ok(took >= ms(requestBytes + replyBytes), `${took.toFixed(0)} ms for ${requestBytes} + ≥${replyBytes} bytes (${ms(requestBytes + replyBytes).toFixed(0)} ms on the wire)`);
  });

  it('refuses a reply with a bad FCS: an error, never a value; the next read is good again', async () => {
    sim.injectFault('bad-crc', { serial: SERIALS[1], command: DATA1_COMMANDS.getData.code });
    // one re-attempt (each waits out the late-reply guard), refused as well
    const err = await rejection(source(SERIALS[1], { timing: { ...FAST_TIMING, getDataRetries: 1 } }).read());
    assert.ok(err instanceof TransportError && err.kind === 'crc', String(err));
    assert.equal(sim.requests.filter((r) => r.fault === 'bad-crc').length, 2, 'both attempts got a bad frame');
    sim.clearFaults();
    const reading = await source(SERIALS[1]).read();
    assert.deepEqual(reading.fields, sim.frozen(SERIALS[1])?.fields);
  });

  it('a truncated reply ends as "truncated", a missing one as "timeout"', async () => {
    const quick = { ...FAST_TIMING, getDataTimeoutMs: 1500, getDataRetries: 0 };
    sim.injectFault('truncated', { serial: SERIALS[0], command: DATA1_COMMANDS.getData.code, count: 1 });
    const cut = await rejection(source(SERIALS[0], { timing: quick }).read());
    assert.ok(cut instanceof TransportError && cut.kind === 'truncated', String(cut));
    sim.injectFault('no-answer', { serial: SERIALS[0], command: DATA1_COMMANDS.getData.code, count: 1 });
    const none = await rejection(source(SERIALS[0], { timing: quick }).read());
    assert.ok(none instanceof TransportError && none.kind === 'timeout', String(none));
    assert.deepEqual((await source(SERIALS[0]).read()).fields, sim.frozen(SERIALS[0])?.fields);
  });

  it('a spot reply that does not fit the cached channel list is refused, never guessed at, and the list read again', async () => {
    const net = bus.context.get(DATA1_NETWORK);
    const list = net.channels.get(SERIALS[2]);
    assert.ok(list);
    // as after a firmware update: the device sends one channel more than the list we hold
    net.channels.set(SERIALS[2], list.slice(1));
    const err = await rejection(source(SERIALS[2]).read());
    assert.ok(err instanceof ProtocolError, String(err));
    assert.match(err.message, /channel list will be read again/);
    const cinfoBefore = sim.requests.filter((r) => r.command === DATA1_COMMANDS.getChannelInfo.code).length;
    const reading = await source(SERIALS[2]).read();
    assert.deepEqual(reading.fields, sim.frozen(SERIALS[2])?.fields);
    assert.ok(sim.requests.filter((r) => r.command === DATA1_COMMANDS.getChannelInfo.code).length > cinfoBefore, 'the list was read again');
  });

  it("a shared CMD_SYN_ONLINE cancelled for the reader that started it is sent anew for the one that joined it", async () => {
    const net = bus.context.get(DATA1_NETWORK);
    const device = net.devices.get(SERIALS[0]);
    const channels = net.channels.get(SERIALS[0]);
    assert.ok(device && channels);
    // past the reuse window, so the next read starts a new broadcast
    await new Promise((r) => setTimeout(r, (FAST_TIMING.syncReuseMs ?? 0) + 50));
    const syncs = (): number => sim.requests.filter((r) => r.command === DATA1_COMMANDS.syncOnline.code).length;
    const syncsBefore = syncs();
    // the wire is busy with a plain CMD_GET_DATA, so the broadcast waits in the queue
    const hold = new Data1Client(bus, { owner: 'hold', network: net, timing: FAST_TIMING }).getSpot(device, channels);
    const stop = new AbortController();
    const first = source(SERIALS[0]).read({ signal: stop.signal });
    await waitFor(() => bus.counters().queueLength > 0, 5000, 'the broadcast queued');
    const joined = source(SERIALS[1]).read();
    stop.abort();
    const err = await rejection(first);
    assert.ok(err instanceof TransportError && err.kind === 'cancelled', String(err));
    await hold;
    const reading = await joined;
    assert.deepEqual(reading.fields, sim.frozen(SERIALS[1])?.fields);
    assert.equal(syncs(), syncsBefore + 1, 'one broadcast: the joined reader\'s; the cancelled one never went out');
  });

  it('a read cancelled through its signal while queued never reaches the wire; the others go on', async () => {
    const target = bus.context.get(DATA1_NETWORK).devices.get(SERIALS[2]);
    assert.ok(target);
    const cancel = new AbortController();
    const start = sim.requests.length;
    const busy = source(SERIALS[0]).read();
    await waitFor(() => sim.requests.slice(start).some((r) => r.command === DATA1_COMMANDS.getData.code), 10000, 'the first read on the wire');
    const before = sim.requests.length;
    const cancelled = source(SERIALS[2]).read({ signal: cancel.signal });
    // queued behind the read on the wire, then cancelled
    await waitFor(() => bus.counters().queueLength > 0, 5000, 'the second read queued');
    cancel.abort();
    const err = await rejection(cancelled);
    assert.ok(err instanceof TransportError && err.kind === 'cancelled', String(err));
    await busy;
    // one more exchange after it: had the cancelled one been sent, it would be before this
    await source(SERIALS[1]).read();
    const after = sim.requests.slice(before);
    assert.ok(after.length > 0);
    assert.equal(after.filter((r) => r.destination === target.address).length, 0, 'nothing for the cancelled device went out');
  });
});

describe('SMA Data1 at night and in SunnyNet framing', function () {
  this.timeout(60000);

  it('night: a known device times out ("timeout"), an unknown one is not found by the discovery ("timeout")', async () => {
    const sim = await SmaData1Sim.start({ baudRate: CLIENT_TEST_BAUD, endpoint: { transport: 'pty' }, devices: [{ serial: 77, address: 5 }], broadcastPauseMs: BROADCAST_PAUSE_MS, timeOfDay: NIGHT });
    const bus = await openBus(sim, CLIENT_TEST_BAUD);
    const timing = { ...FAST_TIMING, channelInfoTimeoutMs: 400, getDataTimeoutMs: 400 };
    const known = new Data1Source(bus, { owner: 'night', serial: 77, address: 5, timing });
    const unknown = new Data1Source(bus, { owner: 'night', serial: 78, timing });
    try {
      const err = await rejection(known.read());
      assert.ok(err instanceof TransportError && err.kind === 'timeout', String(err));
      assert.equal(known.asleep, true, 'missed its answers: asleep, probed sparingly');
      const asleep = await rejection(known.read());
      assert.ok(asleep instanceof TransportError && asleep.kind === 'unreachable', String(asleep));
      const missing = await rejection(unknown.read());
      assert.ok(missing instanceof TransportError && missing.kind === 'timeout', String(missing));
      assert.match(missing.message, /no SMA device with serial 78/);
      assert.ok(sim.requests.length > 0, 'the requests went out');
      assert.equal(sim.requests.filter((r) => r.answeredBy.length > 0).length, 0, 'and nothing answered');
    } finally {
      await known.close();
      await unknown.close();
      await bus.close();
      await sim.close();
    }
  });

  it('dusk to dawn: asleep after 3 misses, no broadcast for it while asleep, woken by its probe with fresh values', async () => {
    let hours = 12;
    const sim = await SmaData1Sim.start({ baudRate: CLIENT_TEST_BAUD, endpoint: { transport: 'pty' }, devices: [{ serial: 88, address: 9 }], broadcastPauseMs: BROADCAST_PAUSE_MS, timeOfDay: () => hours });
    const bus = await openBus(sim, CLIENT_TEST_BAUD);
    const probeEveryMs = 1500;
    const s = new Data1Source(bus, { owner: 'dawn', serial: 88, address: 9, timing: { ...FAST_TIMING, getDataTimeoutMs: 400 }, probeEveryMs });
    const syncs = (): number => sim.requests.filter((r) => r.command === DATA1_COMMANDS.syncOnline.code).length;
    try {
      await s.read(); // by day: the channel list is in
      hours = 23;
      const miss = await rejection(s.read());
      assert.ok(miss instanceof TransportError && miss.kind === 'timeout', String(miss));
      assert.equal(s.asleep, true);
      const syncsAsleep = syncs();
      const getsAsleep = sim.requests.length;
      const held = await rejection(s.read());
      assert.ok(held instanceof TransportError && held.kind === 'unreachable', String(held));
      assert.equal(syncs(), syncsAsleep, 'no CMD_SYN_ONLINE for a device asleep');
      assert.equal(sim.requests.length, getsAsleep, 'nothing on the wire before its probe is due');
      hours = 7;
      await new Promise((r) => setTimeout(r, probeEveryMs + 100));
      const reading = await s.read();
      assert.equal(s.asleep, false, 'the probe woke it');
      assert.deepEqual(reading.fields, sim.frozen(88)?.fields);
      assert.deepEqual(reading.fields, sim.snapshot(88).fields, 'values of the morning, not of the noon before');
      assert.equal(syncs(), syncsAsleep + 1, 'awake: a fresh CMD_SYN_ONLINE before its values');
    } finally {
      await s.close();
      await bus.close();
      await sim.close();
    }
  });

  it('over a TCP serial server: a device at a known address is read without a discovery', async () => {
    const sim = await SmaData1Sim.start({ baudRate: CLIENT_TEST_BAUD, endpoint: { transport: 'tcp' }, devices: [{ serial: 4242, address: 12, type: 'SB 1100' }], broadcastPauseMs: BROADCAST_PAUSE_MS, timeOfDay: NOON });
    const bus = await openBus(sim, CLIENT_TEST_BAUD);
    const s = new Data1Source(bus, { owner: 'tcp', serial: 4242, address: 12, timing: FAST_TIMING });
    try {
      const reading = await s.read();
      assert.deepEqual(reading.fields, sim.frozen(4242)?.fields);
      assert.equal(sim.requests.filter((r) => r.command === DATA1_COMMANDS.getNetStart.code).length, 0, 'no discovery');
      assert.equal(sim.overlaps, 0);
    } finally {
      await s.close();
      await bus.close();
      await sim.close();
    }
  });

  it('SunnyNet: an older Piggy-Back that answers SunnyNet only is found by the scan and read', async () => {
    const sim = await SmaData1Sim.start({ baudRate: CLIENT_TEST_BAUD, endpoint: { transport: 'pty' }, devices: [{ serial: 1100500, address: 3, type: 'SWR 700', framings: ['sunnynet'] }], broadcastPauseMs: BROADCAST_PAUSE_MS, timeOfDay: NOON });
    const bus = await openBus(sim, CLIENT_TEST_BAUD);
    const s = new Data1Source(bus, { owner: 'sn', serial: 1100500, framing: 'sunnynet', timing: FAST_TIMING });
    try {
      const found = await discoverData1(bus, { timing: FAST_TIMING });
      assert.deepEqual(found, [{ address: 3, serial: 1100500, type: 'SWR 700' }]);
      assert.ok(sim.requests.some((r) => r.framing === 'smanet') && sim.requests.some((r) => r.framing === 'sunnynet'), 'the scan asked in both framings');
      const reading = await s.read();
      assert.deepEqual(reading.fields, sim.frozen(1100500)?.fields);
      assert.ok(
        sim.requests.filter((r) => r.command === DATA1_COMMANDS.getData.code).every((r) => r.framing === 'sunnynet'),
        'read in SunnyNet',
      );
    } finally {
      await s.close();
      await bus.close();
      await sim.close();
    }
  });
});

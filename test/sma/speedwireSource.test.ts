/**
 * SpeedwireSource through a real Bus with a 'udp' link to the simulated inverter on 127.0.0.1
 * (an ephemeral port): the same SMAData2+ session as Bluetooth, in datagrams.
 */
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import type { Bus } from '../../lib/bus/bus';
import { ConfigError, TransportError } from '../../lib/bus/errors';
import { physicalKey } from '../../lib/bus/busRegistry';
import { DATA2_SESSION_TIMING } from '../../lib/sma/data2Timing';
import { DATA2_QUERIES } from '../../lib/sma/lriTable';
import { LogonError } from '../../lib/sma/smaSource';
import { SpeedwireSource, type SpeedwireSourceOptions } from '../../lib/sma/speedwireSource';
import { SmaSpeedwireSim, type SmaSpeedwireSimOptions } from '../../lib/sim/smaSpeedwireSim';
import { ManualClock } from '../watchdog/manualClock';
import { NIGHT, NOON, SMC, openBus, rejection, settingsFor, udpLink } from './smaSimBus';

describe('SpeedwireSource on a real Bus over loopback UDP (simulated inverter)', function () {
  this.timeout(15000);
  let sim: SmaSpeedwireSim | undefined;
  let bus: Bus | undefined;
  let source: SpeedwireSource | undefined;

  async function start(simOptions: Partial<SmaSpeedwireSimOptions> = {}, sourceOptions: Partial<SpeedwireSourceOptions> = {}): Promise<{ sim: SmaSpeedwireSim; source: SpeedwireSource; bus: Bus }> {
    sim = await SmaSpeedwireSim.start({ device: SMC, timeOfDay: NOON, ...simOptions });
    bus = await openBus(udpLink(sim.port));
    source = new SpeedwireSource(bus, { owner: 'test', password: '0000', timeoutMs: 400, sessionSerial: 923456789, ...sourceOptions });
    return { sim, source, bus };
  }

  afterEach(async () => {
    await source?.close();
    await bus?.close();
    await sim?.close();
    source = bus = sim = undefined;
  });

  it('hands over the values of the simulator, NaN phases left out; one logon for two reads', async () => {
    const { sim, source } = await start();
    assert.ok(sim.port > 0, 'the simulator reports its ephemeral port');
    const reading = await source.read();
    assert.equal(reading.serial, SMC.serial);
    assert.equal(reading.type, 'SMC 6000A');
    assert.deepEqual(reading.fields, sim.snapshot().fields);
    assert.equal(reading.fields.p_ac, 6000);
    assert.ok(!('p_ac_l2' in reading.fields));
    await source.read();
    assert.equal(sim.device.logonRequests, 1);
  });

  it('a reply in several frames (fragment count-down) is read whole', async () => {
    const { sim, source } = await start({ device: { ...SMC, strings: 3, recordsPerFrame: 2 } });
    const reading = await source.read();
    assert.deepEqual(reading.fields, sim.snapshot().fields);
    assert.ok('u_ac_l1' in reading.fields && 'i_ac_l1' in reading.fields && 'u_dc_3' in reading.fields && 'i_dc_3' in reading.fields);
  });

  it('renews the logon after 600 s (virtual time), and logs on once again when the device has forgotten it', async () => {
    const clock = new ManualClock();
    const { sim, source } = await start({}, { scheduler: clock });
    await source.read();
    clock.advance(DATA2_SESSION_TIMING.logonRenewMs - 1);
    await source.read();
    assert.equal(sim.device.logonRequests, 1);
    clock.advance(1);
    await source.read();
    assert.equal(sim.device.logonRequests, 2, 'renewed');
    sim.forgetLogons();
    const reading = await source.read();
    assert.deepEqual(reading.fields, sim.snapshot().fields);
    assert.equal(sim.device.logonRequests, 3, 'one logon after "not logged in", then the query again');
  });

  it('a wrong password: LogonError, and no second logon within the back-off (virtual time)', async () => {
    const clock = new ManualClock();
    const { sim, source } = await start({}, { password: 'secret', scheduler: clock });
    for (let i = 0; i < 4; i++) {
      const err = await rejection(source.read());
      assert.ok(err instanceof LogonError, String(err));
      assert.equal(err.message, 'logon refused for user group user: wrong password');
      clock.advance(DATA2_SESSION_TIMING.logonBackoffMs / 5);
    }
    assert.equal(sim.device.logonRequests, 1);
    clock.advance(DATA2_SESSION_TIMING.logonBackoffMs / 5);
    await rejection(source.read());
    assert.equal(sim.device.logonRequests, 2);
  });

  it('the installer group logs on with its own password', async () => {
    const { sim, source } = await start({ device: { ...SMC, installerPassword: '1111' } }, { group: 'installer', password: '1111' });
    const reading = await source.read();
    assert.deepEqual(reading.fields, sim.snapshot().fields);
  });

  it('a reply with another packet id is not taken as the answer', async () => {
    const { sim, source } = await start();
    sim.injectFault('wrong-packet-id', DATA2_QUERIES.dcPower);
    const err = await rejection(source.read());
    assert.ok(err instanceof TransportError && err.kind === 'timeout', String(err));
    assert.match(err.message, /query dcPower: no answer within 400 ms \(dropped: a packet with id/);
    const reading = await source.read();
    assert.deepEqual(reading.fields, sim.snapshot().fields);
  });

  it('a cut datagram is refused, never read as values', async () => {
    const { sim, source } = await start();
    sim.injectFault('truncated', DATA2_QUERIES.acVoltageCurrent);
    const err = await rejection(source.read());
    assert.ok(err instanceof TransportError && err.kind === 'timeout', String(err));
    assert.match(err.message, /query acVoltageCurrent: no answer within 400 ms \(dropped: Speedwire record/);
  });

  it('an Energy Meter datagram (protocol 0x6069) from the device address is skipped', async () => {
    // a fake device answering every request with an Energy Meter datagram first, then nothing
    const fake = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => fake.bind(0, '127.0.0.1', resolve));
    const meter = Buffer.from('534d4100000402a000000001024400106069', 'hex');
    fake.on('message', (_msg, rinfo) => fake.send(Buffer.concat([meter, Buffer.alloc(0x244 - 2)]), rinfo.port, rinfo.address));
    try {
      bus = await openBus(udpLink((fake.address() as { port: number }).port));
      source = new SpeedwireSource(bus, { owner: 'test', password: '0000', timeoutMs: 300 });
      const err = await rejection(source.read());
      assert.ok(err instanceof TransportError && err.kind === 'timeout', String(err));
      assert.match(err.message, /identify: no answer within 300 ms$/, 'the meter datagram is neither an answer nor refused');
    } finally {
      await new Promise<void>((resolve) => fake.close(() => resolve()));
    }
  });

  it('a password SMA cannot take is refused when the source is made, before anything is sent', async () => {
    const { sim, bus } = await start();
    assert.throws(() => new SpeedwireSource(bus, { owner: 'test', password: 'thirteen-char' }), (err: Error) => err instanceof ConfigError && /at most 12 characters/.test(err.message));
    assert.equal(sim.device.requests.length, 0);
  });

  it('a UDP bus is its own bus, apart from a TCP bus to the same address', () => {
    assert.equal(physicalKey(settingsFor(udpLink(9522))), 'udp:127.0.0.1:9522');
    assert.notEqual(physicalKey(settingsFor(udpLink(9522))), physicalKey(settingsFor({ kind: 'tcp', host: '127.0.0.1', port: 9522 })));
  });

  it('at night: TransportError timeout', async () => {
    const { sim, source } = await start({ timeOfDay: NIGHT });
    const err = await rejection(source.read());
    assert.ok(err instanceof TransportError && err.kind === 'timeout', String(err));
    assert.match(err.message, /identify: no answer within 400 ms/);
    assert.equal(sim.device.requests.length, 1, 'the identify reached the device, which stayed silent');
  });
});

import assert from 'node:assert/strict';
import { HELP, parseSimCommand } from '../../lib/sim/simCommandLine';
import { DEFAULT_KACO, DEFAULT_SMA_DATA1, DEFAULT_XW } from '../../lib/sim/simFleet';

describe('solar-bus-sim options', function () {
  it('defaults: 3 XW units from 10 and 3 KACO inverters from 1, on loopback TCP, the wall clock', function () {
    const c = parseSimCommand([]);
    assert.ok(!c.help);
    assert.deepEqual(c.fleet, { host: '127.0.0.1', trimRecords: true, xw: { ...DEFAULT_XW }, kaco: { ...DEFAULT_KACO, startHour: undefined } });
    assert.equal(c.json, false);
  });

  it('reads every option', function () {
    const c = parseSimCommand(['--xw', '5', '--xw-unit', '20', '--xw-transport', 'tcp', '--xw-framing', 'modbus-tcp', '--xw-port', '5020', '--xw-baud', '9600', '--xw-switch-delay', '0', '--kaco', '2', '--kaco-address', '7', '--kaco-transport', 'pty', '--kaco-baud', '19200', '--kaco-protocol', 'generic', '--time-of-day', '9.5', '--host', '0.0.0.0', '--json']);
    assert.ok(!c.help);
    assert.deepEqual(c.fleet, {
      host: '0.0.0.0',
      trimRecords: true,
      xw: { count: 5, firstUnit: 20, transport: 'tcp', framing: 'modbus-tcp', port: 5020, baudRate: 9600, switchDelayMs: 0 },
      kaco: { count: 2, firstAddress: 7, transport: 'pty', port: 0, baudRate: 19200, protocol: 'generic', startHour: 9.5 },
    });
    assert.equal(c.json, true);
  });

  it('starts no SMA device unless asked; reads the SMA options', function () {
    const none = parseSimCommand([]);
    assert.ok(!none.help && none.fleet.smaData1 === undefined && none.fleet.smaBluetooth === undefined && none.fleet.smaSpeedwire === undefined);
    const c = parseSimCommand(['--sma-data1', '3', '--sma-data1-serial', '1234', '--sma-data1-address', '5', '--sma-data1-transport', 'pty', '--sma-data1-port', '4001', '--sma-data1-baud', '19200', '--sma-bt', '--sma-speedwire', '--sma-speedwire-port', '0', '--sma-password', 'secret', '--time-of-day', '8']);
    assert.ok(!c.help);
    assert.deepEqual(c.fleet.smaData1, { count: 3, firstSerial: 1234, firstAddress: 5, transport: 'pty', port: 4001, baudRate: 19200, startHour: 8 });
    assert.deepEqual(c.fleet.smaBluetooth, { password: 'secret', startHour: 8 });
    assert.deepEqual(c.fleet.smaSpeedwire, { port: 0, password: 'secret', startHour: 8 });
    const d = parseSimCommand(['--sma-data1', '2', '--sma-speedwire']);
    assert.ok(!d.help);
    assert.deepEqual(d.fleet.smaData1, { ...DEFAULT_SMA_DATA1, count: 2, startHour: undefined });
    assert.equal(d.fleet.smaData1?.baudRate, 1200);
    assert.deepEqual(d.fleet.smaSpeedwire, { port: 9522, password: '0000', startHour: undefined }, "Speedwire's port and SMA's factory password");
  });

  it('SMA alone is something to simulate; wrong SMA values are refused with the option named', function () {
    const c = parseSimCommand(['--xw', '0', '--kaco', '0', '--sma-bt']);
    assert.ok(!c.help && c.fleet.xw === undefined && c.fleet.kaco === undefined && c.fleet.smaBluetooth !== undefined);
    assert.throws(() => parseSimCommand(['--xw', '0', '--kaco', '0', '--sma-data1', '0']), /nothing to simulate/);
    assert.throws(() => parseSimCommand(['--sma-data1', '51']), /--sma-data1 must be a whole number 0–50/);
    assert.throws(() => parseSimCommand(['--sma-data1', '3', '--sma-data1-address', '254']), /runs past address 255/);
    assert.throws(() => parseSimCommand(['--sma-data1', '1', '--sma-data1-transport', 'udp']), /--sma-data1-transport must be one of tcp, pty/);
    assert.throws(() => parseSimCommand(['--sma-speedwire', '--sma-password', 'thirteen-char']), /--sma-password must be 1–12 characters/);
    assert.throws(() => parseSimCommand(['--sma-speedwire', '--sma-speedwire-port', '70000']), /--sma-speedwire-port must be a whole number 0–65535/);
  });

  it('--xw 0 or --kaco 0 leaves that family out; both 0 is refused', function () {
    const c = parseSimCommand(['--xw', '0']);
    assert.ok(!c.help && c.fleet.xw === undefined && c.fleet.kaco !== undefined);
    assert.throws(() => parseSimCommand(['--xw', '0', '--kaco', '0']), /nothing to simulate/);
  });

  it('refuses wrong values with the option named', function () {
    assert.throws(() => parseSimCommand(['--xw', 'three']), /--xw must be a whole number 0–20, got "three"/);
    assert.throws(() => parseSimCommand(['--kaco-address', '33']), /--kaco-address must be a whole number 1–32/);
    assert.throws(() => parseSimCommand(['--time-of-day', '24']), /--time-of-day must be "now" or an hour 0–24/);
    assert.throws(() => parseSimCommand(['--xw-transport', 'pty', '--xw-framing', 'modbus-tcp']), /modbus-tcp needs --xw-transport tcp/);
    assert.throws(() => parseSimCommand(['--kaco-protocol', 'xi']), /one of standard, generic, mixed/);
    assert.throws(() => parseSimCommand(['--unknown']), /Unknown option/);
    assert.throws(() => parseSimCommand(['extra']), /positional/i);
  });

  it('--help lists the SMA options with their defaults', function () {
    for (const option of ['--sma-data1 <n>', '--sma-data1-serial <n>', '--sma-data1-address <n>', '--sma-data1-transport tcp|pty', '--sma-data1-port <port>', '--sma-data1-baud <baud>', '--sma-bt', '--sma-speedwire', '--sma-speedwire-port <port>', '--sma-password <text>']) assert.ok(HELP.includes(`  ${option}`), option);
    assert.match(HELP, /default 1200, a Sunny Boy line's/);
    assert.match(HELP, /default 9522, Speedwire's/);
    assert.match(HELP, /default 0000, SMA's factory setting/);
    assert.match(HELP, /\/dev\/rfcomm0/);
  });

  it('--help', function () {
    assert.deepEqual(parseSimCommand(['--help']), { help: true });
    assert.deepEqual(parseSimCommand(['-h']), { help: true });
  });
});

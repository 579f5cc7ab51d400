/**
 * One SMA device as a user configures it (the sma-inverter node), checked, and the source that
 * reads it, made for its transport: SMA Data1 on an RS485 line, SMAData2+ over an RFCOMM tty or
 * over Speedwire UDP. Everything wrong is refused here with a ConfigError naming it.
 */
import type { Bus } from '../bus/bus';
import type { BusSettings } from '../bus/busSettings';
import { ConfigError } from '../bus/errors';
import { BluetoothSource } from './bluetoothSource';
import { isBluetoothAddress } from './bluetoothL1';
import { isData1Address } from './data1Commands';
import type { Data1Framing } from './data1FrameReader';
import { Data1Source } from './data1Source';
import { DATA2_TIMING } from './data2Timing';
import { encodePassword, type UserGroup } from './logon';
import type { SmaSleepPolicy } from './smaPoller';
import type { SmaSource, SmaTransport } from './smaSource';
import { SpeedwireSource } from './speedwireSource';

export const SMA_TRANSPORTS: readonly SmaTransport[] = ['data1', 'bluetooth', 'speedwire'];
/** Speedwire's UDP port (SBFspot Ethernet.cpp; shared/reference/sma.md §3) */
export const SPEEDWIRE_PORT = 9522;

export type SmaDeviceSettings =
  | { transport: 'data1'; serial: number; address?: number; framing: Data1Framing; sleep: SmaSleepPolicy }
  | { transport: 'bluetooth'; serial?: number; btAddress?: string; group: UserGroup; password: string; sleep: SmaSleepPolicy }
  | { transport: 'speedwire'; serial?: number; host: string; port: number; group: UserGroup; password: string; sleep: SmaSleepPolicy };

export interface SmaDeviceConfig {
  transport?: unknown;
  serial?: unknown;
  address?: unknown;
  framing?: unknown;
  btAddress?: unknown;
  host?: unknown;
  port?: unknown;
  group?: unknown;
  sleepAfter?: unknown;
  probeInterval?: unknown;
}

const given = (v: unknown): boolean => v !== undefined && v !== null && String(v).trim() !== '';

export function smaDeviceSettings(c: SmaDeviceConfig, password: string | undefined): SmaDeviceSettings {
  const transport = String(c.transport ?? 'data1') as SmaTransport;
  if (!SMA_TRANSPORTS.includes(transport)) throw new ConfigError(`transport must be one of ${SMA_TRANSPORTS.join(', ')}, got ${String(c.transport)}`);
  const sleepAfter = given(c.sleepAfter) ? Number(c.sleepAfter) : 3;
  const probeS = given(c.probeInterval) ? Number(c.probeInterval) : 60;
  if (!(Number.isInteger(sleepAfter) && sleepAfter >= 1 && sleepAfter <= 100)) throw new ConfigError(`asleep after must be 1–100 silent cycles, got ${String(c.sleepAfter)}`);
  if (!(probeS >= 1 && probeS <= 86400)) throw new ConfigError(`probe interval must be 1–86400 s, got ${String(c.probeInterval)}`);
  const sleep = { missesToAsleep: sleepAfter, probeEveryMs: probeS * 1000 };
  const serial = given(c.serial) ? Number(c.serial) : undefined;
  if (serial !== undefined && !(Number.isInteger(serial) && serial > 0 && serial <= 0xffffffff)) throw new ConfigError(`SMA serial number must be a whole number 1–4294967295, got ${String(c.serial)}`);
  if (transport === 'data1') {
    if (serial === undefined) throw new ConfigError('SMA Data1 needs the device serial number (on its type plate, or from the scan)');
    const address = given(c.address) ? Number(c.address) : undefined;
    if (address !== undefined && !isData1Address(address)) throw new ConfigError(`SMA Data1 network address must be 1–255 or empty (found by the discovery), got ${String(c.address)}`);
    const framing = String(c.framing ?? 'smanet') as Data1Framing;
    if (framing !== 'smanet' && framing !== 'sunnynet') throw new ConfigError(`framing must be smanet or sunnynet, got ${String(c.framing)}`);
    return { transport, serial, ...(address !== undefined ? { address } : {}), framing, sleep };
  }
  const group = String(c.group ?? 'user') as UserGroup;
  if (group !== 'user' && group !== 'installer') throw new ConfigError(`user group must be user or installer, got ${String(c.group)}`);
  if (password === undefined || password === '') throw new ConfigError(`no password for user group ${group}: set the device's ${group} password (SMA's default is 0000)`);
  encodePassword(password, group); // too long or not ASCII: refused at deploy
  if (transport === 'bluetooth') {
    const btAddress = given(c.btAddress) ? String(c.btAddress).trim().toUpperCase() : undefined;
    if (btAddress !== undefined && !isBluetoothAddress(btAddress)) throw new ConfigError(`not a Bluetooth address: "${btAddress}" (expected 00:80:25:xx:xx:xx, or empty)`);
    return { transport, ...(serial !== undefined ? { serial } : {}), ...(btAddress !== undefined ? { btAddress } : {}), group, password, sleep };
  }
  const host = String(c.host ?? '').trim();
  if (!/^[A-Za-z0-9.:[\]-]+$/.test(host)) throw new ConfigError(`Speedwire needs the device's IP address or host name, got "${host}"`);
  const port = given(c.port) ? Number(c.port) : SPEEDWIRE_PORT;
  if (!(Number.isInteger(port) && port >= 1 && port <= 65535)) throw new ConfigError(`UDP port must be 1–65535, got ${String(c.port)}`);
  return { transport, ...(serial !== undefined ? { serial } : {}), host, port, group, password, sleep };
}

/** The bus a Speedwire device gets: its own UDP "line" to the device. */
export function speedwireBusSettings(host: string, port: number): BusSettings {
  return { link: { kind: 'udp', host, port }, framing: 'rtu', timeoutMs: DATA2_TIMING.speedwire.replyTimeoutMs, pauseMs: 0, deadlineMs: 30000, trace: false };
}

/**
 * Why this bus cannot carry this device, or undefined: SMA Data1 and the Bluetooth carrier need
 * the raw bytes of a serial line (Data1 may also go through a raw TCP serial server); a Modbus TCP
 * gateway carries only Modbus.
 */
export function smaBusRefusal(bus: Bus, transport: SmaTransport): string | undefined {
  const s = bus.settings;
  if (transport === 'bluetooth' && s.link.kind !== 'serial') return `Bluetooth needs the RFCOMM device (e.g. /dev/rfcomm0 after "rfcomm bind") as the rs485-bus serial port; ${bus.link.description} is not a serial port`;
  if (transport === 'data1' && s.framing === 'modbus-tcp') return `bus ${bus.link.description} is a Modbus TCP gateway, which cannot carry SMA Data1: use a serial port or a raw TCP serial server (connection "serial" or "tcp-raw")`;
  if (transport === 'speedwire' && s.link.kind !== 'udp') return 'Speedwire goes to the device\'s IP address, not through an rs485-bus';
  return undefined;
}

/** The source for the device, on its bus. `owner` names the reader for the arbiter. */
export function createSmaSource(bus: Bus, device: SmaDeviceSettings, owner: string): SmaSource {
  const refusal = smaBusRefusal(bus, device.transport);
  if (refusal) throw new ConfigError(refusal);
  switch (device.transport) {
    case 'data1':
      return new Data1Source(bus, { owner, serial: device.serial, address: device.address, framing: device.framing, missesToAsleep: device.sleep.missesToAsleep, probeEveryMs: device.sleep.probeEveryMs });
    case 'bluetooth':
      return new BluetoothSource(bus, { owner, password: device.password, group: device.group, address: device.btAddress, scheduler: bus.scheduler });
    case 'speedwire':
      return new SpeedwireSource(bus, { owner, password: device.password, group: device.group, unit: `sma:sw:${device.host}`, scheduler: bus.scheduler });
  }
}

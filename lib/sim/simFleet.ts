/**
 * Simulated XW units, KACO inverters and SMA inverters started together, for the `solar-bus-sim`
 * command, the `npm start` demo and the end-to-end tests: each family on its own line (a pty or a
 * loopback TCP port), as on a real site where the XW bus (19200 baud Modbus), the KACO bus (9600
 * baud) and the Sunny Boy bus (1200 baud SMA Data1) are separate cables; an SMC over Bluetooth
 * on a pty standing in for /dev/rfcomm0, and an SMA inverter on Speedwire (loopback UDP).
 */
import { KacoSim } from './kacoSim';
import type { SimProtocol } from './kacoSimInverter';
import { startModbusSlave, type ModbusSlaveSim } from './modbusSlave';
import { SmaBluetoothSim } from './smaBluetoothSim';
import type { SmaSimDeviceSpec } from './smaData2Device';
import { SmaData1Sim } from './smaData1Sim';
import { SmaSpeedwireSim } from './smaSpeedwireSim';
import { XwDevice, type XwUnitOptions } from './xwDevice';

export type SimTransport = 'tcp' | 'pty';

export interface XwFleetOptions {
  count: number;
  firstUnit: number;
  transport: SimTransport;
  /** tcp only: 'rtu' like a serial device server, 'modbus-tcp' like a ComBox / Conext Gateway */
  framing: 'rtu' | 'modbus-tcp';
  /** tcp only; 0 = any free port */
  port: number;
  baudRate: number;
  /** ms from a written control to the status showing it */
  switchDelayMs: number;
}

export interface KacoFleetOptions {
  count: number;
  firstAddress: number;
  transport: SimTransport;
  port: number;
  baudRate: number;
  /** 'mixed': standard (xi) and generic (TL3) alternating */
  protocol: SimProtocol | 'mixed';
  /** local hour the simulated day starts at (then runs in real time); undefined: the wall clock */
  startHour?: number;
}

/** Sunny Boys with RS485 Piggy-Backs, all on one line (SMA Data1). */
export interface SmaData1FleetOptions {
  count: number;
  /** serial of the first device; the next count up */
  firstSerial: number;
  /** network address of the first device, as an earlier master left it (the next count up); 0: none, the discovery gives them */
  firstAddress: number;
  transport: SimTransport;
  port: number;
  /** line speed modelled; a Sunny Boy line runs 1200 baud */
  baudRate: number;
  /** local hour the simulated day starts at (then runs in real time); undefined: the wall clock */
  startHour?: number;
}

/** One Sunny Mini Central over Bluetooth: a pty standing in for the RFCOMM tty (needs socat). */
export interface SmaBluetoothFleetOptions {
  /** the user group's password the device accepts */
  password: string;
  startHour?: number;
}

/** One SMA inverter on Speedwire: UDP on the fleet's host. */
export interface SmaSpeedwireFleetOptions {
  /** UDP port; 9522 is Speedwire's, 0 = any free port */
  port: number;
  password: string;
  startHour?: number;
}

export interface FleetOptions {
  host: string;
  xw?: XwFleetOptions;
  kaco?: KacoFleetOptions;
  smaData1?: SmaData1FleetOptions;
  smaBluetooth?: SmaBluetoothFleetOptions;
  smaSpeedwire?: SmaSpeedwireFleetOptions;
  /**
   * Keep only the last requests in the simulators' records (they keep every request for tests);
   * for long runs: the command and the demo.
   */
  trimRecords?: boolean;
}

const KEEP_RECORDS = 1000;
const TRIM_EVERY_MS = 60_000;

/** Where a line can be reached and how an rs485-bus node names it. */
export interface LineInfo {
  transport: SimTransport;
  /** pty: the path to open */
  path?: string;
  host?: string;
  port?: number;
  baudRate: number;
  /** the rs485-bus properties that reach this line */
  bus: Record<string, string | number | boolean>;
}

/**
 * One simulated SMA device as an sma-inverter node reaches it: the transport and what identifies
 * the device on it, the password (a credential in the node), and for Data1 and Bluetooth the
 * rs485-bus properties of the line or tty.
 */
export type SmaEndpoint = { name: string; serial: number; type: string } & (
  | { transport: 'data1'; /** the address it has now; absent: the discovery gives one */ address?: number; bus: LineInfo['bus'] }
  | { transport: 'bluetooth'; /** the tty standing in for /dev/rfcomm0 */ path: string; /** the inverter's Bluetooth address */ btAddress: string; password: string; group: 'user'; bus: LineInfo['bus'] }
  | { transport: 'speedwire'; host: string; port: number; password: string; group: 'user' }
);

export interface SimFleet {
  xw?: LineInfo & { units: number[]; framing: 'rtu' | 'modbus-tcp'; device: XwDevice; sim: ModbusSlaveSim };
  kaco?: LineInfo & { addresses: number[]; sim: KacoSim };
  smaData1?: LineInfo & { serials: number[]; /** as the simulator started (0: none yet) */ addresses: number[]; sim: SmaData1Sim };
  smaBluetooth?: { path: string; btAddress: string; serial: number; type: string; password: string; bus: LineInfo['bus']; sim: SmaBluetoothSim };
  smaSpeedwire?: { host: string; port: number; serial: number; type: string; password: string; sim: SmaSpeedwireSim };
  close(): Promise<void>;
}

export const DEFAULT_XW: XwFleetOptions = { count: 3, firstUnit: 10, transport: 'tcp', framing: 'rtu', port: 0, baudRate: 19200, switchDelayMs: 500 };
export const DEFAULT_KACO: KacoFleetOptions = { count: 3, firstAddress: 1, transport: 'tcp', port: 0, baudRate: 9600, protocol: 'mixed' };
/** 3 Sunny Boys on one line (the CLI starts SMA only when asked); serials are ours, 10 digits as SMA's */
export const DEFAULT_SMA_DATA1: SmaData1FleetOptions = { count: 3, firstSerial: 2000100001, firstAddress: 1, transport: 'tcp', port: 0, baudRate: 1200 };
/** SMA's factory password of the user group (SMA manuals: "0000") */
export const DEFAULT_SMA_PASSWORD = '0000';
export const SPEEDWIRE_PORT = 9522;

/** The simulated Bluetooth and Speedwire devices (ours: an SMC and a Sunny Boy TL with a Speedwire interface). */
const SMA_BT_DEVICE: Omit<SmaSimDeviceSpec, 'password'> = { susyId: 128, serial: 2100200001, name: 'SMC 6000A', ratedW: 6000, strings: 2 };
const SMA_SW_DEVICE: Omit<SmaSimDeviceSpec, 'password'> = { susyId: 131, serial: 2130300001, name: 'SB 5000TL', ratedW: 5000, strings: 2 };

/** Initial states that give the dashboard something to show: one charging, one selling, one idle. */
const XW_START_STATES: XwUnitOptions[] = [{ charger: 1 }, { sell: 1 }, {}];

const range = (first: number, count: number): number[] => Array.from({ length: count }, (_, i) => first + i);

function check(cond: boolean, message: string): void {
  if (!cond) throw new RangeError(message);
}

export async function startSimFleet(options: FleetOptions): Promise<SimFleet> {
  const { xw, kaco, host } = options;
  if (xw) {
    check(Number.isInteger(xw.count) && xw.count >= 1 && xw.count <= 20, `XW unit count must be 1–20, got ${xw.count}`);
    check(Number.isInteger(xw.firstUnit) && xw.firstUnit >= 1 && xw.firstUnit + xw.count - 1 <= 247, `XW unit addresses must be 1–247, got ${xw.firstUnit}…${xw.firstUnit + xw.count - 1}`);
  }
  if (kaco) {
    check(Number.isInteger(kaco.count) && kaco.count >= 1 && kaco.count <= 32, `KACO inverter count must be 1–32, got ${kaco.count}`);
    check(Number.isInteger(kaco.firstAddress) && kaco.firstAddress >= 1 && kaco.firstAddress + kaco.count - 1 <= 32, `KACO addresses must be 1–32, got ${kaco.firstAddress}…${kaco.firstAddress + kaco.count - 1}`);
  }
  const { smaData1, smaBluetooth, smaSpeedwire } = options;
  if (smaData1) {
    check(Number.isInteger(smaData1.count) && smaData1.count >= 1 && smaData1.count <= 50, `SMA Data1 device count must be 1–50, got ${smaData1.count}`);
    check(Number.isInteger(smaData1.firstSerial) && smaData1.firstSerial >= 1 && smaData1.firstSerial + smaData1.count - 1 <= 0xffffffff, `SMA serials must be 1–4294967295, got ${smaData1.firstSerial}…`);
    check(Number.isInteger(smaData1.firstAddress) && smaData1.firstAddress >= 0 && (smaData1.firstAddress === 0 || smaData1.firstAddress + smaData1.count - 1 <= 255), `SMA Data1 addresses must be 1–255 (or 0: none), got ${smaData1.firstAddress}…`);
  }
  if (smaSpeedwire) check(Number.isInteger(smaSpeedwire.port) && smaSpeedwire.port >= 0 && smaSpeedwire.port <= 65535, `Speedwire port must be 0–65535, got ${smaSpeedwire.port}`);
  for (const hour of [kaco?.startHour, smaData1?.startHour, smaBluetooth?.startHour, smaSpeedwire?.startHour]) {
    if (hour !== undefined) check(hour >= 0 && hour < 24, `time of day must be 0–24 h, got ${hour}`);
  }

  let trimTimer: NodeJS.Timeout | undefined;
  const fleet: SimFleet = {
    async close() {
      clearInterval(trimTimer);
      await Promise.all([fleet.xw?.sim.close(), fleet.kaco?.sim.close(), fleet.smaData1?.sim.close(), fleet.smaBluetooth?.sim.close(), fleet.smaSpeedwire?.sim.close()]);
    },
  };
  try {
    if (xw) {
      const units = range(xw.firstUnit, xw.count);
      const device = new XwDevice(Object.fromEntries(units.map((u, i) => [u, XW_START_STATES[i % XW_START_STATES.length]])), { switchDelayMs: xw.switchDelayMs });
      const transport = xw.transport === 'pty' ? { transport: 'pty' as const } : { transport: 'tcp' as const, framing: xw.framing, host, port: xw.port };
      const sim = await startModbusSlave(device, transport, { baudRate: xw.baudRate, turnaroundMs: 5 });
      fleet.xw = { ...lineInfo(xw.transport, sim.clientPath, host, sim.port, xw.baudRate, xw.framing), units, framing: xw.framing, device, sim };
    }
    if (kaco) {
      const addresses = range(kaco.firstAddress, kaco.count);
      const started = Date.now();
      const startHour = kaco.startHour;
      const sim = await KacoSim.start({
        endpoint: kaco.transport === 'pty' ? { transport: 'pty' } : { transport: 'tcp', host, port: kaco.port },
        inverters: addresses.map((address, i) => ({ address, protocol: kaco.protocol === 'mixed' ? (i % 2 === 0 ? 'standard' : 'generic') : kaco.protocol })),
        baudRate: kaco.baudRate,
        ...(startHour === undefined ? {} : { timeOfDay: () => (startHour + (Date.now() - started) / 3_600_000) % 24 }),
      });
      fleet.kaco = { ...lineInfo(kaco.transport, sim.clientPath, host, sim.port, kaco.baudRate, 'rtu'), addresses, sim };
    }
    if (smaData1) {
      const serials = range(smaData1.firstSerial, smaData1.count);
      const addresses = serials.map((_, i) => (smaData1.firstAddress === 0 ? 0 : smaData1.firstAddress + i));
      const sim = await SmaData1Sim.start({
        endpoint: smaData1.transport === 'pty' ? { transport: 'pty' } : { transport: 'tcp', host, port: smaData1.port },
        devices: serials.map((serial, i) => ({ serial, address: addresses[i] })),
        baudRate: smaData1.baudRate,
        ...dayOf(smaData1.startHour),
      });
      fleet.smaData1 = { ...lineInfo(smaData1.transport, sim.clientPath, host, sim.port, smaData1.baudRate, 'rtu'), serials, addresses, sim };
    }
    if (smaBluetooth) {
      const sim = await SmaBluetoothSim.start({ device: { ...SMA_BT_DEVICE, password: smaBluetooth.password }, ...dayOf(smaBluetooth.startHour) });
      // the RFCOMM tty is a serial port to the bus; its baud rate means nothing to RFCOMM
      const bus = { connection: 'serial', serialPort: sim.clientPath, baudRate: 115200, dataBits: 8, parity: 'none', stopBits: 1 };
      fleet.smaBluetooth = { path: sim.clientPath, btAddress: sim.address, serial: SMA_BT_DEVICE.serial, type: SMA_BT_DEVICE.name, password: smaBluetooth.password, bus, sim };
    }
    if (smaSpeedwire) {
      const sim = await SmaSpeedwireSim.start({ device: { ...SMA_SW_DEVICE, password: smaSpeedwire.password }, host, port: smaSpeedwire.port, ...dayOf(smaSpeedwire.startHour) });
      fleet.smaSpeedwire = { host: sim.host, port: sim.port, serial: SMA_SW_DEVICE.serial, type: SMA_SW_DEVICE.name, password: smaSpeedwire.password, sim };
    }
  } catch (err) {
    await fleet.close();
    throw err;
  }
  if (options.trimRecords) {
    trimTimer = setInterval(() => {
      for (const records of [fleet.xw?.sim.requests, fleet.kaco?.sim.requests, fleet.smaData1?.sim.requests, fleet.smaBluetooth?.sim.device.requests, fleet.smaSpeedwire?.sim.device.requests]) {
        if (records && records.length > KEEP_RECORDS) (records as unknown[]).splice(0, records.length - KEEP_RECORDS);
      }
    }, TRIM_EVERY_MS);
    trimTimer.unref();
  }
  return fleet;
}

/** The simulators' time of day: the wall clock, or a day that starts at `startHour` and runs in real time. */
function dayOf(startHour: number | undefined): { timeOfDay?: () => number } {
  if (startHour === undefined) return {};
  const started = Date.now();
  return { timeOfDay: () => (startHour + (Date.now() - started) / 3_600_000) % 24 };
}

/**
 * Every simulated SMA device as an sma-inverter node reaches it, Data1 devices first: what the
 * demo (and a user) types into the node and its rs485-bus.
 */
export function smaEndpoints(fleet: SimFleet): SmaEndpoint[] {
  const out: SmaEndpoint[] = [];
  const group = 'user' as const;
  const d1 = fleet.smaData1;
  if (d1) {
    d1.serials.forEach((serial, i) => {
      const type = d1.sim.bySerial(serial).type;
      const address = d1.addresses[i] === 0 ? {} : { address: d1.addresses[i] };
      // no password: SMA Data1 has no logon
      out.push({ name: `${type} ${serial}`, transport: 'data1', serial, type, ...address, bus: d1.bus });
    });
  }
  const bt = fleet.smaBluetooth;
  if (bt) out.push({ name: `${bt.type} ${bt.serial}`, transport: 'bluetooth', serial: bt.serial, type: bt.type, password: bt.password, group, path: bt.path, btAddress: bt.btAddress, bus: bt.bus });
  const sw = fleet.smaSpeedwire;
  if (sw) out.push({ name: `${sw.type} ${sw.serial}`, transport: 'speedwire', serial: sw.serial, type: sw.type, password: sw.password, group, host: sw.host, port: sw.port });
  return out;
}

function lineInfo(transport: SimTransport, path: string | undefined, host: string, port: number | undefined, baudRate: number, framing: 'rtu' | 'modbus-tcp'): LineInfo {
  if (transport === 'pty') {
    return { transport, path, baudRate, bus: { connection: 'serial', serialPort: path ?? '', baudRate, dataBits: 8, parity: 'none', stopBits: 1 } };
  }
  const bus: LineInfo['bus'] = framing === 'modbus-tcp' ? { connection: 'modbus-tcp', host, tcpPort: port ?? 0 } : { connection: 'tcp-raw', host, tcpPort: port ?? 0, lineBaudRate: baudRate };
  return { transport, host, port, baudRate, bus };
}

/**
 * Simulated XW units and KACO inverters started together, for the `solar-bus-sim` command, the
 * `npm start` demo and the end-to-end tests: each family on its own line (a pty or a loopback TCP
 * port), as on a real site where the XW bus (19200 baud Modbus) and the KACO bus (9600 baud)
 * are separate cables.
 */
import { KacoSim } from './kacoSim';
import type { SimProtocol } from './kacoSimInverter';
import { startModbusSlave, type ModbusSlaveSim } from './modbusSlave';
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

export interface FleetOptions {
  host: string;
  xw?: XwFleetOptions;
  kaco?: KacoFleetOptions;
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

export interface SimFleet {
  xw?: LineInfo & { units: number[]; framing: 'rtu' | 'modbus-tcp'; device: XwDevice; sim: ModbusSlaveSim };
  kaco?: LineInfo & { addresses: number[]; sim: KacoSim };
  close(): Promise<void>;
}

export const DEFAULT_XW: XwFleetOptions = { count: 3, firstUnit: 10, transport: 'tcp', framing: 'rtu', port: 0, baudRate: 19200, switchDelayMs: 500 };
export const DEFAULT_KACO: KacoFleetOptions = { count: 3, firstAddress: 1, transport: 'tcp', port: 0, baudRate: 9600, protocol: 'mixed' };

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
  if (kaco?.startHour !== undefined) check(kaco.startHour >= 0 && kaco.startHour < 24, `time of day must be 0–24 h, got ${kaco.startHour}`);

  let trimTimer: NodeJS.Timeout | undefined;
  const fleet: SimFleet = {
    async close() {
      clearInterval(trimTimer);
      await Promise.all([fleet.xw?.sim.close(), fleet.kaco?.sim.close()]);
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
  } catch (err) {
    await fleet.close();
    throw err;
  }
  if (options.trimRecords) {
    trimTimer = setInterval(() => {
      for (const records of [fleet.xw?.sim.requests, fleet.kaco?.sim.requests]) {
        if (records && records.length > KEEP_RECORDS) (records as unknown[]).splice(0, records.length - KEEP_RECORDS);
      }
    }, TRIM_EVERY_MS);
    trimTimer.unref();
  }
  return fleet;
}

function lineInfo(transport: SimTransport, path: string | undefined, host: string, port: number | undefined, baudRate: number, framing: 'rtu' | 'modbus-tcp'): LineInfo {
  if (transport === 'pty') {
    return { transport, path, baudRate, bus: { connection: 'serial', serialPort: path ?? '', baudRate, dataBits: 8, parity: 'none', stopBits: 1 } };
  }
  const bus: LineInfo['bus'] = framing === 'modbus-tcp' ? { connection: 'modbus-tcp', host, tcpPort: port ?? 0 } : { connection: 'tcp-raw', host, tcpPort: port ?? 0, lineBaudRate: baudRate };
  return { transport, host, port, baudRate, bus };
}

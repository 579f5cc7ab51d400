/**
 * The options of `solar-bus-sim`: which simulated units to start and where. Parsing only; the
 * command (scripts/solar-bus-sim.ts) starts them.
 */
import { parseArgs } from 'node:util';
import { DEFAULT_KACO, DEFAULT_SMA_DATA1, DEFAULT_SMA_PASSWORD, DEFAULT_XW, SPEEDWIRE_PORT, smaEndpoints, type FleetOptions, type SimFleet } from './simFleet';

export const HELP = `solar-bus-sim: simulated Schneider Conext XW units, KACO Powador inverters and SMA inverters, for
Node-RED flows without hardware. Each family is one line: a loopback TCP port (default) or a
pseudo terminal (needs socat). Replies come after the time a real RS485 line would take.

Usage: solar-bus-sim [options]

XW (Modbus):
  --xw <n>                 number of XW units, 0 for none (default ${DEFAULT_XW.count})
  --xw-unit <address>      first unit address (default ${DEFAULT_XW.firstUnit}; the next units count up)
  --xw-transport tcp|pty   (default ${DEFAULT_XW.transport})
  --xw-framing rtu|modbus-tcp
                           on TCP: rtu = RTU frames like a serial device server (rs485-bus
                           "tcp-raw"), modbus-tcp = like a ComBox / Conext Gateway (default ${DEFAULT_XW.framing})
  --xw-port <port>         TCP port (default: any free port, printed)
  --xw-baud <baud>         line speed modelled (default ${DEFAULT_XW.baudRate})
  --xw-switch-delay <ms>   time a unit takes to act on a command (default ${DEFAULT_XW.switchDelayMs})
KACO:
  --kaco <n>               number of KACO inverters, 0 for none (default ${DEFAULT_KACO.count})
  --kaco-address <n>       first RS485 address (default ${DEFAULT_KACO.firstAddress})
  --kaco-transport tcp|pty (default ${DEFAULT_KACO.transport})
  --kaco-port <port>       TCP port (default: any free port, printed)
  --kaco-baud <baud>       line speed modelled (default ${DEFAULT_KACO.baudRate})
  --kaco-protocol standard|generic|mixed
                           xi units (standard), TL3 units (generic), or alternating (default ${DEFAULT_KACO.protocol})
SMA (none unless asked for):
  --sma-data1 <n>          number of Sunny Boys with RS485 Piggy-Backs, all on one line (SMA
                           Data1), 0 for none (default 0)
  --sma-data1-serial <n>   serial of the first (default ${DEFAULT_SMA_DATA1.firstSerial}; the next count up)
  --sma-data1-address <n>  network address of the first, as an earlier master left it (default
                           ${DEFAULT_SMA_DATA1.firstAddress}; the next count up); 0: none, the reader's discovery gives them
  --sma-data1-transport tcp|pty (default ${DEFAULT_SMA_DATA1.transport})
  --sma-data1-port <port>  TCP port (default: any free port, printed)
  --sma-data1-baud <baud>  line speed modelled (default ${DEFAULT_SMA_DATA1.baudRate}, a Sunny Boy line's)
  --sma-bt                 a Sunny Mini Central over Bluetooth: a pseudo terminal standing in for
                           /dev/rfcomm0 (needs socat)
  --sma-speedwire          an SMA inverter on Speedwire (UDP on --host)
  --sma-speedwire-port <port>
                           UDP port (default ${SPEEDWIRE_PORT}, Speedwire's; 0: any free port, printed)
  --sma-password <text>    the user group's password of the Bluetooth and Speedwire devices
                           (default ${DEFAULT_SMA_PASSWORD}, SMA's factory setting); a wrong one is refused
General:
  --time-of-day now|<hour> the simulated inverters' day: the wall clock, or a day that starts at
                           this hour (0–24) and runs in real time (default now; they are silent
                           at night, 18:00–06:00)
  --host <address>         address the TCP and UDP ports listen on (default 127.0.0.1)
  --json                   print the endpoints as one JSON line instead of text
  --help                   this text

Ctrl-C (or SIGTERM) stops the simulators.`;

export type SimCommand = { help: true } | { help: false; json: boolean; fleet: FleetOptions };

function int(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be a whole number ${min}–${max}, got "${value}"`);
  return n;
}

function oneOf<T extends string>(name: string, value: string | undefined, fallback: T, allowed: readonly T[]): T {
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) throw new Error(`--${name} must be one of ${allowed.join(', ')}, got "${value}"`);
  return value as T;
}

function startHour(value: string | undefined): number | undefined {
  if (value === undefined || value === 'now') return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n >= 24) throw new Error(`--time-of-day must be "now" or an hour 0–24, got "${value}"`);
  return n;
}

/** Throws an Error with a message for the user when an option is wrong. */
export function parseSimCommand(argv: string[]): SimCommand {
  const str = { type: 'string' } as const;
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      help: { type: 'boolean', short: 'h' },
      json: { type: 'boolean' },
      host: str,
      xw: str,
      'xw-unit': str,
      'xw-transport': str,
      'xw-framing': str,
      'xw-port': str,
      'xw-baud': str,
      'xw-switch-delay': str,
      kaco: str,
      'kaco-address': str,
      'kaco-transport': str,
      'kaco-port': str,
      'kaco-baud': str,
      'kaco-protocol': str,
      'sma-data1': str,
      'sma-data1-serial': str,
      'sma-data1-address': str,
      'sma-data1-transport': str,
      'sma-data1-port': str,
      'sma-data1-baud': str,
      'sma-bt': { type: 'boolean' },
      'sma-speedwire': { type: 'boolean' },
      'sma-speedwire-port': str,
      'sma-password': str,
      'time-of-day': str,
    },
  });
  if (values.help) return { help: true };
  const transports = ['tcp', 'pty'] as const;
  const xwCount = int('xw', values.xw, DEFAULT_XW.count, 0, 20);
  const kacoCount = int('kaco', values.kaco, DEFAULT_KACO.count, 0, 32);
  const smaData1Count = int('sma-data1', values['sma-data1'], 0, 0, 50);
  const sma = smaData1Count > 0 || values['sma-bt'] === true || values['sma-speedwire'] === true;
  if (xwCount === 0 && kacoCount === 0 && !sma) throw new Error('--xw 0 and --kaco 0 and no SMA device: nothing to simulate');
  const fleet: FleetOptions = { host: values.host ?? '127.0.0.1', trimRecords: true };
  const hour = startHour(values['time-of-day']);
  if (xwCount > 0) {
    fleet.xw = {
      count: xwCount,
      firstUnit: int('xw-unit', values['xw-unit'], DEFAULT_XW.firstUnit, 1, 247),
      transport: oneOf('xw-transport', values['xw-transport'], DEFAULT_XW.transport, transports),
      framing: oneOf('xw-framing', values['xw-framing'], DEFAULT_XW.framing, ['rtu', 'modbus-tcp'] as const),
      port: int('xw-port', values['xw-port'], DEFAULT_XW.port, 0, 65535),
      baudRate: int('xw-baud', values['xw-baud'], DEFAULT_XW.baudRate, 300, 1_000_000),
      switchDelayMs: int('xw-switch-delay', values['xw-switch-delay'], DEFAULT_XW.switchDelayMs, 0, 60_000),
    };
    if (fleet.xw.transport === 'pty' && values['xw-framing'] === 'modbus-tcp') throw new Error('--xw-framing modbus-tcp needs --xw-transport tcp');
  }
  if (kacoCount > 0) {
    fleet.kaco = {
      count: kacoCount,
      firstAddress: int('kaco-address', values['kaco-address'], DEFAULT_KACO.firstAddress, 1, 32),
      transport: oneOf('kaco-transport', values['kaco-transport'], DEFAULT_KACO.transport, transports),
      port: int('kaco-port', values['kaco-port'], DEFAULT_KACO.port, 0, 65535),
      baudRate: int('kaco-baud', values['kaco-baud'], DEFAULT_KACO.baudRate, 300, 1_000_000),
      protocol: oneOf('kaco-protocol', values['kaco-protocol'], DEFAULT_KACO.protocol, ['standard', 'generic', 'mixed'] as const),
      startHour: hour,
    };
  }
  if (smaData1Count > 0) {
    const firstSerial = int('sma-data1-serial', values['sma-data1-serial'], DEFAULT_SMA_DATA1.firstSerial, 1, 0xffffffff - smaData1Count + 1);
    const firstAddress = int('sma-data1-address', values['sma-data1-address'], DEFAULT_SMA_DATA1.firstAddress, 0, 255);
    if (firstAddress + smaData1Count - 1 > 255) throw new Error(`--sma-data1-address ${firstAddress} with ${smaData1Count} devices runs past address 255`);
    fleet.smaData1 = {
      count: smaData1Count,
      firstSerial,
      firstAddress,
      transport: oneOf('sma-data1-transport', values['sma-data1-transport'], DEFAULT_SMA_DATA1.transport, transports),
      port: int('sma-data1-port', values['sma-data1-port'], DEFAULT_SMA_DATA1.port, 0, 65535),
      baudRate: int('sma-data1-baud', values['sma-data1-baud'], DEFAULT_SMA_DATA1.baudRate, 300, 1_000_000),
      startHour: hour,
    };
  }
  const password = values['sma-password'] ?? DEFAULT_SMA_PASSWORD;
  // SMAData2+ carries 12 bytes of password (lib/sma/logon.ts)
  if (password.length < 1 || password.length > 12) throw new Error(`--sma-password must be 1–12 characters, got ${password.length}`);
  if (values['sma-bt']) fleet.smaBluetooth = { password, startHour: hour };
  if (values['sma-speedwire']) fleet.smaSpeedwire = { port: int('sma-speedwire-port', values['sma-speedwire-port'], SPEEDWIRE_PORT, 0, 65535), password, startHour: hour };
  return { help: false, json: values.json ?? false, fleet };
}

/** What the command prints once the simulators run: where they are and the rs485-bus settings that reach them. */
export function describeFleet(fleet: SimFleet): string[] {
  const lines: string[] = [];
  const where = (l: { transport: string; path?: string; host?: string; port?: number }): string => (l.transport === 'pty' ? `pty ${l.path}` : `tcp ${l.host}:${l.port}`);
  const busText = (bus: Record<string, unknown>): string =>
    Object.entries(bus)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(' ');
  if (fleet.xw) {
    const kind = fleet.xw.transport === 'pty' ? 'Modbus RTU' : fleet.xw.framing === 'modbus-tcp' ? 'Modbus TCP, like a Conext Gateway' : 'Modbus RTU over TCP, like a serial device server';
    lines.push(`XW units ${fleet.xw.units.join(', ')} on ${where(fleet.xw)} (${kind}, ${fleet.xw.baudRate} baud modelled)`);
    lines.push(`  rs485-bus: ${busText(fleet.xw.bus)}`);
  }
  if (fleet.kaco) {
    lines.push(`KACO inverters ${fleet.kaco.addresses.join(', ')} on ${where(fleet.kaco)} (KACO RS485 protocol, ${fleet.kaco.baudRate} baud modelled)`);
    lines.push(`  rs485-bus: ${busText(fleet.kaco.bus)}`);
  }
  const d1 = fleet.smaData1;
  if (d1) lines.push(`SMA Sunny Boys on ${where(d1)} (SMA Data1, ${d1.baudRate} baud modelled)`, `  rs485-bus: ${busText(d1.bus)}`);
  for (const e of smaEndpoints(fleet)) {
    if (e.transport === 'bluetooth') lines.push(`SMA ${e.type} over Bluetooth on pty ${e.path} (stands in for /dev/rfcomm0)`, `  rs485-bus: ${busText(e.bus)}`);
    if (e.transport === 'speedwire') lines.push(`SMA ${e.type} on Speedwire, udp ${e.host}:${e.port}`);
    const node =
      e.transport === 'data1'
        ? { transport: 'data1', serial: e.serial, ...(e.address === undefined ? {} : { address: e.address }) }
        : e.transport === 'bluetooth'
          ? { transport: 'bluetooth', serial: e.serial, btAddress: e.btAddress, password: e.password, group: e.group }
          : { transport: 'speedwire', host: e.host, port: e.port, serial: e.serial, password: e.password, group: e.group };
    lines.push(`  sma-inverter: ${busText(node)}`);
  }
  return lines;
}

export function fleetJson(fleet: SimFleet): string {
  return JSON.stringify({
    xw: fleet.xw && { units: fleet.xw.units, transport: fleet.xw.transport, path: fleet.xw.path, host: fleet.xw.host, port: fleet.xw.port, framing: fleet.xw.framing, bus: fleet.xw.bus },
    kaco: fleet.kaco && { addresses: fleet.kaco.addresses, transport: fleet.kaco.transport, path: fleet.kaco.path, host: fleet.kaco.host, port: fleet.kaco.port, bus: fleet.kaco.bus },
    sma: smaEndpoints(fleet),
  });
}

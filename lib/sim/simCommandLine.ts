/**
 * The options of `solar-bus-sim`: which simulated units to start and where. Parsing only; the
 * command (scripts/solar-bus-sim.ts) starts them.
 */
import { parseArgs } from 'node:util';
import { DEFAULT_KACO, DEFAULT_XW, type FleetOptions, type SimFleet } from './simFleet';

export const HELP = `solar-bus-sim: simulated Schneider Conext XW units and KACO Powador inverters, for Node-RED
flows without hardware. Each family is one line: a loopback TCP port (default) or a pseudo
terminal (needs socat). Replies come after the time a real RS485 line would take.

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
  --time-of-day now|<hour> the simulated inverters' day: the wall clock, or a day that starts at
                           this hour (0–24) and runs in real time (default now; they are silent
                           at night, 18:00–06:00)
General:
  --host <address>         address the TCP ports listen on (default 127.0.0.1)
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
      'time-of-day': str,
    },
  });
  if (values.help) return { help: true };
  const transports = ['tcp', 'pty'] as const;
  const xwCount = int('xw', values.xw, DEFAULT_XW.count, 0, 20);
  const kacoCount = int('kaco', values.kaco, DEFAULT_KACO.count, 0, 32);
  if (xwCount === 0 && kacoCount === 0) throw new Error('--xw 0 and --kaco 0: nothing to simulate');
  const fleet: FleetOptions = { host: values.host ?? '127.0.0.1', trimRecords: true };
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
      startHour: startHour(values['time-of-day']),
    };
  }
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
  return lines;
}

export function fleetJson(fleet: SimFleet): string {
  return JSON.stringify({
    xw: fleet.xw && { units: fleet.xw.units, transport: fleet.xw.transport, path: fleet.xw.path, host: fleet.xw.host, port: fleet.xw.port, framing: fleet.xw.framing, bus: fleet.xw.bus },
    kaco: fleet.kaco && { addresses: fleet.kaco.addresses, transport: fleet.kaco.transport, path: fleet.kaco.path, host: fleet.kaco.host, port: fleet.kaco.port, bus: fleet.kaco.bus },
  });
}

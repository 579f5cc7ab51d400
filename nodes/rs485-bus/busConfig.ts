import type { BusSettings } from '../../lib/bus/busSettings';
import { ConfigError } from '../../lib/bus/errors';
import type { CharFormat } from '../../lib/bus/wireTiming';
import { DEFAULTS, type Rs485BusConfig } from './defaults';

const BAUD_RATES = [1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200];

/** Turns the stored node properties into bus settings, refusing what would never work. */
export function busSettingsFrom(raw: Partial<Rs485BusConfig>): BusSettings {
  const c = { ...DEFAULTS, ...stripEmpty(raw) } as Rs485BusConfig;
  const num = (v: unknown): number => Number(v);
  const timeoutMs = num(c.timeout);
  const pauseMs = num(c.pause);
  const deadlineMs = num(c.deadline);
  if (!(timeoutMs >= 10 && timeoutMs <= 60000)) throw new ConfigError(`timeout must be 10–60000 ms, got ${c.timeout}`);
  if (!(pauseMs >= 0 && pauseMs <= 60000)) throw new ConfigError(`pause must be 0–60000 ms, got ${c.pause}`);
  if (!(deadlineMs >= 100 && deadlineMs <= 3600000)) throw new ConfigError(`deadline must be 100–3600000 ms, got ${c.deadline}`);
  const common = { timeoutMs, pauseMs, deadlineMs, trace: c.trace === true || String(c.trace) === 'true' };
  if (c.connection === 'serial') {
    const path = String(c.serialPort ?? '').trim();
    if (!path.startsWith('/') && !/^COM\d+$/i.test(path)) throw new ConfigError(`serial port must be a device path such as /dev/ttyUSB0 or a glob such as /dev/ttyUSB*, got "${path}"`);
    const baudRate = num(c.baudRate);
    if (!BAUD_RATES.includes(baudRate)) throw new ConfigError(`baud rate must be one of ${BAUD_RATES.join(', ')}, got ${c.baudRate}`);
    const dataBits = num(c.dataBits);
    const stopBits = num(c.stopBits);
    if (dataBits !== 7 && dataBits !== 8) throw new ConfigError(`data bits must be 7 or 8, got ${c.dataBits}`);
    if (stopBits !== 1 && stopBits !== 2) throw new ConfigError(`stop bits must be 1 or 2, got ${c.stopBits}`);
    if (!['none', 'even', 'odd'].includes(c.parity)) throw new ConfigError(`parity must be none, even or odd, got ${c.parity}`);
    const format: CharFormat = { dataBits, parity: c.parity as CharFormat['parity'], stopBits };
    return { link: { kind: 'serial', path, baudRate, format }, framing: 'rtu', ...common };
  }
  if (c.connection !== 'tcp-raw' && c.connection !== 'modbus-tcp') throw new ConfigError(`connection must be serial, tcp-raw or modbus-tcp, got ${c.connection}`);
  const host = String(c.host ?? '').trim();
  if (!/^[A-Za-z0-9.:[\]-]+$/.test(host)) throw new ConfigError(`host must be a host name or IP address, got "${host}"`);
  const port = num(c.tcpPort);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new ConfigError(`TCP port must be 1–65535, got ${c.tcpPort}`);
  const lineBaudRate = num(c.lineBaudRate);
  return {
    link: { kind: 'tcp', host, port, lineBaudRate: BAUD_RATES.includes(lineBaudRate) ? lineBaudRate : DEFAULTS.lineBaudRate },
    framing: c.connection === 'modbus-tcp' ? 'modbus-tcp' : 'rtu',
    ...common,
  };
}

function stripEmpty(raw: Partial<Rs485BusConfig>): Partial<Rs485BusConfig> {
  return Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined && v !== '')) as Partial<Rs485BusConfig>;
}

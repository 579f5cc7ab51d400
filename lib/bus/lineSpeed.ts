/**
 * One RS485 line runs at one speed. Some protocols fix theirs — a KACO Powador talks at 9600 baud,
 * a Sunny Boy's RS485 Piggy-Back at 1200 — while an XW's Modbus converter is set to the line's. A
 * line whose users would need different speeds cannot work (each would see the other's frames as
 * noise), so the second one is refused with an error naming both; so is a protocol put on a line
 * set to a speed it never runs at.
 */
import type { Bus } from './bus';
import type { ContextSlot } from './busContext';
import { ConfigError } from './errors';

export type LineProtocol = 'kaco' | 'sma-data1' | 'xw';

/**
 * The speed each protocol runs at (undefined: whatever the line is set to), and whether a line set
 * to another speed is refused. KACO's is not enforced on its own: the line's setting is taken as
 * the user's (simulators and tests run KACO faster); beside SMA it is, since neither fits the other.
 */
export const PROTOCOL_BAUD: Readonly<Record<LineProtocol, { baud?: number; enforced?: true; name: string; source: string }>> = {
  kaco: { baud: 9600, name: 'KACO', source: 'KACO RS485 protocol: 9600 baud 8N1 (shared/reference/kaco-rs485.md)' },
  'sma-data1': { baud: 1200, enforced: true, name: 'SMA Data1 (RS485 Piggy-Back)', source: 'SMA YASDI documentation: 1200 baud for inverters (shared/reference/sma.md §1.1)' },
  xw: { name: 'XW Modbus', source: 'the converter is set to the line speed (shared/reference/xw-modbus.md)' },
};

interface LineUser {
  protocol: LineProtocol;
  /** how the user is named in errors, e.g. kaco-read "roof" */
  label: string;
}

const LINE_USERS: ContextSlot<Map<string, LineUser>> = { name: 'line users', create: () => new Map() };

/** The baud rate the bus's line runs at, when the bus knows it (a serial port; a TCP serial server given its line speed). */
export function lineBaud(bus: Bus): number | undefined {
  const link = bus.settings.link;
  return link.kind === 'serial' ? link.baudRate : link.kind === 'tcp' ? link.lineBaudRate : undefined;
}

/**
 * Records that `id` uses the bus's line for `protocol`, or throws a ConfigError when the line's
 * speed or another user's protocol says it cannot work. Claiming again with the same id replaces.
 */
export function claimLine(bus: Bus, id: string, protocol: LineProtocol, label: string): void {
  const want = PROTOCOL_BAUD[protocol];
  const baud = lineBaud(bus);
  if (want.enforced && want.baud !== undefined && baud !== undefined && baud !== want.baud) {
    throw new ConfigError(`${label}: ${want.name} runs at ${want.baud} baud, but ${bus.link.description} is set to ${baud} baud. Set the rs485-bus to ${want.baud} baud, or give ${want.name} its own port.`);
  }
  const users = bus.context.get(LINE_USERS);
  for (const [otherId, other] of users) {
    if (otherId === id) continue;
    const theirs = PROTOCOL_BAUD[other.protocol].baud;
    if (want.baud !== undefined && theirs !== undefined && theirs !== want.baud) {
      throw new ConfigError(`${label}: ${want.name} runs at ${want.baud} baud and ${other.label} on the same line (${bus.link.description}) runs ${PROTOCOL_BAUD[other.protocol].name} at ${theirs} baud; one line runs at one speed — put them on separate ports.`);
    }
  }
  users.set(id, { protocol, label });
}

export function releaseLine(bus: Bus, id: string): void {
  bus.context.get(LINE_USERS).delete(id);
}

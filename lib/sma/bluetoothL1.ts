/**
 * SMA Bluetooth level-1 packets on the RFCOMM stream: `7E` length(LE16, whole packet) check
 * (byte0 ^ byte1 ^ byte2) source(6, reversed) destination(6, reversed) command(LE16) payload.
 * The header is not stuffed (real headers carry a raw 7D). Sources: SBFspot Types.h/SBFNet.cpp,
 * python-smadata2 doc/protocol.txt, James Ball's notes (shared/reference/sma.md §2.2).
 */
import { fail, failCheck, type Parsed } from './parsed';

export const L1_HEADER_BYTES = 18;
/** longest packet seen: 0x6D (JB), python-smadata2 caps at 0x70; we allow some room */
export const L1_MAX_BYTES = 0x100;

export const L1_COMMANDS = {
  /** level-2 data, last or only piece */
  l2Last: 0x0001,
  /** hello / net announce, both directions during connect */
  hello: 0x0002,
  getVariable: 0x0003,
  variable: 0x0004,
  topology: 0x0005,
  error: 0x0007,
  /** level-2 data, more pieces follow */
  l2More: 0x0008,
  /** sent by the inverter during connect */
  connect0a: 0x000a,
  connect0c: 0x000c,
} as const;

export interface L1Packet {
  /** "00:80:25:09:9B:41" */
  source: string;
  destination: string;
  command: number;
  payload: Buffer;
}

export const BT_ZERO = '00:00:00:00:00:00';
export const BT_BROADCAST = 'FF:FF:FF:FF:FF:FF';

const BT_ADDRESS = /^[0-9A-F]{2}(:[0-9A-F]{2}){5}$/i;

export function isBluetoothAddress(value: unknown): value is string {
  return typeof value === 'string' && BT_ADDRESS.test(value);
}

/** 00:80:25:09:9B:41 → 41 9B 09 25 80 00 */
export function addressBytes(address: string): Buffer {
  if (!isBluetoothAddress(address)) throw new RangeError(`not a Bluetooth address: ${JSON.stringify(address)}`);
  return Buffer.from(address.split(':').reverse().join(''), 'hex');
}

export function addressText(bytes: Uint8Array): string {
  return Array.from(bytes)
    .reverse()
    .map((b) => b.toString(16).toUpperCase().padStart(2, '0'))
    .join(':');
}

export function encodeL1(p: L1Packet): Buffer {
  const length = L1_HEADER_BYTES + p.payload.length;
  if (length > 0xffff) throw new RangeError(`L1 packet of ${length} bytes`);
  const out = Buffer.alloc(length);
  out[0] = 0x7e;
  out.writeUInt16LE(length, 1);
  out[3] = out[0] ^ out[1] ^ out[2];
  addressBytes(p.source).copy(out, 4);
  addressBytes(p.destination).copy(out, 10);
  out.writeUInt16LE(p.command, 16);
  p.payload.copy(out, L1_HEADER_BYTES);
  return out;
}

/** The packet length its first 4 bytes announce; a Parsed failure when they are no L1 head. */
export function l1Length(head: Uint8Array): Parsed<number> {
  if (head[0] !== 0x7e) return fail('L1 packet does not start with 7E');
  if ((head[0] ^ head[1] ^ head[2]) !== head[3]) return failCheck(`L1 check byte ${head[3].toString(16)}, computed ${(head[0] ^ head[1] ^ head[2]).toString(16)}`);
  const length = head[1] | (head[2] << 8);
  if (length < L1_HEADER_BYTES || length > L1_MAX_BYTES) return fail(`L1 length ${length} outside ${L1_HEADER_BYTES}–${L1_MAX_BYTES}`);
  return { ok: true, value: length };
}

export function decodeL1(bytes: Buffer): Parsed<L1Packet> {
  if (bytes.length < 4) return fail(`L1 packet of ${bytes.length} bytes`);
  const length = l1Length(bytes);
  if (!length.ok) return length;
  if (bytes.length !== length.value) return fail(`L1 packet of ${bytes.length} bytes, its length says ${length.value}`);
  return {
    ok: true,
    value: {
      source: addressText(bytes.subarray(4, 10)),
      destination: addressText(bytes.subarray(10, 16)),
      command: bytes.readUInt16LE(16),
      payload: Buffer.from(bytes.subarray(L1_HEADER_BYTES)),
    },
  };
}

export type L1ReaderEvent = { kind: 'packet'; packet: L1Packet; raw: Buffer } | { kind: 'rejected'; reason: string; badCheck: boolean; raw: Buffer };

/** Cuts L1 packets from the RFCOMM byte stream by their length; resynchronises on the next 7E after a bad head. */
export class L1Reader {
  private buffer: Buffer = Buffer.alloc(0);
  skipped = 0;

  push(chunk: Buffer): L1ReaderEvent[] {
    this.buffer = this.buffer.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.buffer, chunk]);
    const events: L1ReaderEvent[] = [];
    for (;;) {
      const start = this.buffer.indexOf(0x7e);
      if (start < 0) {
        this.skip(this.buffer.length);
        break;
      }
      if (start > 0) this.skip(start);
      if (this.buffer.length < 4) break;
      const length = l1Length(this.buffer);
      if (!length.ok) {
        events.push({ kind: 'rejected', reason: length.reason, badCheck: length.badCheck, raw: Buffer.from(this.buffer.subarray(0, 4)) });
        this.skip(1);
        continue;
      }
      if (this.buffer.length < length.value) break;
      const raw = Buffer.from(this.buffer.subarray(0, length.value));
      this.buffer = this.buffer.subarray(length.value);
      const packet = decodeL1(raw);
      if (packet.ok) events.push({ kind: 'packet', packet: packet.value, raw });
      else events.push({ kind: 'rejected', reason: packet.reason, badCheck: packet.badCheck, raw });
    }
    return events;
  }

  get midPacket(): boolean {
    return this.buffer.length > 0;
  }

  private skip(n: number): void {
    this.skipped += n;
    this.buffer = this.buffer.subarray(n);
  }
}

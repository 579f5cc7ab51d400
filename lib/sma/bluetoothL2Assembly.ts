/**
 * An SMAData2+ frame longer than one L1 packet travels as 0x0008 pieces and a final 0x0001
 * piece; their payloads concatenated are the stuffed frame (James Ball, SBFspot getPacket,
 * SBFspot #535). Splitting (sender side) and assembling (receiver side).
 */
import { L1_COMMANDS, L1_HEADER_BYTES, type L1Packet } from './bluetoothL1';
import { decodeL2Frame, encodeL2Frame } from './bluetoothL2Frame';
import type { Data2Packet } from './data2Packet';
import type { Parsed } from './parsed';

/** python-smadata2 caps L1 packets at 0x70 bytes */
export const L1_MAX_PAYLOAD = 0x70 - L1_HEADER_BYTES;

export function l1PacketsFor(packet: Data2Packet, source: string, destination: string, maxPayload = L1_MAX_PAYLOAD): L1Packet[] {
  const frame = encodeL2Frame(packet);
  const pieces: L1Packet[] = [];
  for (let at = 0; at < frame.length; at += maxPayload) {
    const last = at + maxPayload >= frame.length;
    pieces.push({ source, destination, command: last ? L1_COMMANDS.l2Last : L1_COMMANDS.l2More, payload: frame.subarray(at, at + maxPayload) });
  }
  return pieces;
}

export class L2Assembler {
  private pieces: Buffer[] = [];

  /** undefined until a final piece completes a frame; other L1 commands are not L2 data and are ignored */
  push(packet: L1Packet): Parsed<Data2Packet> | undefined {
    if (packet.command === L1_COMMANDS.l2More) {
      this.pieces.push(packet.payload);
      return undefined;
    }
    if (packet.command !== L1_COMMANDS.l2Last) return undefined;
    const frame = Buffer.concat([...this.pieces, packet.payload]);
    this.pieces = [];
    return decodeL2Frame(frame);
  }

  get midFrame(): boolean {
    return this.pieces.length > 0;
  }

  reset(): void {
    this.pieces = [];
  }
}

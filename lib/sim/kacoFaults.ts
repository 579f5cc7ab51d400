/**
 * Faults a simulated KACO inverter can be told to commit, the ones seen on real buses
 * (shared/reference/kaco-rs485.md): a wrong checksum, bytes garbled in transit, 0x00 glitches
 * at the turnaround, an answer so late it lands in the next request's window, a long pause
 * inside the frame, no answer at all. 'held' is the late answer made exact for tests: it goes out
 * the moment the next request arrives, whatever the machine's load does to timers.
 */
import type { ReplyFrame } from './kacoReplyFrames';

export type KacoFault = 'bad-checksum' | 'garbled' | 'glitch-zeros' | 'late' | 'long-pause' | 'no-answer' | 'held';

/** the faults a real line shows (the soak draws from these) */
export const KACO_FAULTS: readonly KacoFault[] = ['bad-checksum', 'garbled', 'glitch-zeros', 'late', 'long-pause', 'no-answer'];

const INJECTABLE: readonly KacoFault[] = [...KACO_FAULTS, 'held'];

export interface KacoFaultScope {
  /** only this inverter; every inverter when omitted */
  address?: number;
  /** only replies to this command ('0', '3', '9'…); every command when omitted */
  command?: string;
  /** only the next `count` matching requests; until clearFaults() when omitted */
  count?: number;
}

interface Rule extends KacoFaultScope {
  fault: KacoFault;
  remaining: number;
}

export class KacoFaultPlan {
  private rules: Rule[] = [];

  inject(fault: KacoFault, scope: KacoFaultScope = {}): void {
    if (!INJECTABLE.includes(fault)) throw new RangeError(`unknown KACO fault ${JSON.stringify(fault)}`);
    if (scope.count !== undefined && !(Number.isInteger(scope.count) && scope.count > 0)) throw new RangeError(`fault count must be a positive integer, got ${scope.count}`);
    this.rules.push({ ...scope, fault, remaining: scope.count ?? Infinity });
  }

  clear(address?: number): void {
    this.rules = address === undefined ? [] : this.rules.filter((r) => r.address !== address);
  }

  /** The fault for this request, using up one of its rule's count. */
  take(address: number, command: string): KacoFault | null {
    const rule = this.rules.find((r) => (r.address === undefined || r.address === address) && (r.command === undefined || r.command === command));
    if (!rule) return null;
    rule.remaining -= 1;
    if (rule.remaining <= 0) this.rules = this.rules.filter((r) => r !== rule);
    return rule.fault;
  }
}

/** A reply as it leaves: pieces, each after a delay counted from the previous one. */
export type ReplyPieces = { bytes: Buffer; afterMs: number }[];

export interface FaultTiming {
  /** pause inside the frame for 'long-pause' (real xi units: more than 250 ms) */
  longPauseMs: number;
  /** extra delay for 'late' */
  lateMs: number;
}

/** What the fault makes of a reply; null for no answer at all. */
export function applyFault(fault: KacoFault | null, frame: ReplyFrame, timing: FaultTiming, random: () => number): ReplyPieces | null {
  const bytes = Buffer.from(frame.bytes);
  switch (fault) {
    case null:
      return [{ bytes, afterMs: 0 }];
    case 'no-answer':
      return null;
    case 'bad-checksum':
      if (frame.checkAt >= 0) bytes[frame.checkAt] = otherCheckByte(bytes[frame.checkAt], frame.checkIsHex);
      else bytes[Math.floor(bytes.length / 2)] ^= 0x01;
      return [{ bytes, afterMs: 0 }];
    case 'garbled': {
      // like the capture of a TL3 frame spoiled in transit: the second half turns to noise
      for (let i = Math.floor(bytes.length / 2); i < bytes.length; i++) bytes[i] = 0x80 | Math.floor(random() * 128);
      return [{ bytes, afterMs: 0 }];
    }
    case 'glitch-zeros':
      return [{ bytes: Buffer.concat([Buffer.from([0, 0]), bytes, Buffer.from([0])]), afterMs: 0 }];
    case 'late':
      return [{ bytes, afterMs: timing.lateMs }];
    case 'held':
      return [{ bytes, afterMs: 0 }]; // KacoSim holds it until the next request arrives
    case 'long-pause':
      return [
        { bytes: bytes.subarray(0, frame.pauseAt), afterMs: 0 },
        { bytes: bytes.subarray(frame.pauseAt), afterMs: timing.longPauseMs },
      ];
  }
}

/** Another value for a check byte: any byte for a 1-byte sum, another hex digit for a CRC. */
function otherCheckByte(byte: number, hex: boolean): number {
  if (!hex) return byte ^ 0x01;
  if (byte >= 0x41 && byte <= 0x46) return byte === 0x46 ? 0x41 : byte + 1; // A–F
  return byte === 0x39 ? 0x30 : byte + 1; // 0–9
}

/**
 * Faults a simulated SMA Data1 device can be told to commit, and what each does to a reply frame:
 * - 'bad-crc': one byte of the FCS (SMANet) or sum (SunnyNet) changed — the frame must be refused;
 * - 'truncated': the frame stops halfway (a device reset, a line dropout);
 * - 'no-answer': nothing at all;
 * - 'garbage': line noise in place of the reply, as many bytes (ours: a scramble of the reply's
 *   bytes; it may hold a flag, and so a begun frame that fails its check or never ends).
 */
import { escapeBytes, FLAG, unescapeBytes } from '../sma/hdlcEscape';

export type SmaData1Fault = 'bad-crc' | 'truncated' | 'no-answer' | 'garbage';

/** Every fault, for soaks that inject each in turn. */
export const SMA_DATA1_FAULTS: readonly SmaData1Fault[] = ['no-answer', 'bad-crc', 'truncated', 'garbage'];

export interface SmaData1FaultScope {
  /** only replies of this device; every device when omitted */
  serial?: number;
  /** only replies to this command (SMA Data1 command number); every command when omitted */
  command?: number;
  /** only the next `count` replies it fires on; until cleared when omitted */
  count?: number;
}

interface Rule extends SmaData1FaultScope {
  fault: SmaData1Fault;
  remaining: number;
}

export class SmaData1FaultPlan {
  private rules: Rule[] = [];

  inject(fault: SmaData1Fault, scope: SmaData1FaultScope = {}): void {
    if (scope.count !== undefined && !(Number.isInteger(scope.count) && scope.count > 0)) throw new RangeError(`fault count must be a positive integer, got ${scope.count}`);
    this.rules.push({ ...scope, fault, remaining: scope.count ?? Infinity });
  }

  clear(serial?: number): void {
    this.rules = serial === undefined ? [] : this.rules.filter((r) => r.serial !== serial);
  }

  /** the fault for this reply, using up one of its rule's count */
  take(serial: number, command: number): SmaData1Fault | null {
    for (const rule of this.rules) {
      if ((rule.serial !== undefined && rule.serial !== serial) || (rule.command !== undefined && rule.command !== command)) continue;
      rule.remaining -= 1;
      if (rule.remaining <= 0) this.rules = this.rules.filter((r) => r !== rule);
      return rule.fault;
    }
    return null;
  }
}

/** The frame as the fault leaves it; undefined when nothing is sent. */
export function applySmaData1Fault(fault: SmaData1Fault | null, frame: Buffer): Buffer | undefined {
  switch (fault) {
    case null:
      return frame;
    case 'no-answer':
      return undefined;
    case 'truncated':
      return frame.subarray(0, Math.max(1, Math.floor(frame.length / 2)));
    case 'garbage':
      return Buffer.from(frame.map((b, i) => (b * 167 + i * 59 + 0x3b) & 0xff));
    case 'bad-crc': {
      if (frame[0] === FLAG) {
        // un-stuff, change the FCS's low byte, stuff again: a well-formed frame with a wrong FCS
        const inner = unescapeBytes(frame.subarray(1, frame.length - 1));
        if (!inner) return frame.subarray(0, 1);
        inner[inner.length - 2] ^= 0x01;
        return Buffer.concat([Buffer.from([FLAG]), escapeBytes(inner), Buffer.from([FLAG])]);
      } else {
        // SunnyNet: the sum's low byte
        const bad = Buffer.from(frame);
        bad[bad.length - 3] ^= 0x01;
        return bad;
      }
    }
  }
}

/**
 * The SMAData2+ side of a simulated SMA inverter, shared by the Bluetooth and the Speedwire
 * simulator: answers identify, logon (the configured password, a wrong one refused with SMA's
 * error 0x0100 as in SBFspot #441), logoff and the spot-value queries of lib/sma/lriTable.ts
 * with records in SBFspot's layouts (16/28/40 bytes, sma.md §2.6). Silent at night. Faults on
 * demand; the carrier applies the byte-level ones (bad FCS, truncation).
 */
import { ANY_SERIAL, ANY_SUSY_ID, type Data2Address, type Data2Packet } from '../sma/data2Packet';
import { CMD_IDENTIFY } from '../sma/data2Session';
import { CMD_LOGOFF, CMD_LOGON, encodePassword, USER_GROUPS, type UserGroup } from '../sma/logon';
import { daylight, hoursOfDay } from './daylightCurve';
import { deviceRecords, snapshotFields, type SimRecord, type SmaSimDeviceSpec } from './smaData2Values';

export type { SmaSimDeviceSpec } from './smaData2Values';

/**
 * - no-answer: the request is dropped
 * - wrong-packet-id: the reply carries another packet id (a reply to some other request)
 * - bad-fcs: a value byte changed after the FCS was computed (Bluetooth only; Speedwire has no FCS)
 * - truncated: the first half of the reply's bytes only
 */
export type SmaSimFault = 'no-answer' | 'wrong-packet-id' | 'bad-fcs' | 'truncated';

export interface SmaSimFaultScope {
  /** only requests with this command (e.g. 0x51000200); default any but logon/identify */
  command?: number;
  /** and this first LRI (queries sharing a command differ by range, e.g. 0x00465700 grid frequency) */
  first?: number;
  /** how many requests it hits; default 1 */
  count?: number;
}

/** What one client's connection (Bluetooth) or address (Speedwire) has done: logged on or not. */
export interface SmaSimSession {
  loggedOn: boolean;
}

export interface SmaSimRequestRecord {
  command: number;
  packetId: number;
  /** performance.now() when it arrived */
  arrivedAt: number;
  fault: SmaSimFault | null;
  /** false at night and for no-answer */
  answered: boolean;
}

export interface SmaSimSnapshot {
  serial: number;
  type: string;
  fields: Record<string, number | string>;
}

export interface SmaSimReply {
  /** one frame, or several with the fragment count-down (multi-frame replies) */
  packets: Data2Packet[];
  fault: SmaSimFault | null;
}

const ERROR_LRI_NOT_AVAILABLE = 0x0015;
const ERROR_NOT_LOGGED_IN = 0x0017;
const ERROR_WRONG_PASSWORD = 0x0100;
/** reply ctrl: 0x90 seen on replies, 0x50 on the logon refusals of SBFspot #441 */
const CTRL_REPLY = 0x90;
const CTRL_REFUSED = 0x50;
const TYPE_BYTE: Record<SimRecord['kind'], number> = { u64: 0x00, s32: 0x40, u32: 0x00, status: 0x08, text: 0x10 };
const RECORD_SIZE: Record<SimRecord['kind'], number> = { u64: 16, s32: 28, u32: 28, status: 40, text: 40 };
const STATUS_END = 0xfffffe;

export class SmaData2Device {
  readonly address: Data2Address;
  readonly requests: SmaSimRequestRecord[] = [];
  private faults: { fault: SmaSimFault; command?: number; first?: number; remaining: number }[] = [];

  constructor(
    readonly spec: SmaSimDeviceSpec,
    private readonly timeOfDay: () => number = () => hoursOfDay(new Date()),
  ) {
    this.address = { susyId: spec.susyId, serial: spec.serial };
  }

  /** An inverter without sun is switched off: no Bluetooth, no network answers. */
  get awake(): boolean {
    return daylight(this.timeOfDay()) > 0;
  }

  /** logon requests received, answered or not */
  get logonRequests(): number {
    return this.requests.filter((r) => r.command === CMD_LOGON).length;
  }

  snapshot(): SmaSimSnapshot {
    return { serial: this.spec.serial, type: this.spec.name, fields: snapshotFields(deviceRecords(this.spec, this.timeOfDay())) };
  }

  injectFault(fault: SmaSimFault, scope: SmaSimFaultScope = {}): void {
    this.faults.push({ fault, command: scope.command, first: scope.first, remaining: scope.count ?? 1 });
  }

  clearFaults(): void {
    this.faults = [];
  }

  /** The reply to one request, or undefined when none goes out (night, not for us, logoff, no-answer). */
  handle(request: Data2Packet, session: SmaSimSession): SmaSimReply | undefined {
    const record: SmaSimRequestRecord = { command: request.command >>> 0, packetId: request.packetId, arrivedAt: performance.now(), fault: null, answered: false };
    this.requests.push(record);
    if (!this.awake || !this.addressedToMe(request.destination)) return undefined;
    const fault = this.takeFault(record.command, request.payload.length >= 4 ? request.payload.readUInt32LE(0) : undefined);
    record.fault = fault;
    if (fault === 'no-answer') return undefined;
    const packets = this.answer(request, session);
    if (!packets) return undefined;
    if (fault === 'wrong-packet-id') for (const p of packets) p.packetId = (request.packetId + 1) & 0x7fff || 1;
    record.answered = true;
    return { packets, fault };
  }

  private answer(request: Data2Packet, session: SmaSimSession): Data2Packet[] | undefined {
    const records = this.queryRecords(request, session);
    if (records === undefined) return undefined;
    if (!Array.isArray(records)) return [records];
    const time = Math.floor(Date.now() / 1000);
    const per = this.spec.recordsPerFrame ?? records.length;
    const frames: Data2Packet[] = [];
    for (let at = 0; at < records.length; at += per) frames.push(this.reply(request, 0, encodeRecords(records.slice(at, at + per), time, at)));
    // further frames to come, counting down to 0; the request flag only on the first (SBFspot, python-smadata2)
    frames.forEach((f, i) => {
      f.fragment = frames.length - 1 - i;
      f.first = i === 0;
    });
    return frames;
  }

  /** The records a query asks for, or the one reply that is not records (logon, identify, an error). */
  private queryRecords(request: Data2Packet, session: SmaSimSession): SimRecord[] | Data2Packet | undefined {
    const command = request.command >>> 0;
    if (command === CMD_LOGOFF) {
      session.loggedOn = false;
      return undefined;
    }
    if (command === CMD_IDENTIFY) return this.reply(request, 0, Buffer.alloc(8));
    if (command === CMD_LOGON) return this.logon(request, session);
    if (!session.loggedOn) return this.reply(request, ERROR_NOT_LOGGED_IN, Buffer.alloc(0));
    if (request.payload.length < 8) return this.reply(request, ERROR_LRI_NOT_AVAILABLE, Buffer.alloc(0));
    const first = request.payload.readUInt32LE(0) & 0xffffff;
    const last = request.payload.readUInt32LE(4) & 0xffffff;
    const records = deviceRecords(this.spec, this.timeOfDay()).filter((r) => {
      const key = (r.lri << 8) | r.cls;
      return key >= first && key <= last;
    });
    if (records.length === 0) return this.reply(request, ERROR_LRI_NOT_AVAILABLE, Buffer.alloc(8));
    return records;
  }

  private logon(request: Data2Packet, session: SmaSimSession): Data2Packet {
    const groupCode = request.payload.length >= 28 ? request.payload.readUInt32LE(0) : -1;
    const group = (Object.keys(USER_GROUPS) as UserGroup[]).find((g) => USER_GROUPS[g].code === groupCode);
    const password = group === 'installer' ? this.spec.installerPassword : group === 'user' ? this.spec.password : undefined;
    const good = group !== undefined && password !== undefined && request.payload.subarray(16, 28).equals(encodePassword(password, group));
    session.loggedOn = good;
    // the reply echoes group, timeout, time and password (SBFspot #441)
    const reply = this.reply(request, good ? 0 : ERROR_WRONG_PASSWORD, Buffer.from(request.payload));
    if (!good) reply.control = CTRL_REFUSED;
    return reply;
  }

  private reply(request: Data2Packet, error: number, payload: Buffer): Data2Packet {
    return {
      control: CTRL_REPLY,
      destination: request.source,
      control2: request.control2,
      source: this.address,
      error,
      fragment: 0,
      packetId: request.packetId,
      first: true,
      command: (request.command + 1) >>> 0,
      payload,
    };
  }

  private addressedToMe(to: Data2Address): boolean {
    const susy = to.susyId === ANY_SUSY_ID || to.susyId === this.address.susyId;
    const serial = to.serial >>> 0 === ANY_SERIAL || to.serial >>> 0 === this.address.serial >>> 0;
    return susy && serial;
  }

  private takeFault(command: number, first: number | undefined): SmaSimFault | null {
    const i = this.faults.findIndex((f) => {
      if (f.command === undefined) return command !== CMD_LOGON && command !== CMD_IDENTIFY;
      return f.command >>> 0 === command && (f.first === undefined || f.first >>> 0 === first);
    });
    if (i < 0) return null;
    const f = this.faults[i];
    f.remaining -= 1;
    if (f.remaining <= 0) this.faults.splice(i, 1);
    return f.fault;
  }
}

/** first/last = the index range of the records returned, then the records (SBFspot getInverterData). */
export function encodeRecords(records: readonly SimRecord[], unixTime: number, firstIndex = 0): Buffer {
  const size = RECORD_SIZE[records[0].kind];
  if (records.some((r) => RECORD_SIZE[r.kind] !== size)) throw new RangeError('records of one reply must share a size');
  const out = Buffer.alloc(8 + size * records.length);
  out.writeUInt32LE(firstIndex, 0);
  out.writeUInt32LE(firstIndex + records.length - 1, 4);
  records.forEach((r, k) => {
    const at = 8 + k * size;
    out.writeUInt32LE(((TYPE_BYTE[r.kind] << 24) | (r.lri << 8) | r.cls) >>> 0, at);
    out.writeUInt32LE(unixTime >>> 0, at + 4);
    switch (r.kind) {
      case 'u64':
        out.writeBigUInt64LE(r.raw === undefined ? 0xffffffffffffffffn : BigInt(r.raw), at + 8);
        break;
      case 's32':
      case 'u32': {
        const raw = r.raw === undefined ? (r.kind === 's32' ? 0x80000000 : 0xffffffff) : r.raw >>> 0;
        // four copies (min, max, value, value as JB saw them equal); SBFspot reads the third
        for (let o = 8; o <= 20; o += 4) out.writeUInt32LE(raw, at + o);
        break;
      }
      case 'status': {
        const tags = r.tags ?? [];
        tags.slice(0, 7).forEach((tag, i) => out.writeUInt32LE(((tag === r.selected ? 1 << 24 : 0) | tag) >>> 0, at + 8 + 4 * i));
        if (tags.length < 8) out.writeUInt32LE(STATUS_END, at + 8 + 4 * Math.min(tags.length, 7));
        break;
      }
      case 'text':
        out.write((r.text ?? '').slice(0, 32), at + 8, 'latin1');
        break;
    }
  });
  return out;
}

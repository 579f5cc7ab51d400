/**
 * The SMA Data1 channel list (CMD_GET_CINFO reply, records concatenated) and the values of a
 * CMD_GET_DATA reply, which are only decodable with the list: widths come from each channel's
 * nType. Sources: SWRNET §4.1.7 / §4.2.2, YASDI plant.c, netchannel.c, netdevice.c
 * (shared/reference/sma.md §1.7, §1.8).
 */
import { CHANNEL_BITS } from './data1Commands';
import { fail, ok, type Parsed } from './parsed';

export type ChannelClass = 'analog' | 'digital' | 'counter' | 'status';

export interface Data1Channel {
  index: number;
  cType: number;
  nType: number;
  level: number;
  name: string;
  cls: ChannelClass;
  unit: string;
  /** analog/counter spot values: raw × gain + offset (parameters: min/max, not applied) */
  gain: number;
  offset: number;
  /** status texts by value */
  texts: string[];
}

const COMMON_BYTES = 23;
const FORMAT_BYTES: Readonly<Record<number, number>> = { 0: 1, 1: 2, 2: 4, 4: 4 };

function text(bytes: Buffer): string {
  const nul = bytes.indexOf(0);
  return bytes
    .subarray(0, nul < 0 ? bytes.length : nul)
    .toString('latin1')
    .trim();
}

function classOf(cType: number): ChannelClass | undefined {
  if (cType & CHANNEL_BITS.analog) return 'analog';
  if (cType & CHANNEL_BITS.digital) return 'digital';
  if (cType & CHANNEL_BITS.counter) return 'counter';
  if (cType & CHANNEL_BITS.status) return 'status';
  return undefined;
}

/** Bytes one value of the channel takes (format × array depth). */
export function valueBytes(ch: Pick<Data1Channel, 'nType'>): number | undefined {
  const width = FORMAT_BYTES[ch.nType & 0x07];
  if (width === undefined) return undefined;
  const depth = ch.nType & 0x08 ? Math.max(1, ch.nType >> 8) : 1;
  return width * depth;
}

export function parseChannelList(bytes: Buffer): Parsed<Data1Channel[]> {
  const channels: Data1Channel[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (at + COMMON_BYTES > bytes.length) return fail(`channel record at byte ${at} cut short`);
    const cType = bytes.readUInt16LE(at + 1);
    const cls = classOf(cType);
    if (!cls) return fail(`channel record at byte ${at} has no signal type (cType 0x${cType.toString(16)})`);
    const ch: Data1Channel = {
      index: bytes[at],
      cType,
      nType: bytes.readUInt16LE(at + 3),
      level: bytes.readUInt16LE(at + 5),
      name: text(bytes.subarray(at + 7, at + 23)),
      cls,
      unit: '',
      gain: 1,
      offset: 0,
      texts: [],
    };
    if (valueBytes(ch) === undefined) return fail(`channel ${ch.name}: unknown value format ${ch.nType & 0x07}`);
    let extra: number;
    if (cls === 'analog' || cls === 'counter') {
      extra = cls === 'analog' ? 16 : 12;
      if (at + COMMON_BYTES + extra > bytes.length) return fail(`channel ${ch.name} cut short`);
      ch.unit = text(bytes.subarray(at + 23, at + 31));
      ch.gain = bytes.readFloatLE(at + 31);
      if (cls === 'analog') ch.offset = bytes.readFloatLE(at + 35);
    } else if (cls === 'digital') {
      extra = 32;
      if (at + COMMON_BYTES + extra > bytes.length) return fail(`channel ${ch.name} cut short`);
      ch.texts = [text(bytes.subarray(at + 23, at + 39)), text(bytes.subarray(at + 39, at + 55))];
    } else {
      if (at + COMMON_BYTES + 2 > bytes.length) return fail(`channel ${ch.name} cut short`);
      const size = bytes.readUInt16LE(at + 23);
      extra = 2 + size;
      if (at + COMMON_BYTES + extra > bytes.length) return fail(`channel ${ch.name}: status texts cut short`);
      ch.texts = bytes
        .subarray(at + 25, at + 25 + size)
        .toString('latin1')
        .split('\0')
        .slice(0, -1)
        .map((t) => t.trim());
    }
    channels.push(ch);
    at += COMMON_BYTES + extra;
  }
  return ok(channels);
}

/** Whether a channel answers a CMD_GET_DATA with this mask and index (YASDI netdevice.c). */
export function channelMatches(ch: Data1Channel, mask: number, index: number): boolean {
  const groups = CHANNEL_BITS.parameter | CHANNEL_BITS.spot | CHANNEL_BITS.mean;
  const kinds = CHANNEL_BITS.analog | CHANNEL_BITS.digital | CHANNEL_BITS.counter | CHANNEL_BITS.status;
  return (ch.cType & CHANNEL_BITS.test) === (mask & CHANNEL_BITS.test) && (ch.cType & mask & groups) !== 0 && (ch.cType & mask & kinds) !== 0 && (index === 0 || ch.index === index);
}

export interface Data1Values {
  mask: number;
  index: number;
  /** spot replies: seconds since 1970 */
  time?: number;
  /** by channel name; a status channel gives its text too */
  values: Record<string, number>;
  texts: Record<string, string>;
}

/** A CMD_GET_DATA reply's data decoded with the device's channel list. */
export function decodeValues(data: Buffer, channels: readonly Data1Channel[]): Parsed<Data1Values> {
  if (data.length < 5) return fail(`GET_DATA reply of ${data.length} bytes`);
  const mask = data.readUInt16LE(0);
  const index = data[2];
  let at = 5;
  const spot = (mask & CHANNEL_BITS.spot) !== 0;
  const out: Data1Values = { mask, index, values: {}, texts: {} };
  if (spot) {
    if (data.length < 13) return fail('spot reply without its time');
    out.time = data.readUInt32LE(5);
    at = 13;
  }
  for (const ch of channels) {
    if (!channelMatches(ch, mask, index)) continue;
    const width = valueBytes(ch) as number;
    if (at + width > data.length) return fail(`GET_DATA reply ends before channel ${ch.name}`);
    const format = ch.nType & 0x07;
    const raw = format === 0 ? data[at] : format === 1 ? data.readUInt16LE(at) : format === 2 ? data.readUInt32LE(at) : data.readFloatLE(at);
    at += width;
    if (!Number.isFinite(raw)) continue;
    if (ch.cls === 'status' || ch.cls === 'digital') {
      out.values[ch.name] = raw;
      const t = ch.texts[raw];
      if (t !== undefined) out.texts[ch.name] = t;
    } else if (spot && !(ch.cType & CHANNEL_BITS.parameter)) out.values[ch.name] = raw * ch.gain + (ch.cls === 'analog' ? ch.offset : 0);
    else out.values[ch.name] = raw;
  }
  if (at !== data.length) return fail(`GET_DATA reply has ${data.length - at} bytes beyond its channels`);
  return ok(out);
}

/** Encodes a channel list record (the simulator's and the tests' side of parseChannelList). */
export function encodeChannel(ch: Data1Channel): Buffer {
  const head = Buffer.alloc(COMMON_BYTES);
  head[0] = ch.index;
  head.writeUInt16LE(ch.cType, 1);
  head.writeUInt16LE(ch.nType, 3);
  head.writeUInt16LE(ch.level, 5);
  head.write(ch.name.slice(0, 15), 7, 'latin1');
  let extra: Buffer;
  if (ch.cls === 'analog' || ch.cls === 'counter') {
    extra = Buffer.alloc(ch.cls === 'analog' ? 16 : 12);
    extra.write(ch.unit.slice(0, 7), 0, 'latin1');
    extra.writeFloatLE(ch.gain, 8);
    if (ch.cls === 'analog') extra.writeFloatLE(ch.offset, 12);
  } else if (ch.cls === 'digital') {
    extra = Buffer.alloc(32);
    extra.write((ch.texts[0] ?? '').slice(0, 15), 0, 'latin1');
    extra.write((ch.texts[1] ?? '').slice(0, 15), 16, 'latin1');
  } else {
    const texts = Buffer.from(ch.texts.map((t) => `${t.slice(0, 15)}\0`).join(''), 'latin1');
    extra = Buffer.concat([Buffer.from([texts.length & 0xff, texts.length >> 8]), texts]);
  }
  return Buffer.concat([head, extra]);
}

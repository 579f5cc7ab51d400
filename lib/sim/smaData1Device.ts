/**
 * One simulated Sunny Boy with an RS485 Piggy-Back (SMA Data1): its channel list, what it
 * measures at a time of day (lib/sim/daylightCurve.ts), and the bytes of its CMD_GET_CINFO and
 * CMD_GET_DATA answers. The channel list is ours, modelled on SWRNET's SWR 700 example and
 * yasdi2mqtt's sample of a real unit (shared/reference/sma.md §1.9): German names, gains that
 * travel as float32, mA and mOhm channels, a float temperature, two status channels, one
 * parameter the spot mask must not select.
 * The snapshot gives every value in the reading's own field names and units at the resolution
 * the channel carries, so a client's reading can be compared with it field for field.
 */
import { CHANNEL_BITS } from '../sma/data1Commands';
import { channelMatches, encodeChannel, type ChannelClass, type Data1Channel } from '../sma/data1Channels';
import { daylight, daylightHoursSoFar, SUNRISE_H, SUNSET_H } from './daylightCurve';

export interface SmaData1DeviceSpec {
  serial: number;
  /** the address it has when the simulator starts; 0 = never given one (default) */
  address?: number;
  /** what its discovery answer names, up to 8 chars; default "SB 3000" */
  type?: string;
  ratedPowerW?: number;
  /** default 25000 */
  totalBeforeTodayKWh?: number;
  /** framings it answers; default both (newer Piggy-Backs; YDOC) */
  framings?: readonly ('smanet' | 'sunnynet')[];
  /** false: its temperature channel has no value (NaN), as with a missing sensor; default true */
  temperatureSensor?: boolean;
}

/** One channel of the simulated list: how the field's value becomes the raw number sent. */
interface SimChannel {
  index: number;
  name: string;
  cls: ChannelClass;
  group: 'spot' | 'parameter';
  /** 0 BYTE, 1 WORD, 2 DWORD, 4 FLOAT4 */
  format: 0 | 1 | 2 | 4;
  unit: string;
  gain: number;
  /** the field this channel carries */
  field: string;
  /** raw = round(field value × scale) (the inverse of gain and unit prefix); floats are sent as they are */
  scale: number;
  texts?: readonly string[];
}

const STATUS_TEXTS = ['Stop', 'Offset', 'Mpp', 'Netzueb.', 'Stoer.'] as const;
const ERROR_TEXTS = ['-------', 'Riso', 'Fac-Bfr', 'Uac-Bfr', 'Upv-Max'] as const;

export const SIM_CHANNELS: readonly SimChannel[] = [
  { index: 1, name: 'Upv-Ist', cls: 'analog', group: 'spot', format: 1, unit: 'V', gain: 0.1, field: 'u_dc_1', scale: 10 },
  { index: 2, name: 'Ipv', cls: 'analog', group: 'spot', format: 1, unit: 'mA', gain: 1, field: 'i_dc_1', scale: 1000 },
  { index: 3, name: 'PPV', cls: 'analog', group: 'spot', format: 1, unit: 'W', gain: 1, field: 'p_dc_1', scale: 1 },
  { index: 4, name: 'Uac', cls: 'analog', group: 'spot', format: 1, unit: 'V', gain: 0.1, field: 'u_ac_l1', scale: 10 },
  { index: 5, name: 'Iac', cls: 'analog', group: 'spot', format: 1, unit: 'mA', gain: 1, field: 'i_ac_l1', scale: 1000 },
  { index: 6, name: 'Fac', cls: 'analog', group: 'spot', format: 1, unit: 'Hz', gain: 0.01, field: 'f_ac', scale: 100 },
  { index: 7, name: 'Pac', cls: 'analog', group: 'spot', format: 1, unit: 'W', gain: 1, field: 'p_ac', scale: 1 },
  { index: 8, name: 'Zac', cls: 'analog', group: 'spot', format: 1, unit: 'mOhm', gain: 1, field: 'z_ac', scale: 1000 },
  { index: 9, name: 'Riso', cls: 'analog', group: 'spot', format: 1, unit: 'kOhm', gain: 1, field: 'r_iso', scale: 1 },
  { index: 10, name: 'dI', cls: 'analog', group: 'spot', format: 1, unit: 'mA', gain: 1, field: 'i_residual', scale: 1000 },
  { index: 11, name: 'TKK', cls: 'analog', group: 'spot', format: 4, unit: 'degC', gain: 1, field: 'temperature', scale: 1 },
  { index: 12, name: 'E-Total', cls: 'counter', group: 'spot', format: 2, unit: 'kWh', gain: 0.001, field: 'e_total', scale: 1000 },
  { index: 13, name: 'h-Total', cls: 'counter', group: 'spot', format: 2, unit: 'h', gain: 0.01, field: 'h_feed_in', scale: 100 },
  { index: 14, name: 'h-On', cls: 'counter', group: 'spot', format: 2, unit: 'h', gain: 0.01, field: 'h_operating', scale: 100 },
  { index: 15, name: 'Netz-Ein', cls: 'counter', group: 'spot', format: 2, unit: '', gain: 1, field: 'grid_connections', scale: 1 },
  { index: 16, name: 'Seriennummer', cls: 'counter', group: 'spot', format: 2, unit: '', gain: 1, field: 'serial', scale: 1 },
  { index: 17, name: 'Status', cls: 'status', group: 'spot', format: 0, unit: '', gain: 1, field: 'status', scale: 1, texts: STATUS_TEXTS },
  { index: 18, name: 'Fehler', cls: 'status', group: 'spot', format: 0, unit: '', gain: 1, field: 'error', scale: 1, texts: ERROR_TEXTS },
  { index: 19, name: 'Pac-Max', cls: 'analog', group: 'parameter', format: 1, unit: 'W', gain: 0, field: 'p_ac_max', scale: 1 },
];

const CLASS_BIT: Readonly<Record<ChannelClass, number>> = { analog: CHANNEL_BITS.analog, digital: CHANNEL_BITS.digital, counter: CHANNEL_BITS.counter, status: CHANNEL_BITS.status };

function listChannel(c: SimChannel, ratedPowerW: number): Data1Channel {
  const group = c.group === 'spot' ? CHANNEL_BITS.spot | CHANNEL_BITS.input : CHANNEL_BITS.parameter;
  // parameters carry min/max where spot channels carry gain/offset (YASDI netchannel.c)
  return { index: c.index, cType: group | CLASS_BIT[c.cls], nType: c.format, level: 0, name: c.name, cls: c.cls, unit: c.unit, gain: c.group === 'parameter' ? 0 : c.gain, offset: c.group === 'parameter' ? ratedPowerW : 0, texts: [...(c.texts ?? [])] };
}

export interface SmaData1Snapshot {
  /** false at night: the Piggy-Back is unpowered with the inverter and silent */
  awake: boolean;
  /** every spot value by field name, as a reading should show it (absent: the device has no value) */
  fields: Record<string, number | string>;
}

const AC_EFFICIENCY = 0.955;
const round = (v: number, decimals: number): number => Number(v.toFixed(decimals));

export class SmaData1Device {
  readonly serial: number;
  readonly type: string;
  readonly ratedPowerW: number;
  readonly totalBeforeTodayKWh: number;
  readonly framings: ReadonlySet<string>;
  readonly temperatureSensor: boolean;
  /** the address the master gave it (0 = none yet) */
  address: number;
  /** set by CMD_CFG_NETADR, cleared by CMD_GET_NET_START: it then stays quiet to CMD_GET_NET (SWRNET §4.1.3) */
  configured = false;
  /** frozen by CMD_SYN_ONLINE: what CMD_GET_DATA answers with, and the time it was frozen (unix s) */
  frozen: { time: number; snapshot: SmaData1Snapshot } | undefined;
  /** the last CMD_GET_DATA with data: its follow-ups (no data) continue its answer */
  lastDataRequest: Buffer | undefined;
  /** a test may pin values over the curve */
  readonly overrides: Record<string, number | string> = {};
  readonly channels: readonly Data1Channel[];

  constructor(spec: SmaData1DeviceSpec) {
    if (!(Number.isInteger(spec.serial) && spec.serial > 0 && spec.serial <= 0xffffffff)) throw new RangeError(`serial must be 1–4294967295, got ${spec.serial}`);
    this.serial = spec.serial;
    this.address = spec.address ?? 0;
    this.type = (spec.type ?? 'SB 3000').slice(0, 8);
    this.ratedPowerW = spec.ratedPowerW ?? 3000;
    this.totalBeforeTodayKWh = spec.totalBeforeTodayKWh ?? 25000;
    this.framings = new Set(spec.framings ?? ['smanet', 'sunnynet']);
    this.temperatureSensor = spec.temperatureSensor ?? true;
    this.channels = SIM_CHANNELS.map((c) => listChannel(c, this.ratedPowerW));
  }

  snapshot(hours: number): SmaData1Snapshot {
    const sun = daylight(hours);
    const pDc = Math.round(this.ratedPowerW * sun);
    const pAc = Math.round(pDc * AC_EFFICIENCY);
    const uDc = round(300 + 120 * sun, 1);
    const uAc = 230.4;
    const eTodayWh = Math.round(this.ratedPowerW * AC_EFFICIENCY * daylightHoursSoFar(hours));
    const hoursToday = Math.max(0, Math.min(hours, SUNSET_H) - SUNRISE_H);
    const fields: Record<string, number | string> = {
      u_dc_1: uDc,
      i_dc_1: round(pDc / uDc, 3),
      p_dc_1: pDc,
      u_ac_l1: uAc,
      i_ac_l1: round(pAc / uAc, 3),
      f_ac: 50.01,
      p_ac: pAc,
      z_ac: 0.35,
      r_iso: 6000,
      i_residual: 0.012,
      e_total: round(this.totalBeforeTodayKWh + eTodayWh / 1000, 3),
      h_feed_in: round(41000 + hoursToday, 2),
      h_operating: round(42000 + hoursToday + (sun > 0 ? 0.25 : 0), 2),
      grid_connections: 4321,
      serial: this.serial,
      status: sun === 0 ? 'Stop' : sun < 0.1 ? 'Offset' : 'Mpp',
      error: '-------',
    };
    // halves are exact in float32, so the value sent is the value read
    if (this.temperatureSensor) fields.temperature = Math.round((20 + 30 * sun) * 2) / 2;
    Object.assign(fields, this.overrides);
    return { awake: sun > 0, fields };
  }

  /** CMD_GET_CINFO's answer, before it is cut into telegrams. */
  channelListBytes(): Buffer {
    return Buffer.concat(this.channels.map(encodeChannel));
  }

  /** CMD_GET_DATA's answer for this mask and index (only spot values are modelled), before it is cut into telegrams. */
  dataBytes(mask: number, index: number, snapshot: SmaData1Snapshot, time: number): Buffer | undefined {
    if ((mask & CHANNEL_BITS.spot) === 0) return undefined;
    const head = Buffer.alloc(13);
    head.writeUInt16LE(mask, 0);
    head[2] = index;
    head.writeUInt16LE(1, 3);
    head.writeUInt32LE(time >>> 0, 5);
    head.writeUInt32LE(1, 9);
    const values: Buffer[] = [head];
    SIM_CHANNELS.forEach((c, k) => {
      if (!channelMatches(this.channels[k], mask, index)) return;
      values.push(encodeValue(c, snapshot.fields[c.field]));
    });
    return Buffer.concat(values);
  }
}

function encodeValue(c: SimChannel, value: number | string | undefined): Buffer {
  const width = c.format === 0 ? 1 : c.format === 1 ? 2 : 4;
  const out = Buffer.alloc(width);
  if (c.format === 4) {
    out.writeFloatLE(typeof value === 'number' ? value : NaN, 0);
    return out;
  }
  const raw = typeof value === 'string' ? Math.max(0, (c.texts ?? []).indexOf(value)) : Math.round((value ?? 0) * c.scale);
  if (c.format === 0) out[0] = raw & 0xff;
  else if (c.format === 1) out.writeUInt16LE(raw & 0xffff, 0);
  else out.writeUInt32LE(raw >>> 0, 0);
  return out;
}


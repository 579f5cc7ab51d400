/**
 * SMA Data1 timings on an RS485 line, as data, each with its source (shared/reference/sma.md
 * §1.1, §1.4–§1.6). The client takes these as defaults; a test or a benchmark may shorten the
 * protocol's waits (never the wire time, which the line's speed sets).
 */
import { bytesTimeMs } from '../bus/wireTiming';

export interface Data1Timing {
  /** line speed of a Sunny Boy RS485 line */
  baudRate: number;
  /** discovery: answers are collected until this long passes without a new one */
  detectionQuietMs: number;
  /** a device answers a broadcast after a pause of at least this … */
  broadcastAnswerMinMs: number;
  /** … and at most this */
  broadcastAnswerMaxMs: number;
  /** CMD_CFG_NETADR: response time and re-attempts */
  configureTimeoutMs: number;
  configureRetries: number;
  /** CMD_GET_CINFO, first telegram: response time and re-attempts */
  channelInfoTimeoutMs: number;
  channelInfoRetries: number;
  /** each follow-up telegram of a multi-telegram reply: response time and re-requests */
  followUpTimeoutMs: number;
  followUpRetries: number;
  /** CMD_GET_DATA: response time and re-attempts */
  getDataTimeoutMs: number;
  getDataRetries: number;
  /** quiet after CMD_SYN_ONLINE before the first CMD_GET_DATA (devices freeze their values) */
  syncOnlineWaitMs: number;
  /** a CMD_SYN_ONLINE younger than this still serves a read: one broadcast per cycle, not one per device */
  syncReuseMs: number;
  /** RS485 driver turn-around before and after a frame (covered by the bus's silence at 1200 baud: 29 ms) */
  directionSwitchMs: number;
}

interface Row {
  value: number;
  source: string;
}

/** The table: value and where it comes from. */
export const DATA1_TIMING_TABLE: Readonly<Record<keyof Data1Timing, Row>> = {
  baudRate: { value: 1200, source: 'YDOC: 1200 baud for inverters (Sunny Boy Control mostly 19200); YASDI serial_posix.c 8N1' },
  detectionQuietMs: { value: 5000, source: 'YASDI statedetection.c, main.c: Master.DetectionTimeout 5 s, restarted on every answer' },
  broadcastAnswerMinMs: { value: 70, source: 'SWRNET §3.3, §4.1.1: 70 ms + random 0…4790 ms' },
  broadcastAnswerMaxMs: { value: 70 + 4790, source: 'SWRNET §3.3, §4.1.1: 70 ms + random 0…4790 ms' },
  configureTimeoutMs: { value: 4000, source: 'YASDI stateconfig.c: timeout 4 s, 5 repeats' },
  configureRetries: { value: 5, source: 'YASDI stateconfig.c' },
  channelInfoTimeoutMs: { value: 4000, source: 'YASDI stateident.c: timeout 4 s, 5 repeats' },
  channelInfoRetries: { value: 5, source: 'YASDI stateident.c' },
  followUpTimeoutMs: { value: 4000, source: 'YASDI defractionizer.c: 4 s per follow-up packet, up to 5 re-requests' },
  followUpRetries: { value: 5, source: 'YASDI defractionizer.c' },
  getDataTimeoutMs: { value: 3000, source: 'YASDI statereadchan.c, main.c: 3 s, 3 retries (YDOC example 6 s, 4)' },
  getDataRetries: { value: 3, source: 'YASDI statereadchan.c, main.c' },
  syncOnlineWaitMs: { value: 1000, source: 'YASDI Master.WaitAfterSyncOnline 1 s (SolarNetwork waits 5 s; YASDI followed)' },
  syncReuseMs: { value: 5000, source: 'ours: YASDI sends one CMD_SYN_ONLINE, then reads every device' },
  directionSwitchMs: { value: 5, source: 'YASDI serial_posix.c (Media=RS485): 5 ms before and after writing' },
};

function valuesOf<K extends string>(table: Readonly<Record<K, Row>>): Record<K, number> {
  const out = {} as Record<K, number>;
  for (const k of Object.keys(table) as K[]) out[k] = table[k].value;
  return out;
}

/** The defaults, without their sources. */
export const DATA1_TIMING: Readonly<Data1Timing> = valuesOf(DATA1_TIMING_TABLE);

/**
 * The longest telegram on the line, un-stuffed: SunnyNet AA AA 68 n n 68 + 7 header + 255 data +
 * sum(2) + 16 = 271 (SMANet: 7E FF 03 40 41 + 7 + 255 + FCS(2) + 7E = 270). A reply that has begun
 * when its response time ends is given this long more to finish.
 */
export const DATA1_LONGEST_FRAME_BYTES = 271;

/** Milliseconds a frame of this many bytes takes on the line (8N1: 10 bit times a byte; SWRNET's air times agree). */
export function data1WireMs(bytes: number, baudRate: number): number {
  return bytesTimeMs(bytes, baudRate);
}

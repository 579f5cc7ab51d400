/**
 * SMA Data1 commands and channel masks, as data.
 * Sources: YASDI 1.8.1 `sdk/protocol/smadata_cmd.h`, `sdk/include/chandef.h`; SMA "Sunny Boy
 * Session Protocol — Sunny Net" SWRNET-11:KE3197 §4 (see shared/reference/sma.md §1.4).
 */
export const DATA1_COMMANDS = {
  getNet: { code: 1, broadcast: true, what: 'devices not yet announced answer with serial and type' },
  searchDevice: { code: 2, broadcast: true, what: 'the device with this serial answers' },
  configureAddress: { code: 3, broadcast: true, what: 'give the device with this serial a network address' },
  getNetStart: { code: 6, broadcast: true, what: 'every device answers with serial and type (discovery start)' },
  getChannelInfo: { code: 9, broadcast: false, what: 'the channel list, many telegrams' },
  syncOnline: { code: 10, broadcast: true, what: 'devices freeze a snapshot of their spot values; no answer' },
  getData: { code: 11, broadcast: false, what: 'channel values by mask and index' },
} as const;

export type Data1CommandName = keyof typeof DATA1_COMMANDS;

/** Control byte bits of the SMAData1 header (YASDI smadata_layer.h; SWRNET calls bits 0–5 reserved). */
export const CTRL_GROUP = 0x80;
export const CTRL_ANSWER = 0x40;

/** Channel type bits (YASDI chandef.h, SWRNET §4.1.7). */
export const CHANNEL_BITS = {
  analog: 0x0001,
  digital: 0x0002,
  counter: 0x0004,
  status: 0x0008,
  input: 0x0100,
  output: 0x0200,
  parameter: 0x0400,
  spot: 0x0800,
  mean: 0x1000,
  test: 0x2000,
} as const;

/** All spot inputs ("online channels", YASDI). */
export const MASK_SPOT = 0x090f;
/** All parameters. */
export const MASK_PARAMETERS = 0x040f;

/** Addresses: 16 bits, device addresses 1–255 on one string (YASDI main.c); master 0. */
export const DATA1_MASTER_ADDRESS = 0;
export const DATA1_ADDRESS_MIN = 1;
export const DATA1_ADDRESS_MAX = 255;

export function isData1Address(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= DATA1_ADDRESS_MIN && value <= DATA1_ADDRESS_MAX;
}

/** SMANet's user-data limit per telegram (YASDI smanet.c); longer replies come as several telegrams. */
export const DATA1_MTU = 255;

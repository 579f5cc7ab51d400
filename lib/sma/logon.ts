/**
 * Logon and logoff as SMAData2+ packets. Password: each character + 0x88 (user) or + 0xBB
 * (installer), padded to 12 bytes with the same value; "0000" as user → B8 B8 B8 B8 88 × 8.
 * Source: SBFspot logonSMAInverter, SBFspot #441 (shared/reference/sma.md §2.7; python-smadata2
 * takes the sum modulo 0xFF, which differs for characters ≥ 0x77 — not followed).
 */
import { ConfigError } from '../bus/errors';
import { ANY_SERIAL, ANY_SUSY_ID, type Data2Address, type Data2Packet } from './data2Packet';

export type UserGroup = 'user' | 'installer';

export const USER_GROUPS: Readonly<Record<UserGroup, { code: number; key: number }>> = {
  user: { code: 0x07, key: 0x88 },
  installer: { code: 0x0a, key: 0xbb },
};

export const CMD_LOGON = 0xfffd040c;
export const CMD_LOGOFF = 0xfffd010e;
export const PASSWORD_BYTES = 12;
/** seconds the inverter keeps the session (SBFspot sends 900) */
export const LOGON_TIMEOUT_S = 900;

export function encodePassword(password: string, group: UserGroup): Buffer {
  const key = USER_GROUPS[group].key;
  if (password.length > PASSWORD_BYTES) throw new ConfigError(`SMA password is at most ${PASSWORD_BYTES} characters, got ${password.length}`);
  const out = Buffer.alloc(PASSWORD_BYTES, key);
  for (let i = 0; i < password.length; i++) {
    const c = password.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) throw new ConfigError('SMA password must be printable ASCII');
    out[i] = (c + key) & 0xff;
  }
  return out;
}

export function logonPacket(source: Data2Address, packetId: number, group: UserGroup, password: string, unixTime: number, destination: Data2Address = { susyId: ANY_SUSY_ID, serial: ANY_SERIAL }): Data2Packet {
  const args = Buffer.alloc(16);
  args.writeUInt32LE(USER_GROUPS[group].code, 0);
  args.writeUInt32LE(LOGON_TIMEOUT_S, 4);
  args.writeUInt32LE(unixTime >>> 0, 8);
  return {
    control: 0xa0,
    destination,
    control2: 0x0100,
    source,
    error: 0,
    fragment: 0,
    packetId,
    first: true,
    command: CMD_LOGON,
    payload: Buffer.concat([args, encodePassword(password, group)]),
  };
}

export function logoffPacket(source: Data2Address, packetId: number): Data2Packet {
  const args = Buffer.alloc(4, 0xff);
  return { control: 0xa0, destination: { susyId: ANY_SUSY_ID, serial: ANY_SERIAL }, control2: 0x0300, source, error: 0, fragment: 0, packetId, first: true, command: CMD_LOGOFF, payload: args };
}

/** A request for a query range (SBFspot writes command, first, last). */
export function queryPacket(source: Data2Address, destination: Data2Address, packetId: number, command: number, first: number, last: number): Data2Packet {
  const args = Buffer.alloc(8);
  args.writeUInt32LE(first >>> 0, 0);
  args.writeUInt32LE(last >>> 0, 4);
  return { control: 0xa0, destination, control2: 0, source, error: 0, fragment: 0, packetId, first: true, command, payload: args };
}

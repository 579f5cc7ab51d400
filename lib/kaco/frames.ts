/** What the KACO codec produces: replies cut out of the byte stream, checked and decoded. */

export type FieldValues = Record<string, number | string>;

/** The kind of reply, decided by the command asked and the reply's command character. */
export type ReplyShape = 'standard' | 'standard000xi' | 'generic' | 'family000xi' | 'yield' | 'type' | 'firmware' | 'serial';

interface ReplyBase {
  /** the address in the reply header; undefined only for the headerless xi reply to command 3 */
  address: number | undefined;
  /** the reply's command character */
  command: string;
  /** the frame as it arrived: from `*` (headerless command 3: from its LF) through CR */
  raw: Buffer;
}

/** Command 0 (or 1–3 on series 000xi) in the standard protocol. */
export interface StandardReply extends ReplyBase {
  shape: 'standard' | 'standard000xi';
  address: number;
  fields: FieldValues;
  /** the type text after the checksum; undefined when it never arrived (the values are checked without it) */
  type: string | undefined;
}

/** Command 0 in the generic protocol (reply command n). */
export interface GenericReply extends ReplyBase {
  shape: 'generic';
  address: number;
  /** number of elements as sent */
  noe: number;
  fields: FieldValues;
}

/** Reply command 4 to command 0: a series 000xi, whose three sub-inverters answer commands 1–3. */
export interface Family000xiReply extends ReplyBase {
  shape: 'family000xi';
  address: number;
}

/** Command 3 text as sent, for the old logger's field names and units. */
export interface YieldText {
  e_counter: number;
  e_total: number;
  hours_today: string;
  hours_counter: string;
  hours_total: string;
}

export interface YieldReply extends ReplyBase {
  shape: 'yield';
  /** whether the `*AA3` header was sent (blueplanet) or left out (xi) */
  hadHeader: boolean;
  fields: FieldValues;
  asSent: YieldText;
}

export interface TypeReply extends ReplyBase {
  shape: 'type';
  address: number;
  type: string;
}

export interface FirmwareReply extends ReplyBase {
  shape: 'firmware';
  address: number;
  text: string;
}

export interface SerialReply extends ReplyBase {
  shape: 'serial';
  address: number;
  serial: string;
}

export type KacoReply = StandardReply | GenericReply | Family000xiReply | YieldReply | TypeReply | FirmwareReply | SerialReply;

/** A parser's verdict: never an exception, so garbage on the wire can never escape as one. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string; badCheck: boolean };

export const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
/** content that is not what the layout says */
export const fail = <T>(reason: string): Parsed<T> => ({ ok: false, reason, badCheck: false });
/** a checksum or CRC that does not match */
export const failCheck = <T>(reason: string): Parsed<T> => ({ ok: false, reason, badCheck: true });

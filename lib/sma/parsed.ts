/** A decoder's verdict: never an exception, so garbage on the wire can never escape as one. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string; badCheck: boolean };

export const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
/** content that is not what the format says */
export const fail = <T>(reason: string): Parsed<T> => ({ ok: false, reason, badCheck: false });
/** a checksum or FCS that does not match */
export const failCheck = <T>(reason: string): Parsed<T> => ({ ok: false, reason, badCheck: true });

export const hex16 = (n: number): string => `0x${n.toString(16).toUpperCase().padStart(4, '0')}`;

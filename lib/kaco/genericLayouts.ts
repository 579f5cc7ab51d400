/**
 * Reply to command 0 in KACO's generic protocol (reply command `n`):
 * `*AAn NOE TYP STA v1 v2 … CRC` + CR, space separated. NOE counts the elements including
 * itself, TYP and STA, so the values are NOE − 3. The meaning of each value depends on NOE.
 *
 * Source: KACO "AN_RS485protocol_KACO_20110513_DE" §3 as summarised in
 * shared/reference/kaco-rs485.md; NOE 20 verified against captured TL3 frames (g4bri3lDev/kaco-rs485
 * captures, wiomoc/homeassistant-kaco-inverter tests). NOE 23 (TR3, 30–39 kW TL3: three MPP
 * trackers) follows the same order with a third tracker. Other NOE (XP: 16) have no documented
 * order here: their values are reported as value_1 … value_n rather than guessed.
 */
export interface GenericLayout {
  series: string;
  values: readonly string[];
}

const trackers = (n: number): string[] => Array.from({ length: n }, (_, i) => [`u_dc${i + 1}`, `i_dc${i + 1}`, `p_dc${i + 1}`]).flat();
const phases = ['u_ac1', 'i_ac1', 'u_ac2', 'i_ac2', 'u_ac3', 'i_ac3'];
const tail = ['p_dc', 'p_ac', 'cos_phi', 'temperature', 'e_day'];

export const GENERIC_LAYOUTS: Readonly<Record<number, GenericLayout>> = {
  20: { series: 'TL3 10–20 kW (2 MPP trackers)', values: [...trackers(2), ...phases, ...tail] },
  23: { series: 'TR3, TL3 30–39 kW (3 MPP trackers)', values: [...trackers(3), ...phases, ...tail] },
};

/** Elements NOE counts besides the values: NOE itself, TYP and STA. */
export const GENERIC_HEAD_ELEMENTS = 3;

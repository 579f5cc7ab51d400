import type { Node } from 'node-red';

/** What a kaco-inverter config node offers kaco-read. */
export interface KacoInverterConfigNode extends Node {
  /** RS485 address, checked 1–32 (NaN when the setting is bad; see configError) */
  readonly address: number;
  /** the configured name, or "KACO <address>" */
  readonly displayName: string;
  /** the id of the rs485-bus node it is on */
  readonly busId: string;
  /** why this node cannot be used (bad address), or undefined */
  readonly configError?: string;
}

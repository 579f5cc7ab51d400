import type { Node } from 'node-red';
import type { SleepPolicy } from '../../lib/kaco/kacoClient';

/** What a kaco-inverter config node offers kaco-read. */
export interface KacoInverterConfigNode extends Node {
  /** RS485 address, checked 1–32 (NaN when the setting is bad; see configError) */
  readonly address: number;
  /** the configured name, or "KACO <address>" */
  readonly displayName: string;
  /** the id of the rs485-bus node it is on */
  readonly busId: string;
  /** when it counts as asleep and how often it is probed then, whichever kaco-read reads it */
  readonly sleep: SleepPolicy;
  /** why this node cannot be used (bad address or sleep setting), or undefined */
  readonly configError?: string;
}

import type { Node } from 'node-red';
import type { Rs485BusConfigNode } from '../rs485-bus/busNodeApi';

/** What an xw-inverter config node offers the poll and command nodes. */
export interface XwInverterConfigNode extends Node {
  /** the Modbus unit address, checked 1–247 */
  readonly unit: number;
  /** the configured name, or "XW <unit>" */
  readonly displayName: string;
  /** the id of the rs485-bus node it is on */
  readonly busId: string;
  /** why this node cannot be used (bad address), or undefined */
  readonly configError?: string;
}

export type { Rs485BusConfigNode };

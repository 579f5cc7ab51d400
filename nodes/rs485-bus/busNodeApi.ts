import type { Node, NodeStatus } from 'node-red';
import type { Bus } from '../../lib/bus/bus';
import type { LineProtocol } from '../../lib/bus/lineSpeed';

/** What an rs485-bus config node offers the nodes that use it. */
export interface Rs485BusConfigNode extends Node {
  /**
   * Opens the bus on the first user (shared with any other rs485-bus node naming the same
   * port) and pushes its state to the user's status. Throws ConfigError on a bad setting, a
   * port already used with other line settings, or a `protocol` that cannot share the line's
   * speed with its other users (lib/bus/lineSpeed.ts).
   */
  register(user: Node, protocol?: LineProtocol): Bus;
  /** Forgets the user; the port is released when the last user of the physical port leaves. */
  deregister(user: Node): Promise<void>;
  /** The bus's status while it is not open ("port /dev/ttyNOPE not found, retrying"), for users to show instead of their own; undefined when open. */
  downStatus(): NodeStatus | undefined;
}

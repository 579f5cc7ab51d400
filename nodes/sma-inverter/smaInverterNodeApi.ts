import type { Node } from 'node-red';
import type { SmaTarget } from '../../lib/sma/smaPoller';
import type { SmaTransport } from '../../lib/sma/smaSource';

/** What an sma-inverter config node offers sma-read. */
export interface SmaInverterConfigNode extends Node {
  /** the configured name, or "SMA <serial>" / "SMA <host>" */
  readonly displayName: string;
  readonly transport: SmaTransport;
  /** why this node cannot be used (a bad setting, no password), or undefined */
  readonly configError?: string;
  /**
   * The device as a poll target, for `user` (an sma-read node): the first user opens the bus and
   * the source (one SMAData2+ session per device however many readers), later ones share them.
   * Throws ConfigError naming what is wrong (the bus, the line speed, the settings).
   */
  connect(user: Node): SmaTarget;
  /** Forgets the user; the last one closes the source (logoff) and releases the bus. */
  disconnect(user: Node): Promise<void>;
}
